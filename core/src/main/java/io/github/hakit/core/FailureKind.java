package io.github.hakit.core;

import java.util.Locale;

/**
 * Why an attempt failed: the vocabulary of Nginx's {@code proxy_next_upstream} (error, timeout, invalid_header,
 * http_5xx, ...) plus protocol-neutral kinds in the spirit of gRPC's status codes ({@link #UNAVAILABLE},
 * {@link #OVERLOADED}, {@link #REJECTED}, {@link #NO_ROUTE}), so that a back end never needs a vocabulary of its
 * own. Back ends map their errors onto these with a {@link FailureClassifier} (thrown) or a
 * {@link ResultClassifier} (answered but failed), and choose which kinds move a call on with
 * {@link io.github.hakit.core.retry.NextUpstreamPolicy#conditions()}.
 *
 * <pre>{@code
 * FailureClassifier broker = t -> t instanceof BrokerBusyException ? Failure.notSent(FailureKind.OVERLOADED)
 *     : FailureClassifier.network().classify(t);
 * NextUpstreamPolicy p = NextUpstreamPolicy.builder()
 *     .conditions(FailureKind.ERROR, FailureKind.TIMEOUT, FailureKind.OVERLOADED, FailureKind.UNAVAILABLE).build();
 * }</pre>
 */
public enum FailureKind {
    /** Connecting, sending or reading failed. */
    ERROR("error"),
    /** The endpoint did not answer within the attempt timeout. */
    TIMEOUT("timeout"),
    /** The endpoint answered something that is not a valid response (a protocol violation). */
    INVALID_HEADER("invalid_header"),
    HTTP_500("http_500"),
    HTTP_502("http_502"),
    HTTP_503("http_503"),
    HTTP_504("http_504"),
    /** Moves to the next endpoint without counting as a failure (Nginx). */
    HTTP_403("http_403"),
    /** Moves to the next endpoint without counting as a failure (Nginx). */
    HTTP_404("http_404"),
    HTTP_429("http_429"),
    /**
     * Protocol-neutral: the endpoint cannot serve now (not the leader or master, shutting down, service not
     * available, not connected). Counts as a failure.
     */
    UNAVAILABLE("unavailable", false, true),
    /** Protocol-neutral: the endpoint refused for load (busy, throttled, queue full). Counts as a failure. */
    OVERLOADED("overloaded", false, true),
    /**
     * Protocol-neutral: the endpoint refused this request itself (illegal, too large, not permitted); another
     * endpoint would refuse it too, so it is not the endpoint's fault and does not count.
     */
    REJECTED("rejected", false, false),
    /**
     * Protocol-neutral: this endpoint has no route for this request (a broker without the topic, a storage
     * without the file yet); moves on without counting, like Nginx's 404.
     */
    NO_ROUTE("no_route", false, false);

    private final String nginxName;
    private final boolean nginx;
    private final boolean counts;

    FailureKind(String nginxName) {
        this(nginxName, true, !nginxName.equals("http_403") && !nginxName.equals("http_404"));
    }

    FailureKind(String name, boolean nginx, boolean counts) {
        this.nginxName = name;
        this.nginx = nginx;
        this.counts = counts;
    }

    /** The name used in {@code proxy_next_upstream}, e.g. {@code http_502} (for neutral kinds: {@code unavailable}...). */
    public String nginxName() {
        return nginxName;
    }

    /** Whether Nginx's {@code proxy_next_upstream} has this condition. */
    public boolean isNginx() {
        return nginx;
    }

    /**
     * Whether a failure of this kind counts against the endpoint's {@code max_fails}. As in Nginx, 403 and 404 move
     * on to the next endpoint but do not count; so do {@link #REJECTED} and {@link #NO_ROUTE}.
     */
    public boolean countsAsFailure() {
        return counts;
    }

    /** The kind for an HTTP status, or {@code null} when the status has none. */
    public static FailureKind ofHttpStatus(int status) {
        return switch (status) {
            case 500 -> HTTP_500;
            case 502 -> HTTP_502;
            case 503 -> HTTP_503;
            case 504 -> HTTP_504;
            case 403 -> HTTP_403;
            case 404 -> HTTP_404;
            case 429 -> HTTP_429;
            default -> null;
        };
    }

    /**
     * Parses an Nginx condition name ({@code error}, {@code http_502}, ...).
     *
     * @throws IllegalArgumentException naming the unknown condition
     */
    public static FailureKind ofNginxName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (FailureKind k : values()) {
            if (k.nginx && k.nginxName.equals(n)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown next-upstream condition: '" + name + "'");
    }
}
