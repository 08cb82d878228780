package io.github.hakit.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The handle {@link Upstream#pick()} returns for one endpoint. It is allocated once per endpoint, so picking
 * allocates nothing; give it back with exactly one of {@link Upstream#success}, {@link Upstream#failure} or
 * {@link Upstream#release}.
 *
 * <p>Only {@link #endpoint()} is API; the rest is the upstream's bookkeeping, guarded as documented per field.
 */
public final class Peer {
    private final Endpoint endpoint;
    final boolean backup;
    /**
     * Position within the primary or backup array of the current snapshot; reassigned under Upstream.lock when
     * membership changes, so an endpoint that stays keeps this object (and its health) wherever it moves.
     */
    volatile int index;
    final long failTimeoutNanos;

    // --- Nginx round-robin state: guarded by Upstream.lock ---
    int currentWeight;
    int effectiveWeight;
    /** Runtime weight (starts as the endpoint's); written under Upstream.lock. */
    volatile int weight;

    // --- Nginx passive health: written under Upstream.lock, read lock-free ---
    volatile int fails;
    long accessed;
    volatile long checked;
    /** Whether the last transition reported for passive accounting was "ejected". */
    boolean passivelyDown;

    // --- admin state: written under Upstream.lock ---
    volatile Admin admin = Admin.READY;

    // --- active health (HAProxy): guarded by this peer's monitor ---
    final HealthCheckConfig check;
    int health;
    volatile boolean activeUp = true;
    volatile String lastCheck = "";
    int consecutiveErrors;
    long checkGeneration;
    java.util.concurrent.ScheduledFuture<?> nextCheck;
    long nextCheckAt;

    // --- slow start ---
    volatile long rampStart = Long.MIN_VALUE;

    // --- P2C peak EWMA: guarded by ewmaLock ---
    final Object ewmaLock = new Object();
    double ewmaNanos;
    long ewmaStamp;

    final AtomicInteger conns = new AtomicInteger();
    final LongAdder successes = new LongAdder();
    final LongAdder failures = new LongAdder();

    Peer(Endpoint endpoint, int index, HealthCheckConfig check) {
        this.endpoint = endpoint;
        this.backup = endpoint.backup();
        this.index = index;
        this.weight = endpoint.weight();
        this.effectiveWeight = endpoint.weight();
        this.failTimeoutNanos = endpoint.failTimeout().toNanos();
        this.check = check;
        // HAProxy starts a checked server UP with health = rise: "up, but will fall down at first failure"
        this.health = check == null ? 0 : check.rise();
    }

    /** The endpoint this handle stands for. */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** Acquires a call slot, honouring {@code max_conns}; false when the endpoint is full. */
    boolean tryAcquire() {
        int max = endpoint.maxConns();
        if (max == 0) {
            conns.incrementAndGet();
            return true;
        }
        while (true) {
            int c = conns.get();
            if (c >= max) {
                return false;
            }
            if (conns.compareAndSet(c, c + 1)) {
                return true;
            }
        }
    }

    boolean full() {
        int max = endpoint.maxConns();
        return max != 0 && conns.get() >= max;
    }

    /** Not down, not in maintenance or drain, weight above 0, and (unless ignored) actively UP. */
    boolean eligible(boolean ignoreHealth) {
        return !endpoint.down() && admin == Admin.READY && weight > 0 && (ignoreHealth || activeUp);
    }

    /** Nginx: {@code fails >= max_fails && now - checked <= fail_timeout}. */
    boolean passivelyFailed(long now) {
        int maxFails = endpoint.maxFails();
        return maxFails != 0 && fails >= maxFails && now - checked <= failTimeoutNanos;
    }

    /** Weight after the slow-start ramp. */
    int rampedWeight(int w, long now) {
        long start = rampStart;
        if (start == Long.MIN_VALUE) {
            return w;
        }
        long period = endpoint.slowStart().toNanos();
        long elapsed = now - start;
        if (period <= 0 || elapsed >= period) {
            rampStart = Long.MIN_VALUE;
            return w;
        }
        return (int) Math.max(1, (long) w * elapsed / period);
    }

    @Override
    public String toString() {
        return endpoint.name();
    }

    /** Operator state. */
    enum Admin {
        READY, DRAIN, MAINT
    }
}
