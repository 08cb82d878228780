package io.github.hakit.core;

/**
 * Reads an HAProxy {@code backend} (or {@code listen}) section into {@link UpstreamConfig}.
 * (Implementation in progress.)
 */
public final class HaproxyBackendParser {
    private HaproxyBackendParser() {
    }

    /** Parses a {@code backend name} section. */
    public static UpstreamConfig parse(String config) {
        throw new ConfigParseException("haproxy parser not available yet", 1, 1);
    }

    /** Parses one {@code server name host:port [params]} line with HAProxy's defaults. */
    public static Endpoint parseServer(String line) {
        throw new ConfigParseException("haproxy parser not available yet", 1, 1);
    }
}
