package io.github.hakit.core.balance;

import io.github.hakit.core.internal.CallState;
import io.github.hakit.core.internal.Node;
import io.github.hakit.core.internal.Picker;
import io.github.hakit.core.internal.Pool;
import io.github.hakit.core.internal.Routing;
import io.github.hakit.core.internal.Swrr;

/**
 * Nginx's {@code least_conn} ({@code ngx_http_upstream_get_least_conn_peer} of
 * {@code ngx_http_upstream_least_conn_module.c}): the lowest {@code conns / weight}; among ties, smooth weighted
 * round robin; backups the same way when no primary is usable. A unique minimum is taken without the lock.
 */
final class LeastConnPicker implements Picker {
    private final Pool pool;

    LeastConnPicker(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Node pick(Routing r, CallState call, long nanos) {
        // lock-free when one primary has strictly the fewest calls per weight: Nginx then changes no current
        // weight, so the result is its result; ties need its round-robin tie-break under the lock
        int found = scan(r.primaries, r.panic, call, nanos);
        if (found >= 0) {
            Node best = r.primaries[found];
            if (best.fails == 0 && best.tryAcquire()) {
                return best;
            }
        }
        synchronized (pool.lock()) {
            Routing cur = pool.routing();
            Node n = pickLocked(cur.primaries, cur.panic, call, nanos);
            if (n == null && cur.backups.length > 0) {
                n = pickLocked(cur.backups, false, call, nanos);
            }
            return n;
        }
    }

    /**
     * The first usable peer with the fewest calls per weight: its index, {@code ~index} when another peer ties
     * with it, {@link Integer#MIN_VALUE} when none is usable. Allocation-free.
     */
    private int scan(Node[] peers, boolean ignoreHealth, CallState call, long nanos) {
        Node best = null;
        int bestIndex = -1;
        boolean many = false;
        for (int i = 0; i < peers.length; i++) {
            Node p = peers[i];
            if (!pool.usable(p, ignoreHealth, call, nanos)) {
                continue;
            }
            if (best == null) {
                best = p;
                bestIndex = i;
                continue;
            }
            long lhs = (long) p.conns.get() * best.weight;
            long rhs = (long) best.conns.get() * p.weight;
            if (lhs < rhs) {
                best = p;
                bestIndex = i;
                many = false;
            } else if (lhs == rhs) {
                many = true;
            }
        }
        return best == null ? Integer.MIN_VALUE : many ? ~bestIndex : bestIndex;
    }

    private Node pickLocked(Node[] peers, boolean ignoreHealth, CallState call, long nanos) {
        int found = scan(peers, ignoreHealth, call, nanos);
        if (found == Integer.MIN_VALUE) {
            return null;
        }
        boolean many = found < 0;
        int bestIndex = many ? ~found : found;
        Node best = peers[bestIndex];
        if (many) {
            Node first = best;
            long total = 0;
            for (int i = bestIndex; i < peers.length; i++) {
                Node p = peers[i];
                if (!pool.usable(p, ignoreHealth, call, nanos)) {
                    continue;
                }
                if ((long) p.conns.get() * first.weight != (long) first.conns.get() * p.weight) {
                    continue;
                }
                total += Swrr.step(p, nanos);
                if (p.current > best.current) {
                    best = p;
                }
            }
            best.current -= total;
        }
        pool.passive().selectedLocked(best, nanos);
        best.conns.incrementAndGet();
        return best;
    }
}
