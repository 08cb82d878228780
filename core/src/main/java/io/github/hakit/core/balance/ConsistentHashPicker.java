package io.github.hakit.core.balance;

import io.github.hakit.core.internal.CallState;
import io.github.hakit.core.internal.Node;
import io.github.hakit.core.internal.Picker;
import io.github.hakit.core.internal.Pool;
import io.github.hakit.core.internal.Routing;

/**
 * Nginx's {@code hash $key consistent} ({@code ngx_http_upstream_get_chash_peer} of Nginx 1.22
 * {@code ngx_http_upstream_hash_module.c}): start at the first ring point at or after {@code crc32(key)}; while the
 * point's server is tried, down, failed or full, move to the next point; after 20 points (counted over the whole
 * call, retries included) or without a key, fall back to round robin.
 */
final class ConsistentHashPicker implements Picker {
    private final Pool pool;

    ConsistentHashPicker(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Node pick(Routing r, CallState call, long nanos) {
        if (call == null || call.key == null || r.single || !(r.data instanceof Ketama ring) || ring.isEmpty()) {
            return Picks.roundRobin(pool, call, nanos);
        }
        if (call.chashPoint < 0) {
            call.chashPoint = ring.firstPoint(call.keyCrc);
        }
        while (call.hashTries <= 20) {
            Node p = r.primaries[ring.owner((int) (call.chashPoint % ring.size()))];
            if (pool.usable(p, r.panic, call, nanos) && p.tryAcquire()) {
                if (p.fails != 0) {
                    synchronized (pool.lock()) {
                        pool.passive().selectedLocked(p, nanos);
                    }
                }
                return p;
            }
            call.chashPoint++;
            call.hashTries++;
        }
        return Picks.roundRobin(pool, call, nanos);
    }

    @Override
    public Object prepare(Routing r, Routing old, boolean membership) {
        return !membership && old != null && old.data instanceof Ketama ring ? ring : Ketama.build(r.primaries);
    }
}
