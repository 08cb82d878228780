package io.github.hakit.core;

import java.util.Locale;

/**
 * Why an attempt failed, in the vocabulary of Nginx's {@code proxy_next_upstream}. Back ends map their own
 * errors onto these with a {@link FailureClassifier}.
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
    HTTP_429("http_429");

    private final String nginxName;

    FailureKind(String nginxName) {
        this.nginxName = nginxName;
    }

    /** The name used in {@code proxy_next_upstream}, e.g. {@code http_502}. */
    public String nginxName() {
        return nginxName;
    }

    /**
     * Whether a failure of this kind counts against the endpoint's {@code max_fails}. As in Nginx, 403 and 404 move
     * on to the next endpoint but do not count.
     */
    public boolean countsAsFailure() {
        return this != HTTP_403 && this != HTTP_404;
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
            if (k.nginxName.equals(n)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown next-upstream condition: '" + name + "'");
    }
}
