package io.github.hakit.core.balance;

import io.github.hakit.core.internal.CallState;
import io.github.hakit.core.internal.Node;
import io.github.hakit.core.internal.Picker;
import io.github.hakit.core.internal.Pool;
import io.github.hakit.core.internal.Routing;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Power of two random choices over a peak-EWMA latency estimate times active calls (Finagle's and Linkerd's
 * balancer). Failures are charged as a latency penalty so that a fast-failing endpoint does not look fast.
 * Lock-free and allocation-free; backups by round robin under the lock when no primary is usable.
 */
final class P2cPicker implements Picker {
    private static final long DECAY_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Latency charged for a failed call. */
    static final long FAILURE_PENALTY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Pool pool;

    P2cPicker(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Node pick(Routing r, CallState call, long nanos) {
        Node[] peers = r.primaries;
        int n = peers.length;
        if (n > 0) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            Node a = null;
            Node b = null;
            for (int i = 0; i < 4 && b == null; i++) {
                Node c = peers[random.nextInt(n)];
                if (c != a && pool.usable(c, r.panic, call, nanos)) {
                    if (a == null) {
                        a = c;
                    } else {
                        b = c;
                    }
                }
            }
            if (a == null) {
                for (Node c : peers) {
                    if (pool.usable(c, r.panic, call, nanos)) {
                        a = c;
                        break;
                    }
                }
            }
            if (a != null) {
                Node chosen = b == null || cost(a, nanos) <= cost(b, nanos) ? a : b;
                if (chosen.tryAcquire()) {
                    return chosen;
                }
            }
        }
        return Picks.backups(pool, call, nanos);
    }

    private static double cost(Node p, long now) {
        double ewma = decayed(p, now);
        long w = Math.max(1, p.rampedWeight(now));
        return (ewma + 1) * (p.conns.get() + 1) / w;
    }

    /** Peak EWMA as in Finagle/Linkerd: decays toward 0 with a 10 s time constant between observations. */
    private static double decayed(Node p, long now) {
        double ewma = p.ewmaNanos;
        if (ewma == 0) {
            return 0; // no observation yet: skip the exponential
        }
        long td = Math.max(0, now - p.ewmaStamp);
        return ewma * Math.exp(-td / (double) DECAY_NANOS);
    }

    @Override
    public void observe(Node p, long rttNanos, boolean failed, long now) {
        long rtt = failed ? Math.max(rttNanos, FAILURE_PENALTY_NANOS) : rttNanos;
        synchronized (p.ewmaLock) {
            double current = decayed(p, now);
            if (rtt > current) {
                p.ewmaNanos = rtt; // peak: jump up at once
            } else {
                double w = Math.exp(-Math.max(0, now - p.ewmaStamp) / (double) DECAY_NANOS);
                p.ewmaNanos = current * w + rtt * (1 - w);
            }
            p.ewmaStamp = now;
        }
    }
}
