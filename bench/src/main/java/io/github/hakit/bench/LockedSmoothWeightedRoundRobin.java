package io.github.hakit.bench;

/**
 * The baseline: Nginx's smooth weighted round robin ({@code ngx_http_upstream_get_peer} in
 * {@code src/http/ngx_http_upstream_round_robin.c}) ported the straightforward way, as one {@code synchronized}
 * loop over every peer per pick, plus Nginx's per-peer connection count taken on pick and returned on release.
 * O(n) per pick under one lock; no failure accounting (the benchmark has no failures).
 *
 * <pre>{@code
 * LockedSmoothWeightedRoundRobin rr = new LockedSmoothWeightedRoundRobin(new int[] {5, 1, 1});
 * int peer = rr.pick();   // 0 0 1 0 2 0 0 ...
 * rr.release(peer);
 * }</pre>
 */
public final class LockedSmoothWeightedRoundRobin {
    private final int[] weight;
    private final int[] effectiveWeight;
    private final int[] currentWeight;
    private final int[] conns;

    /** Peers with these weights (each > 0). */
    public LockedSmoothWeightedRoundRobin(int[] weights) {
        if (weights.length == 0) {
            throw new IllegalArgumentException("no peers");
        }
        for (int w : weights) {
            if (w <= 0) {
                throw new IllegalArgumentException("weight must be > 0: " + w);
            }
        }
        this.weight = weights.clone();
        this.effectiveWeight = weights.clone();
        this.currentWeight = new int[weights.length];
        this.conns = new int[weights.length];
    }

    /** The index of the chosen peer; its connection count goes up by one. */
    public synchronized int pick() {
        int best = -1;
        int total = 0;
        for (int i = 0; i < weight.length; i++) {
            currentWeight[i] += effectiveWeight[i];
            total += effectiveWeight[i];
            if (effectiveWeight[i] < weight[i]) {
                effectiveWeight[i]++;
            }
            if (best < 0 || currentWeight[i] > currentWeight[best]) {
                best = i;
            }
        }
        currentWeight[best] -= total;
        conns[best]++;
        return best;
    }

    /** Returns the connection slot taken by {@link #pick()}. */
    public synchronized void release(int peer) {
        conns[peer]--;
    }

    /** Connections currently held on {@code peer}. */
    public synchronized int conns(int peer) {
        return conns[peer];
    }
}
