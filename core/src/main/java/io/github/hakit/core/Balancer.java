package io.github.hakit.core;

/**
 * How an upstream chooses an endpoint for a call.
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
    /** HAProxy's {@code balance first}: the first endpoint (in declared order) with a free connection slot. */
    FIRST
}
