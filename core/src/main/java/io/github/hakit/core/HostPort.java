package io.github.hakit.core;

/**
 * A validated {@code host:port} pair. IPv6 literals are written in brackets: {@code [::1]:80}.
 *
 * <pre>{@code
 * HostPort hp = HostPort.parse("10.0.0.1:22122");
 * }</pre>
 *
 * @param host host name or IP literal, without brackets
 * @param port 1..65535
 */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("empty host: '" + Secrets.redact(host) + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range 1..65535: " + port);
        }
    }

    /**
     * Parses {@code host:port} or {@code [v6]:port}.
     *
     * @throws IllegalArgumentException naming the malformed value
     */
    public static HostPort parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("malformed host:port: '" + value + "' (empty)");
        }
        String v = value.trim();
        if (v.indexOf('@') >= 0) {
            // user info ("app:secret@host"): the parts around ':' would otherwise show the password in a message
            throw malformed(value, "user info ('user:password@') is not part of host:port");
        }
        String host;
        String port;
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            if (close < 0 || close + 1 >= v.length() || v.charAt(close + 1) != ':') {
                throw malformed(value, "expected [ipv6]:port");
            }
            host = v.substring(1, close);
            port = v.substring(close + 2);
        } else {
            int colon = v.lastIndexOf(':');
            if (colon <= 0 || colon != v.indexOf(':')) {
                throw malformed(value, "expected host:port");
            }
            host = v.substring(0, colon);
            port = v.substring(colon + 1);
        }
        // ASCII digits only: Integer.parseInt would take "+80", "٨٠" and "８０" as 80
        if (port.isEmpty() || port.length() > 5) {
            throw malformed(value, "port '" + Secrets.redact(port) + "' is not a number 1..65535");
        }
        int p = 0;
        for (int i = 0; i < port.length(); i++) {
            char c = port.charAt(i);
            if (c < '0' || c > '9') {
                throw malformed(value, "port '" + Secrets.redact(port) + "' is not a number");
            }
            p = p * 10 + (c - '0');
        }
        if (p < 1 || p > 65535) {
            throw malformed(value, "port " + p + " out of range 1..65535");
        }
        for (int i = 0; i < host.length(); i++) {
            if (!Endpoint.isHostChar(host.charAt(i))) {
                throw malformed(value, "invalid character '" + host.charAt(i) + "' in host");
            }
        }
        return new HostPort(host, p);
    }

    /** The message never echoes a secret: the value goes through {@link Secrets#redact}. */
    private static IllegalArgumentException malformed(String value, String why) {
        return new IllegalArgumentException("malformed host:port: '" + Secrets.redact(value) + "' (" + why + ")");
    }

    @Override
    public String toString() {
        return Endpoint.formatAddress(host, port);
    }
}
