package io.github.hakit.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import io.github.hakit.core.config.NginxUpstreamParser;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.health.ObserveConfig;

/**
 * One server of an upstream: an address plus the per-server parameters that Nginx's {@code server} line and
 * HAProxy's {@code server} line carry. Immutable; build variants with {@link #toBuilder()}.
 *
 * <pre>{@code
 * Endpoint a = Endpoint.parse("10.0.0.3:80 weight=2 max_fails=2 fail_timeout=30s");
 * Endpoint b = Endpoint.builder("10.0.0.4", 80).backup(true).zone("eu-1").build();
 * List<Endpoint> trackers = Endpoint.parseList("10.0.0.1:22122,10.0.0.2:22122");
 * }</pre>
 *
 * <p>Defaults are Nginx's: {@code weight=1 max_fails=1 fail_timeout=10s}, no {@code max_conns} limit.
 *
 * @param host        host name or IP literal (IPv6 without brackets)
 * @param port        1..65535
 * @param name        display name (HAProxy server name); defaults to {@code host:port}
 * @param weight      0..1,000,000; 0 takes no new traffic (HAProxy's drain)
 * @param maxFails    failures within {@code failTimeout} that make the endpoint unavailable; 0 disables accounting
 * @param failTimeout the failure-counting window and the time the endpoint then stays unavailable (at most
 *                    {@link #MAX_DURATION})
 * @param backup      used only when no primary endpoint is usable
 * @param down        permanently out of rotation
 * @param maxConns    maximum concurrent calls; 0 = unlimited
 * @param zone        free-form locality label (may be empty)
 * @param tags        free-form metadata
 * @param healthCheck active check settings, or {@code null} to use the upstream's default (if any)
 * @param observe     HAProxy-style passive observation ({@code observe layer4 error-limit 10 on-error ...}), or
 *                    {@code null}
 * @param slowStart   ramp-up period of the weight after the endpoint comes back up; {@link Duration#ZERO} = none
 */
public record Endpoint(String host, int port, String name, int weight, int maxFails, Duration failTimeout,
        boolean backup, boolean down, int maxConns, String zone, Map<String, String> tags,
        HealthCheckConfig healthCheck, ObserveConfig observe, Duration slowStart) {

    /** Nginx's default weight. */
    public static final int DEFAULT_WEIGHT = 1;
    /** Nginx's default {@code max_fails}. */
    public static final int DEFAULT_MAX_FAILS = 1;
    /** Nginx's default {@code fail_timeout}. */
    public static final Duration DEFAULT_FAIL_TIMEOUT = Duration.ofSeconds(10);
    /** Largest accepted weight. */
    public static final int MAX_WEIGHT = 1_000_000;
    /** Largest accepted {@code fail_timeout} and {@code slow_start}: 100 years (nanosecond clocks end at 292). */
    public static final Duration MAX_DURATION = Duration.ofDays(36_500);

    public Endpoint {
        host = validateHost(host);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range 1..65535: " + port + " (host " + host + ")");
        }
        if (name == null || name.isBlank()) {
            name = formatAddress(host, port);
        }
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight out of range 0.." + MAX_WEIGHT + ": " + weight + " (" + name + ")");
        }
        if (maxFails < 0) {
            throw new IllegalArgumentException("max_fails < 0: " + maxFails + " (" + name + ")");
        }
        Objects.requireNonNull(failTimeout, "failTimeout");
        if (failTimeout.isNegative()) {
            throw new IllegalArgumentException("fail_timeout < 0: " + failTimeout + " (" + name + ")");
        }
        if (failTimeout.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("fail_timeout above " + MAX_DURATION.toDays() + " days: "
                    + failTimeout.getSeconds() + "s (" + name + ")");
        }
        if (maxConns < 0) {
            throw new IllegalArgumentException("max_conns < 0: " + maxConns + " (" + name + ")");
        }
        zone = zone == null ? "" : zone;
        tags = tags == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(tags));
        slowStart = slowStart == null ? Duration.ZERO : slowStart;
        if (slowStart.isNegative()) {
            throw new IllegalArgumentException("slow_start < 0: " + slowStart + " (" + name + ")");
        }
        if (slowStart.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("slow_start above " + MAX_DURATION.toDays() + " days: "
                    + slowStart.getSeconds() + "s (" + name + ")");
        }
    }

    /** An endpoint with default parameters. */
    public static Endpoint of(String host, int port) {
        return builder(host, port).build();
    }

    /** An endpoint with default parameters from {@code host:port} ({@code [v6]:port} for IPv6). */
    public static Endpoint of(String hostPort) {
        HostPort hp = HostPort.parse(hostPort);
        return of(hp.host(), hp.port());
    }

    /**
     * Parses the arguments of an Nginx {@code server} line: {@code host:port [weight=N] [max_fails=N]
     * [fail_timeout=T] [max_conns=N] [backup] [down]}, with an optional leading {@code server} and trailing
     * {@code ;}.
     *
     * @throws ConfigParseException naming the bad parameter and its column
     */
    public static Endpoint parse(String nginxServerLine) {
        return NginxUpstreamParser.parseServer(nginxServerLine);
    }

    /**
     * Parses the {@code host:port,host:port} shorthand (also {@code ;} or whitespace separated, as RocketMQ's
     * {@code namesrvAddr} is). Each element gets default parameters.
     *
     * @throws IllegalArgumentException naming the malformed element, or when the list is empty
     */
    public static List<Endpoint> parseList(String addresses) {
        if (addresses == null || addresses.isBlank()) {
            throw new IllegalArgumentException("empty address list: '" + addresses + "'");
        }
        List<Endpoint> result = new ArrayList<>();
        for (String part : addresses.trim().split("[,;\\s]+")) {
            if (!part.isEmpty()) {
                result.add(of(part));
            }
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException("empty address list: '" + addresses + "'");
        }
        return List.copyOf(result);
    }

    /** A builder with Nginx's defaults. */
    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    /** A builder holding this endpoint's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The record's fields, with secrets in tags (a management URL with a password, ...) redacted. */
    @Override
    public String toString() {
        return "Endpoint[host=" + host + ", port=" + port + ", name=" + name + ", weight=" + weight + ", maxFails="
                + maxFails + ", failTimeout=" + failTimeout + ", backup=" + backup + ", down=" + down + ", maxConns="
                + maxConns + ", zone=" + zone + ", tags=" + Secrets.redact(String.valueOf(tags)) + ", healthCheck="
                + healthCheck + ", observe=" + observe + ", slowStart=" + slowStart + "]";
    }

    /** {@code host:port}, with brackets around IPv6 literals. */
    public String address() {
        return formatAddress(host, port);
    }

    static String formatAddress(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static String validateHost(String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("empty host: '" + host + "'");
        }
        String h = host.trim();
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if (!isHostChar(c)) {
                throw new IllegalArgumentException("invalid character '" + c + "' in host: '" + Secrets.redact(host)
                        + "'");
            }
        }
        return h;
    }

    /**
     * Whether {@code c} may appear in a host: an ASCII letter or digit, {@code . - _}, or {@code :} and {@code %}
     * of IPv6 literals and zone ids.
     */
    public static boolean isHostChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
                || c == '_' || c == ':' || c == '%';
    }

    /** Builder for {@link Endpoint}; defaults are Nginx's. */
    public static final class Builder {
        private final String host;
        private final int port;
        private String name;
        private int weight = DEFAULT_WEIGHT;
        private int maxFails = DEFAULT_MAX_FAILS;
        private Duration failTimeout = DEFAULT_FAIL_TIMEOUT;
        private boolean backup;
        private boolean down;
        private int maxConns;
        private String zone = "";
        private Map<String, String> tags = new LinkedHashMap<>();
        private HealthCheckConfig healthCheck;
        private ObserveConfig observe;
        private Duration slowStart = Duration.ZERO;

        private Builder(String host, int port) {
            this.host = host;
            this.port = port;
        }

        private Builder(Endpoint e) {
            this.host = e.host;
            this.port = e.port;
            this.name = e.name;
            this.weight = e.weight;
            this.maxFails = e.maxFails;
            this.failTimeout = e.failTimeout;
            this.backup = e.backup;
            this.down = e.down;
            this.maxConns = e.maxConns;
            this.zone = e.zone;
            this.tags = new LinkedHashMap<>(e.tags);
            this.healthCheck = e.healthCheck;
            this.observe = e.observe;
            this.slowStart = e.slowStart;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder weight(int weight) {
            this.weight = weight;
            return this;
        }

        public Builder maxFails(int maxFails) {
            this.maxFails = maxFails;
            return this;
        }

        public Builder failTimeout(Duration failTimeout) {
            this.failTimeout = failTimeout;
            return this;
        }

        public Builder backup(boolean backup) {
            this.backup = backup;
            return this;
        }

        public Builder down(boolean down) {
            this.down = down;
            return this;
        }

        public Builder maxConns(int maxConns) {
            this.maxConns = maxConns;
            return this;
        }

        public Builder zone(String zone) {
            this.zone = zone;
            return this;
        }

        public Builder tag(String key, String value) {
            this.tags.put(Objects.requireNonNull(key, "tag key"), Objects.requireNonNull(value, "tag value"));
            return this;
        }

        public Builder tags(Map<String, String> tags) {
            this.tags = new LinkedHashMap<>(Objects.requireNonNull(tags, "tags"));
            return this;
        }

        public Builder healthCheck(HealthCheckConfig healthCheck) {
            this.healthCheck = healthCheck;
            return this;
        }

        public Builder observe(ObserveConfig observe) {
            this.observe = observe;
            return this;
        }

        public Builder slowStart(Duration slowStart) {
            this.slowStart = slowStart;
            return this;
        }

        public Endpoint build() {
            return new Endpoint(host, port, name, weight, maxFails, failTimeout, backup, down, maxConns, zone, tags,
                    healthCheck, observe, slowStart);
        }
    }
}
