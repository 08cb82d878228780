package io.github.hakit.core.balance;

import io.github.hakit.core.internal.CallState;
import io.github.hakit.core.internal.Node;
import io.github.hakit.core.internal.Picker;
import io.github.hakit.core.internal.Pool;
import io.github.hakit.core.internal.Routing;

/** HAProxy's {@code balance first}: the first primary, in declared order, with a free connection slot. */
final class FirstPicker implements Picker {
    private final Pool pool;

    FirstPicker(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Node pick(Routing r, CallState call, long nanos) {
        for (Node p : r.primaries) {
            if (pool.usable(p, r.panic, call, nanos) && p.tryAcquire()) {
                return p;
            }
        }
        return Picks.backups(pool, call, nanos);
    }
}
