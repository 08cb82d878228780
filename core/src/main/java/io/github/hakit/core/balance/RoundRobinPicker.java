package io.github.hakit.core.balance;

import io.github.hakit.core.internal.CallState;
import io.github.hakit.core.internal.Node;
import io.github.hakit.core.internal.Picker;
import io.github.hakit.core.internal.Pool;
import io.github.hakit.core.internal.Routing;
import io.github.hakit.core.internal.Swrr;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Nginx's smooth weighted round robin to the pick. While every usable primary has its full effective weight and
 * no failures, picks read a precomputed {@link SwrrSchedule} through an atomic counter (no lock, no allocation);
 * a failure, a health or membership change, or a retry that excludes endpoints switches to the exact algorithm
 * under the lock, kept in a {@link SwrrIndex} (O(weight classes + log n) per pick), which hands back to the
 * schedule once Nginx's state returns to its all-zero point.
 */
final class RoundRobinPicker implements Picker {
    private final Pool pool;
    private final AtomicLong counter = new AtomicLong();
    /** True while picks may read the schedule. Written under the lock. */
    private volatile boolean scheduleMode;
    /** The exact state outside schedule mode, or {@code null} (then the nodes' current weights are the truth). */
    private SwrrIndex index;
    private Routing indexed;

    RoundRobinPicker(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Node pick(Routing r, CallState call, long nanos) {
        SwrrSchedule s;
        if (scheduleMode && (call == null || call.triedCount() == 0) && (s = schedule(r)) != null) {
            long position = counter.getAndIncrement();
            Node p = r.primaries[s.order[(int) (position % s.length())]];
            if (p.tryAcquire()) {
                return p;
            }
            // full (max_conns): Nginx skips it in this pick, which leaves the steady state
            return locked(call, nanos, position);
        }
        return locked(call, nanos, -1);
    }

    private Node locked(CallState call, long nanos, long position) {
        synchronized (pool.lock()) {
            Routing r = pool.routing();
            leave(r, position);
            Node n;
            if (r.panic || r.single || r.primaries.length == 0) {
                invalidate();
                n = Swrr.pickLocked(pool, r, r.primaries, r.panic, call, nanos);
            } else {
                if (index == null || indexed != r) {
                    invalidate();
                    index = new SwrrIndex(r.primaries, pool.passive(), nanos);
                    indexed = r;
                }
                n = index.pick(call, nanos);
            }
            if (n == null && r.backups.length > 0) {
                n = Swrr.pickLocked(pool, r, r.backups, false, call, nanos);
            }
            maybeEnter(r);
            return n;
        }
    }

    /**
     * The schedule for a new view, built at once when it is cheap, else on the upstream's scheduler, off the lock:
     * picks meanwhile run the exact algorithm, so none waits for the build.
     */
    @Override
    public Object prepare(Routing r, Routing old, boolean membership) {
        int[] ids = new int[r.primaries.length];
        int[] weights = new int[r.primaries.length];
        int n = 0;
        for (Node p : r.primaries) {
            if (p.eligible(r.panic)) {
                ids[n] = p.index;
                weights[n] = p.weight;
                n++;
            }
        }
        int[] peers = Arrays.copyOf(ids, n);
        int[] w = Arrays.copyOf(weights, n);
        Slot slot = new Slot();
        slot.schedule = SwrrSchedule.compute(peers, w, INLINE_WORK);
        if (slot.schedule == null && n > 0) {
            try {
                pool.scheduler().execute(() -> {
                    if (pool.routing().data != slot) {
                        return; // superseded by a newer view before the build started: only the latest is built
                    }
                    SwrrSchedule built = SwrrSchedule.compute(peers, w, ASYNC_WORK);
                    synchronized (pool.lock()) {
                        slot.schedule = built;
                        Routing current = pool.routing();
                        if (current.data == slot) {
                            maybeEnter(current);
                        }
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // closing: picks keep the exact algorithm
            }
        }
        return slot;
    }

    /** Builds costing more than this (about a millisecond) run off the lock; above ASYNC_WORK none is built. */
    static final long INLINE_WORK = 200_000;
    static final long ASYNC_WORK = 50_000_000;

    /** A routing view's schedule, filled in when its (possibly asynchronous) build is done. */
    static final class Slot {
        volatile SwrrSchedule schedule;
    }

    private static SwrrSchedule schedule(Routing r) {
        return r.data instanceof Slot slot ? slot.schedule : null;
    }

    @Override
    public void perturbLocked(Routing r) {
        leave(r, -1);
        invalidate();
    }

    @Override
    public void nodeChangingLocked(Routing r, Node n) {
        if (scheduleMode) {
            leave(r, -1);
        } else if (index != null && indexed == r && index.holds(n)) {
            index.detach(n.index);
        } else {
            invalidate();
        }
    }

    @Override
    public void nodeChangedLocked(Routing r, Node n, long nanos) {
        if (index != null && indexed == r && index.holds(n)) {
            index.attach(n.index, nanos);
        }
        maybeEnter(r);
    }

    /** Writes the index's state back into the nodes and drops it. */
    private void invalidate() {
        if (index != null) {
            index.writeBack();
            index = null;
            indexed = null;
        }
    }

    private void leave(Routing r, long position) {
        if (scheduleMode) {
            scheduleMode = false;
            SwrrSchedule s = schedule(r);
            if (s != null) {
                s.materialize(r.primaries, position >= 0 ? position : counter.get());
            }
        }
    }

    @Override
    public void settledLocked(Routing r) {
        maybeEnter(r);
    }

    /**
     * Hands picks back to the schedule once Nginx's state is the schedule's start state: every usable primary at
     * full effective weight, no failures, no slow start, all current weights 0.
     */
    private void maybeEnter(Routing r) {
        SwrrSchedule s = schedule(r);
        if (scheduleMode || s == null) {
            return;
        }
        if (index != null && indexed == r) {
            if (!index.atZero(s.peers.length)) {
                return;
            }
            invalidate();
        } else {
            invalidate();
            for (int i : s.peers) {
                Node p = r.primaries[i];
                // with max_fails=0 Nginx still counts fails but never uses them: they do not break the steady state
                boolean failsMatter = p.fails != 0 && p.endpoint().maxFails() != 0;
                if (p.current != 0 || p.effective != (long) p.weight * Node.SCALE || failsMatter
                        || p.rampStart != Node.NO_RAMP) {
                    return;
                }
            }
        }
        counter.set(0);
        scheduleMode = true;
    }
}
