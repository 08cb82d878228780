package io.github.hakit.core.balance;

import io.github.hakit.core.internal.Picker;
import io.github.hakit.core.internal.Pool;

/**
 * How an upstream chooses an endpoint for a call. Each constant is also the factory of its picker (one class per
 * algorithm, owning its state).
 *
 * <pre>{@code
 * Upstream u = Upstream.builder("cache").endpoints("10.0.0.1:11211,10.0.0.2:11211")
 *     .balancer(Balancer.HASH).build();
 * u.execute(CallOptions.idempotent().withHashKey(key), attempt -> get(attempt.endpoint(), key));
 * }</pre>
 */
public enum Balancer {
    /**
     * Smooth weighted round robin, computed exactly as Nginx's {@code ngx_http_upstream_get_peer} (weights 5/1/1
     * pick {@code a a b a c a a}); HAProxy's {@code balance roundrobin}.
     */
    ROUND_ROBIN,
    /**
     * Fewest active calls relative to weight, ties broken by smooth weighted round robin, as Nginx's
     * {@code least_conn}; HAProxy's {@code balance leastconn}.
     */
    LEAST_CONN,
    /**
     * Power of two random choices over a peak-EWMA latency estimate times active calls (Finagle's and Linkerd's
     * balancer); failures count as a latency penalty so a fast-failing endpoint does not look fast.
     */
    P2C_PEAK_EWMA,
    /**
     * Consistent hashing (ketama: 160 points per weight unit, as Nginx's {@code hash $key consistent}) on a
     * caller-given key; HAProxy's {@code balance source} maps here with the client address as the key.
     */
    CONSISTENT_HASH,
    /**
     * Nginx's {@code hash $key} without {@code consistent}: crc32 of the key modulo the total weight, up to 20
     * rehashes when the server is unusable, then round robin. The same key lands on the same server as in Nginx
     * for the same server list; adding or removing a server moves most keys.
     */
    HASH,
    /** HAProxy's {@code balance first}: the first endpoint (in declared order) with a free connection slot. */
    FIRST;

    /** Whether calls need a key ({@link io.github.hakit.core.CallOptions#withHashKey}) to use this balancer. */
    public boolean hashed() {
        return this == CONSISTENT_HASH || this == HASH;
    }

    /** The picker implementing this algorithm over {@code pool}. Internal: used by {@code Upstream}. */
    public Picker newPicker(Pool pool) {
        return switch (this) {
            case ROUND_ROBIN -> new RoundRobinPicker(pool);
            case LEAST_CONN -> new LeastConnPicker(pool);
            case P2C_PEAK_EWMA -> new P2cPicker(pool);
            case CONSISTENT_HASH -> new ConsistentHashPicker(pool);
            case HASH -> new ModuloHashPicker(pool);
            case FIRST -> new FirstPicker(pool);
        };
    }
}
