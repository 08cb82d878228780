package io.github.hakit.core;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain transcription of Nginx 1.22's round-robin peer selection (src/http/ngx_http_upstream_round_robin.c:
 * ngx_http_upstream_get_round_robin_peer, ngx_http_upstream_get_peer, ngx_http_upstream_free_round_robin_peer),
 * with no precomputed schedule and no concurrency: the oracle the Upstream's sequences are compared with.
 */
final class NginxReference {
    static final class P {
        final String name;
        final int weight;
        final int maxFails;
        final long failTimeout;
        final boolean down;
        final boolean backup;
        final int maxConns;
        int current;
        int effective;
        int fails;
        long accessed;
        long checked;
        int conns;

        P(Endpoint e) {
            name = e.name();
            weight = e.weight();
            maxFails = e.maxFails();
            failTimeout = e.failTimeout().toNanos();
            down = e.down();
            backup = e.backup();
            maxConns = e.maxConns();
            effective = weight;
        }
    }

    final List<P> primaries = new ArrayList<>();
    final List<P> backups = new ArrayList<>();
    final boolean single;

    NginxReference(List<Endpoint> endpoints) {
        for (Endpoint e : endpoints) {
            (e.backup() ? backups : primaries).add(new P(e));
        }
        single = primaries.size() == 1 && backups.isEmpty();
    }

    /** ngx_http_upstream_get_round_robin_peer without the tried bitmap (one attempt per request). */
    P get(long now) {
        return get(now, java.util.Set.of());
    }

    /** ngx_http_upstream_get_round_robin_peer with the request's tried peers (retries of one request). */
    P get(long now, java.util.Set<P> tried) {
        if (single) {
            P p = primaries.get(0);
            if (p.down || tried.contains(p) || (p.maxConns != 0 && p.conns >= p.maxConns)) {
                return null;
            }
            p.conns++;
            return p;
        }
        P p = getPeer(primaries, now, tried);
        if (p == null && !backups.isEmpty()) {
            p = getPeer(backups, now, tried);
        }
        if (p == null) {
            // Nginx 1.22: NGX_BUSY, "no live upstreams"; fails are not reset (older versions reset them)
            return null;
        }
        p.conns++;
        return p;
    }

    private static P getPeer(List<P> peers, long now, java.util.Set<P> tried) {
        P best = null;
        int total = 0;
        for (P peer : peers) {
            if (peer.down || tried.contains(peer)) {
                continue;
            }
            if (peer.maxFails != 0 && peer.fails >= peer.maxFails && now - peer.checked <= peer.failTimeout) {
                continue;
            }
            if (peer.maxConns != 0 && peer.conns >= peer.maxConns) {
                continue;
            }
            peer.current += peer.effective;
            total += peer.effective;
            if (peer.effective < peer.weight) {
                peer.effective++;
            }
            if (best == null || peer.current > best.current) {
                best = peer;
            }
        }
        if (best == null) {
            return null;
        }
        best.current -= total;
        if (now - best.checked > best.failTimeout) {
            best.checked = now;
        }
        return best;
    }

    /** ngx_http_upstream_free_round_robin_peer. */
    void free(P peer, boolean failed, long now) {
        peer.conns--;
        if (single) {
            return;
        }
        if (failed) {
            peer.fails++;
            peer.accessed = now;
            peer.checked = now;
            if (peer.maxFails != 0) {
                peer.effective -= peer.weight / peer.maxFails;
            }
            if (peer.effective < 0) {
                peer.effective = 0;
            }
        } else if (peer.accessed < peer.checked) {
            peer.fails = 0;
        }
    }
}
