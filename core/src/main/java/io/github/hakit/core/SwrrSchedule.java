package io.github.hakit.core;

/**
 * The periodic pick sequence of Nginx's smooth weighted round robin for fixed weights, precomputed so that a
 * steady-state pick is one array read through an atomic counter.
 *
 * <p>Starting from all current weights at 0, Nginx's algorithm (add each peer's effective weight to its current
 * weight, take the largest, first one on ties, subtract the total from it) returns to all zeros after exactly
 * {@code total} picks, so the sequence repeats with period {@code total}. The state after {@code k} picks is
 * {@code current[i] = k * w[i] - total * count[i](k)}, which {@link #materialize} recomputes when the upstream
 * leaves the steady state and continues with the exact algorithm.
 */
final class SwrrSchedule {
    /** Larger schedules are not precomputed (picks then use the exact algorithm under the lock). */
    static final int MAX_LENGTH = 1 << 20;
    /** Bound on the work of computing a schedule (length times peers). */
    static final long MAX_WORK = 100_000_000L;

    final int[] order;
    final int[] peers;
    final int[] weights;

    private SwrrSchedule(int[] order, int[] peers, int[] weights) {
        this.order = order;
        this.peers = peers;
        this.weights = weights;
    }

    /**
     * Computes the schedule over {@code peers} (indices into the primary array) with their weights; null when it
     * would be too large.
     */
    static SwrrSchedule compute(int[] peers, int[] weights) {
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        if (total == 0 || total > MAX_LENGTH || total * peers.length > MAX_WORK) {
            return null;
        }
        int n = peers.length;
        int[] order = new int[(int) total];
        long[] current = new long[n];
        for (int k = 0; k < total; k++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                current[i] += weights[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            order[k] = peers[best];
        }
        return new SwrrSchedule(order, peers, weights);
    }

    int length() {
        return order.length;
    }

    /** The Nginx current weights after {@code position} picks from zero, written into the peers. */
    void materialize(Peer[] primaries, long position) {
        int k = (int) (position % order.length);
        int[] counts = new int[primaries.length];
        for (int j = 0; j < k; j++) {
            counts[order[j]]++;
        }
        long total = order.length;
        for (int i = 0; i < peers.length; i++) {
            Peer p = primaries[peers[i]];
            p.currentWeight = (int) ((long) k * weights[i] - total * counts[peers[i]]);
        }
    }
}
