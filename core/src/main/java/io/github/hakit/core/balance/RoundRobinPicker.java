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
        if (scheduleMode && (call == null || call.triedCount() == 0) && r.data instanceof SwrrSchedule s) {
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
        return SwrrSchedule.compute(Arrays.copyOf(ids, n), Arrays.copyOf(weights, n));
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
            if (r.data instanceof SwrrSchedule s) {
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
        if (scheduleMode || !(r.data instanceof SwrrSchedule s)) {
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
