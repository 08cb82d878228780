package io.github.hakit.core.internal;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.Peer;
import io.github.hakit.core.health.HealthCheckConfig;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live state of one endpoint of an upstream: the {@link Peer} handle and the bookkeeping of each concern
 * (balancer, Nginx passive health, HAProxy active health, admin state), guarded as documented per field. Not API.
 */
public final class Node implements Peer {
    /** Internal weight scale, HAProxy's {@code BE_WEIGHT_SCALE}: slow start steps in sixteenths of a weight. */
    public static final int SCALE = 16;
    /** No slow-start ramp running. */
    public static final long NO_RAMP = Long.MIN_VALUE;

    public final Endpoint endpoint;
    public final boolean backup;
    /** Learned from a per-call candidate list rather than configured. */
    public final boolean dynamic;
    /** Position within the primary or backup array of the current routing view; written under the lock. */
    public volatile int index;
    /** {@code fail_timeout} in the passive time unit (nanoseconds, or whole seconds for Nginx time). */
    public final long failTimeout;

    // --- balancer state (Nginx round robin), scaled by SCALE: guarded by the upstream's lock ---
    public long current;
    public long effective;
    /** Runtime weight (starts as the endpoint's); written under the lock. */
    public volatile int weight;

    // --- Nginx passive health: written under the lock, read lock-free ---
    public volatile int fails;
    public long accessed;
    public volatile long checked;
    /** An ejection (max_fails within fail_timeout) is in effect and was reported. */
    public volatile boolean ejected;

    // --- admin state: written under the lock ---
    public volatile Admin admin = Admin.READY;

    // --- HAProxy active health: guarded by this node's monitor ---
    public final HealthCheckConfig check;
    public int health;
    public volatile boolean activeUp = true;
    /** HAProxy's STOPPING (NOLB): up, but no new traffic ({@code set server health stopping}). */
    public volatile boolean stopping;
    /** {@code enable health} / {@code disable health}. */
    public volatile boolean checksEnabled;
    public volatile String lastCheck = "";
    public int consecutiveErrors;
    public long checkGeneration;
    public ScheduledFuture<?> nextCheck;
    public long nextCheckAt;

    // --- slow start (HAProxy): ticker nanos of the transition, or NO_RAMP ---
    public volatile long rampStart = NO_RAMP;

    // --- P2C peak EWMA: written under ewmaLock, read lock-free (a torn pair only skews one estimate) ---
    public final Object ewmaLock = new Object();
    public volatile double ewmaNanos;
    public volatile long ewmaStamp;

    public final AtomicInteger conns = new AtomicInteger();
    public final LongAdder successes = new LongAdder();
    public final LongAdder failures = new LongAdder();
    /** Ticker nanos of the last state change, and its cause. */
    public volatile long lastChange;
    public volatile String lastChangeCause = "";
    /** Ticker nanos of the last use (dynamic nodes are forgotten when idle and healthy). */
    public volatile long lastUsed;

    public Node(Endpoint endpoint, int index, HealthCheckConfig check, boolean dynamic, long failTimeout, long now) {
        this.endpoint = endpoint;
        this.backup = endpoint.backup();
        this.dynamic = dynamic;
        this.index = index;
        this.weight = endpoint.weight();
        this.effective = (long) endpoint.weight() * SCALE;
        this.failTimeout = failTimeout;
        this.check = check;
        this.checksEnabled = check != null;
        // HAProxy starts a checked server UP with health = rise: "up, but will fall down at first failure"
        this.health = check == null ? 0 : check.rise();
        this.lastChange = now;
        this.lastUsed = now;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    /** Acquires a call slot, honouring {@code max_conns}; false when the endpoint is full. */
    public boolean tryAcquire() {
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

    public boolean full() {
        int max = endpoint.maxConns();
        return max != 0 && conns.get() >= max;
    }

    /** Not down, not in maintenance or drain, not stopping, weight above 0, and (unless ignored) actively UP. */
    public boolean eligible(boolean ignoreHealth) {
        return !endpoint.down() && admin == Admin.READY && weight > 0 && !stopping && (ignoreHealth || activeUp);
    }

    /** Nginx: {@code max_fails && fails >= max_fails && now - checked <= fail_timeout}, in passive time units. */
    public boolean passivelyFailed(long passiveNow) {
        int maxFails = endpoint.maxFails();
        return maxFails != 0 && fails >= maxFails && passiveNow - checked <= failTimeout;
    }

    /**
     * The weight after HAProxy's slow-start ramp, scaled by {@link #SCALE}: {@code server_recalc_eweight()} of
     * HAProxy 2.6 {@code src/server.c}, {@code w = (wdiv * elapsed_s + slowstart_s) / slowstart_s} with
     * {@code wdiv = 16}, stepping once per whole second since the transition (the warm-up task's period), full
     * weight once {@code elapsed_s >= slowstart_s}.
     */
    public long rampedWeight(long nowNanos) {
        long full = (long) weight * SCALE;
        long start = rampStart;
        if (start == NO_RAMP) {
            return full;
        }
        long slow = (endpoint.slowStart().toMillis() + 999) / 1000; // HAProxy keeps slowstart in seconds, rounded up
        long elapsed = Math.floorDiv(nowNanos, 1_000_000_000L) - Math.floorDiv(start, 1_000_000_000L);
        if (slow <= 0 || elapsed >= slow || elapsed < 0) {
            rampStart = NO_RAMP;
            return full;
        }
        long w = (SCALE * elapsed + slow) / slow;
        return (long) weight * w;
    }

    /** The effective weight Nginx's round robin adds per pick: the lower of the recovering and the ramped one. */
    public long pickWeight(long nowNanos) {
        long ramp = rampStart == NO_RAMP ? (long) weight * SCALE : rampedWeight(nowNanos);
        return Math.min(effective, ramp);
    }

    @Override
    public String toString() {
        return endpoint.name();
    }

    /** Operator state ({@code set server state ready|drain|maint}). */
    public enum Admin {
        READY, DRAIN, MAINT
    }
}
