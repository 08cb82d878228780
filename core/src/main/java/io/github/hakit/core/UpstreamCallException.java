package io.github.hakit.core;

import java.util.List;

/**
 * A call through an {@link Upstream} failed; {@link #attempts()} lists every attempt and its cause.
 */
public class UpstreamCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String upstream;
    private final transient List<AttemptRecord> attempts;

    public UpstreamCallException(String upstream, String message, List<AttemptRecord> attempts, Throwable cause) {
        super(describe(upstream, message, attempts), cause);
        this.upstream = upstream;
        this.attempts = List.copyOf(attempts);
    }

    private static String describe(String upstream, String message, List<AttemptRecord> attempts) {
        StringBuilder sb = new StringBuilder("upstream '").append(upstream).append("': ").append(message);
        if (!attempts.isEmpty()) {
            sb.append("; attempts: ");
            for (int i = 0; i < attempts.size(); i++) {
                if (i > 0) {
                    sb.append("; ");
                }
                sb.append(attempts.get(i));
            }
        }
        return sb.toString();
    }

    /** The upstream's name. */
    public String upstream() {
        return upstream;
    }

    /** Every attempt made, in order. */
    public List<AttemptRecord> attempts() {
        return attempts;
    }
}
