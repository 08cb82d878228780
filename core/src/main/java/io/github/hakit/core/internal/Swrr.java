package io.github.hakit.core.internal;

/**
 * Nginx's smooth weighted round robin, {@code ngx_http_upstream_get_peer} of Nginx 1.22, step for step: skip
 * tried, down, failed ({@code max_fails} within {@code fail_timeout}) and full ({@code max_conns}) peers; add each
 * usable peer's effective weight to its current weight; recover the effective weight by one; choose the largest
 * current weight (first on ties); subtract the total from it. Weights are scaled by {@link Node#SCALE}, which
 * leaves every sequence unchanged. Not API.
 */
public final class Swrr {
    private Swrr() {
    }

    /**
     * One peer's share of a pick: {@code current_weight += effective_weight}, then the effective weight recovers
     * by one (scaled). Returns what was added (for the total). Caller holds the lock.
     */
    public static long step(Node p, long nanos) {
        long ew = p.pickWeight(nanos);
        p.current += ew;
        long full = (long) p.weight * Node.SCALE;
        if (p.effective < full) {
            p.effective = Math.min(full, p.effective + Node.SCALE);
        }
        return ew;
    }

    /** Picks among {@code peers} and takes the slot; caller holds the lock. */
    public static Node pickLocked(Pool pool, Routing r, Node[] peers, boolean ignoreHealth, CallState call,
            long nanos) {
        if (peers.length == 1 && r.single && peers == r.primaries) {
            // Nginx's single-peer path: only down and max_conns are checked, failures are never counted
            Node p = peers[0];
            if (p.eligible(ignoreHealth || r.panic) && (call == null || !call.tried(p)) && !p.full()) {
                p.conns.incrementAndGet();
                return p;
            }
            return null;
        }
        Node best = null;
        long total = 0;
        for (Node p : peers) {
            if (!pool.usable(p, ignoreHealth, call, nanos)) {
                continue;
            }
            total += step(p, nanos);
            if (best == null || p.current > best.current) {
                best = p;
            }
        }
        if (best == null) {
            return null;
        }
        best.current -= total;
        pool.passive().selectedLocked(best, nanos);
        best.conns.incrementAndGet();
        return best;
    }
}
