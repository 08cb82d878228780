package io.github.hakit.core;

import java.util.Objects;

/**
 * A classified attempt failure.
 *
 * @param kind                   what went wrong
 * @param requestMayHaveBeenSent whether the endpoint may have received (and acted on) the request; a
 *                               non-idempotent call is then not retried unless the policy allows it
 */
public record Failure(FailureKind kind, boolean requestMayHaveBeenSent) {
    public Failure {
        Objects.requireNonNull(kind, "kind");
    }

    /** A failure before the request left (e.g. connection refused): always safe to retry. */
    public static Failure notSent(FailureKind kind) {
        return new Failure(kind, false);
    }

    /** A failure after the request may have reached the endpoint. */
    public static Failure maybeSent(FailureKind kind) {
        return new Failure(kind, true);
    }
}
