package io.github.hakit.core.internal;

/** Where a call's attempts find their endpoints: the upstream's own, or a per-call candidate list. Not API. */
public interface Source {
    /** A node for the next attempt of {@code call} at {@code nanos}, its slot taken; {@code null} when none is left. */
    Node pick(CallState call, long nanos);

    /** Nginx's {@code peer.tries}: how many endpoints one round may try (those not {@code down}). */
    int size();
}
