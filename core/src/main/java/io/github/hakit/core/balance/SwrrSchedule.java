package io.github.hakit.core.balance;

import io.github.hakit.core.internal.Node;

/**
 * The periodic pick sequence of Nginx's smooth weighted round robin for fixed weights, precomputed so that a
 * steady-state pick is one array read through an atomic counter.
 *
 * <p>Starting from all current weights at 0, Nginx's algorithm (add each peer's effective weight to its current
 * weight, take the largest, first one on ties, subtract the total from it) returns to all zeros after exactly
 * {@code total} picks, so the sequence repeats with period {@code total}. The sequence does not change when every
 * weight is multiplied by the same factor, so weights are first divided by their greatest common divisor (1,000
 * endpoints of weight 100 give a period of 1,000, not 100,000). The state after {@code k} picks is
 * {@code current[i] = gcd * (k * w[i] - total * count[i](k))}, which {@link #materialize} recomputes when the
 * upstream leaves the steady state and continues with the exact algorithm.
 */
final class SwrrSchedule {
    /** Larger schedules are not precomputed (picks then use the exact algorithm under the lock). */
    static final int MAX_LENGTH = 1 << 20;
    /** Bound on the work of computing a schedule (length times peers). */
    static final long MAX_WORK = 100_000_000L;

    final int[] order;
    final int[] peers;
    final int[] weights;
    final int gcd;

    private SwrrSchedule(int[] order, int[] peers, int[] weights, int gcd) {
        this.order = order;
        this.peers = peers;
        this.weights = weights;
        this.gcd = gcd;
    }

    static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /**
     * Computes the schedule over {@code peers} (indices into the primary array) with their weights; null when it
     * would be too large.
     */
    static SwrrSchedule compute(int[] peers, int[] weights) {
        int g = 0;
        for (int w : weights) {
            g = gcd(g, w);
        }
        if (g == 0) {
            return null;
        }
        int n = peers.length;
        int[] reduced = new int[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            reduced[i] = weights[i] / g;
            total += reduced[i];
        }
        if (total == 0 || total > MAX_LENGTH || total * n > MAX_WORK) {
            return null;
        }
        int[] order = new int[(int) total];
        long[] current = new long[n];
        for (int k = 0; k < total; k++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                current[i] += reduced[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            order[k] = peers[best];
        }
        return new SwrrSchedule(order, peers, reduced, g);
    }

    int length() {
        return order.length;
    }

    /** The Nginx current weights after {@code position} picks from zero, written into the peers. */
    void materialize(Node[] primaries, long position) {
        int k = (int) (position % order.length);
        int[] counts = new int[primaries.length];
        for (int j = 0; j < k; j++) {
            counts[order[j]]++;
        }
        long total = order.length;
        for (int i = 0; i < peers.length; i++) {
            Node p = primaries[peers[i]];
            p.current = ((long) k * weights[i] - total * counts[peers[i]]) * gcd * Node.SCALE;
        }
    }
}
