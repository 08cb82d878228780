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
        return compute(peers, weights, Long.MAX_VALUE);
    }

    /** Like {@link #compute(int[], int[])}, but null when the build would cost more than {@code maxWork}. */
    static SwrrSchedule compute(int[] peers, int[] weights, long maxWork) {
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
        if (total == 0 || total > MAX_LENGTH || work(reduced, total) > maxWork) {
            return null;
        }
        return new SwrrSchedule(build(peers, reduced, (int) total), peers, reduced, g);
    }

    /** The cost of {@link #build}: picks times (weight classes + log2 n). */
    static long work(int[] weights, long total) {
        long classes = java.util.Arrays.stream(weights).distinct().count();
        return total * (classes + 64 - Long.numberOfLeadingZeros(Math.max(1, weights.length)));
    }

    /**
     * Nginx's sequence from all-zero current weights in O(total * (distinct weights + log n)) instead of
     * O(total * n): peers of equal weight keep their relative order of current weights between picks, so each
     * weight class is a heap on {@code b = current - k * w} (largest first, lowest index on ties), and a pick
     * compares only the heads of the classes. Same result as the plain loop, pick for pick.
     */
    static int[] build(int[] peers, int[] weights, int total) {
        int n = peers.length;
        java.util.Map<Integer, java.util.List<Integer>> byWeight = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            byWeight.computeIfAbsent(weights[i], w -> new java.util.ArrayList<>()).add(i);
        }
        long[] b = new long[n];
        int classes = byWeight.size();
        int[] classWeight = new int[classes];
        @SuppressWarnings("unchecked")
        java.util.PriorityQueue<Integer>[] heaps = new java.util.PriorityQueue[classes];
        int c = 0;
        for (java.util.Map.Entry<Integer, java.util.List<Integer>> e : byWeight.entrySet()) {
            classWeight[c] = e.getKey();
            heaps[c] = new java.util.PriorityQueue<>(e.getValue().size(),
                    (x, y) -> b[x] != b[y] ? Long.compare(b[y], b[x]) : Integer.compare(x, y));
            heaps[c].addAll(e.getValue());
            c++;
        }
        int[] order = new int[total];
        for (int k = 0; k < total; k++) {
            int best = -1;
            long bestValue = 0;
            int bestClass = -1;
            for (int cl = 0; cl < classes; cl++) {
                int head = heaps[cl].peek();
                long value = b[head] + (long) (k + 1) * classWeight[cl];
                if (best < 0 || value > bestValue || (value == bestValue && head < best)) {
                    best = head;
                    bestValue = value;
                    bestClass = cl;
                }
            }
            heaps[bestClass].poll();
            b[best] -= total;
            heaps[bestClass].add(best);
            order[k] = peers[best];
        }
        return order;
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
