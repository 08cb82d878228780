package io.github.hakit.core.internal;

/**
 * One balancing algorithm's picker (see {@code io.github.hakit.core.balance.Balancer#newPicker}). Not API.
 */
public interface Picker {
    /**
     * Chooses a usable primary, else a usable backup, for {@code call} ({@code null}: one attempt without memory)
     * and takes a call slot on it; {@code null} when none is usable. Called without the lock; takes it if needed.
     */
    Node pick(Routing r, CallState call, long nanos);

    /** Precomputes what picks read for a new routing view (a schedule, a ring). Caller holds the lock. */
    default Object prepare(Routing r, Routing old, boolean membership) {
        return null;
    }

    /** Balancer state is about to change outside a pick (failure, health, admin). Caller holds the lock. */
    default void perturbLocked(Routing r) {
    }

    /** Balancer state changed; the picker may return to a lock-free steady mode. Caller holds the lock. */
    default void settledLocked(Routing r) {
    }

    /** {@code n}'s balancer or passive state is about to change (a failure, a success). Caller holds the lock. */
    default void nodeChangingLocked(Routing r, Node n) {
        perturbLocked(r);
    }

    /** {@code n}'s state changed (see {@link #nodeChangingLocked}). Caller holds the lock. */
    default void nodeChangedLocked(Routing r, Node n, long nanos) {
        settledLocked(r);
    }

    /** A call on {@code n} ended after {@code rttNanos} ({@code failed}: it counted as a failure). */
    default void observe(Node n, long rttNanos, boolean failed, long nanos) {
    }
}
