package io.github.hakit.core.balance;

import io.github.hakit.core.internal.CallState;
import io.github.hakit.core.internal.Node;
import io.github.hakit.core.internal.Pool;
import io.github.hakit.core.internal.Routing;
import io.github.hakit.core.internal.Swrr;

/** Shared steps of the pickers. */
final class Picks {
    private Picks() {
    }

    /** Backups by smooth weighted round robin under the lock (Nginx's order after the primaries). */
    static Node backups(Pool pool, CallState call, long nanos) {
        Routing r = pool.routing();
        if (r.backups.length == 0) {
            return null;
        }
        synchronized (pool.lock()) {
            r = pool.routing();
            return Swrr.pickLocked(pool, r, r.backups, false, call, nanos);
        }
    }

    /** Round robin over the primaries, then backups, under the lock (the hash balancers' fallback). */
    static Node roundRobin(Pool pool, CallState call, long nanos) {
        synchronized (pool.lock()) {
            Routing r = pool.routing();
            Node n = Swrr.pickLocked(pool, r, r.primaries, r.panic, call, nanos);
            if (n == null && r.backups.length > 0) {
                n = Swrr.pickLocked(pool, r, r.backups, false, call, nanos);
            }
            return n;
        }
    }
}
