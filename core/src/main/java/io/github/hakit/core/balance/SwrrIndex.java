package io.github.hakit.core.balance;

import io.github.hakit.core.internal.CallState;
import io.github.hakit.core.internal.Node;
import io.github.hakit.core.internal.PassiveHealth;

/**
 * Nginx's smooth weighted round robin over the primaries, exact to the pick, in O(classes + specials + log n) per
 * pick instead of O(n). Guarded by the upstream's lock.
 *
 * <p>A usable peer at full effective weight without slow start or {@code max_conns} ("regular") gains its weight on
 * every pick, so its current weight is {@code b + k * w} after {@code k} picks, and among peers of one weight the
 * order of current weights only changes when one is chosen. Each weight class is therefore a binary heap on
 * {@code b} (largest first, lowest index on ties); a pick compares the heads of the classes plus the few "special"
 * peers (recovering effective weight, slow start, {@code max_conns}) that are stepped one by one, exactly as
 * {@code ngx_http_upstream_get_peer}, and the chosen one gives back the total. Peers out after failures are frozen
 * (their current weight does not move, as Nginx skips them) and come back when their {@code fail_timeout} is over;
 * endpoints a call already tried are frozen for that pick. Ties go to the lowest index, as Nginx's "first largest".
 */
final class SwrrIndex {
    private final Node[] peers;
    private final PassiveHealth passive;
    /** Picks since the index was built: a regular peer's current weight is {@code b + steps * w}. */
    private long steps;
    private final long[] b;
    private final int[] classOf;
    private final int[] heapPos;
    private final long[] classWeight;
    private final int[][] heaps;
    private final int[] heapSize;
    private final boolean[] special;
    private final boolean[] out;
    private int[] specials = new int[4];
    private int specialCount;
    private int[] outs = new int[4];
    private int outCount;
    private int regularCount;
    private int failsMatter;

    SwrrIndex(Node[] peers, PassiveHealth passive, long nanos) {
        this.peers = peers;
        this.passive = passive;
        int n = peers.length;
        this.b = new long[n];
        this.classOf = new int[n];
        this.heapPos = new int[n];
        this.special = new boolean[n];
        this.out = new boolean[n];
        java.util.TreeMap<Long, Integer> classes = new java.util.TreeMap<>();
        for (Node p : peers) {
            classes.putIfAbsent((long) p.weight * Node.SCALE, classes.size());
        }
        int c = 0;
        this.classWeight = new long[classes.size()];
        java.util.Map<Long, Integer> index = new java.util.HashMap<>();
        for (Long w : classes.keySet()) {
            classWeight[c] = w;
            index.put(w, c++);
        }
        int[] counts = new int[classWeight.length];
        for (Node p : peers) {
            counts[index.get((long) p.weight * Node.SCALE)]++;
        }
        this.heaps = new int[classWeight.length][];
        for (int i = 0; i < heaps.length; i++) {
            heaps[i] = new int[counts[i]];
        }
        this.heapSize = new int[classWeight.length];
        for (int i = 0; i < n; i++) {
            classOf[i] = index.get((long) peers[i].weight * Node.SCALE);
            heapPos[i] = -1;
            attach(i, nanos);
        }
    }

    /** Whether {@code p} sits in this index at position {@code i}. */
    boolean holds(Node p) {
        int i = p.index;
        return i >= 0 && i < peers.length && peers[i] == p;
    }

    // ------------------------------------------------------------------------------------------------ membership

    /** Classifies peer {@code i} by its current state and files it (its current weight is in the node). */
    void attach(int i, long nanos) {
        Node p = peers[i];
        if (p.fails != 0 && p.endpoint().maxFails() != 0) {
            failsMatter++;
        }
        if (!p.eligible(false)) {
            return; // not routable: frozen until the view is republished
        }
        if (p.passivelyFailed(passive.time(nanos))) {
            out[i] = true;
            outs = add(outs, outCount++, i);
            return;
        }
        if (p.effective == (long) p.weight * Node.SCALE && p.rampStart == Node.NO_RAMP
                && p.endpoint().maxConns() == 0) {
            b[i] = p.current - steps * classWeight[classOf[i]];
            push(i);
            regularCount++;
        } else {
            special[i] = true;
            specials = add(specials, specialCount++, i);
        }
    }

    /** Takes peer {@code i} out of the index, writing its current weight back into the node. */
    void detach(int i) {
        Node p = peers[i];
        if (p.fails != 0 && p.endpoint().maxFails() != 0) {
            failsMatter--;
        }
        if (heapPos[i] >= 0) {
            p.current = b[i] + steps * classWeight[classOf[i]];
            remove(i);
            regularCount--;
        } else if (special[i]) {
            special[i] = false;
            specialCount = drop(specials, specialCount, i);
        } else if (out[i]) {
            out[i] = false;
            outCount = drop(outs, outCount, i);
        }
    }

    /** Writes every regular peer's current weight back into its node. */
    void writeBack() {
        for (int i = 0; i < peers.length; i++) {
            if (heapPos[i] >= 0) {
                peers[i].current = b[i] + steps * classWeight[classOf[i]];
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ pick

    /**
     * One step of {@code ngx_http_upstream_get_peer} over the primaries: the chosen peer (slot taken, {@code checked}
     * stamped), or {@code null} when none is usable for this call.
     */
    Node pick(CallState call, long nanos) {
        if (outCount > 0) {
            readmit(nanos);
        }
        int frozen = 0;
        int[] held = null;
        if (call != null && call.triedCount() > 0) {
            held = new int[call.triedCount()];
            for (int k = 0; k < call.triedCount(); k++) {
                Node t = call.triedAt(k);
                int i = t.index;
                if (holds(t) && (heapPos[i] >= 0 || special[i])) {
                    detach(i);
                    held[frozen++] = i;
                }
            }
        }
        long total = 0;
        for (int c = 0; c < heapSize.length; c++) {
            total += classWeight[c] * heapSize[c];
        }
        int best = -1;
        long bestValue = 0;
        for (int c = 0; c < heapSize.length; c++) {
            if (heapSize[c] == 0) {
                continue;
            }
            int head = heaps[c][0];
            long value = b[head] + (steps + 1) * classWeight[c];
            if (best < 0 || value > bestValue || (value == bestValue && head < best)) {
                best = head;
                bestValue = value;
            }
        }
        // specials in index order: Nginx adds their effective weight and recovers it, whether chosen or not
        int promote = 0;
        for (int s = 0; s < specialCount; s++) {
            int i = specials[s];
            Node p = peers[i];
            if (p.full()) {
                continue;
            }
            total += io.github.hakit.core.internal.Swrr.step(p, nanos);
            if (best < 0 || p.current > bestValue || (p.current == bestValue && i < best)) {
                best = i;
                bestValue = p.current;
            }
            if (p.effective == (long) p.weight * Node.SCALE && p.rampStart == Node.NO_RAMP
                    && p.endpoint().maxConns() == 0) {
                promote++;
            }
        }
        Node chosen = null;
        if (best >= 0) {
            chosen = peers[best];
            if (heapPos[best] >= 0) {
                remove(best);
                b[best] -= total;
                steps++;
                push(best);
            } else {
                chosen.current -= total;
                steps++;
            }
        }
        if (held != null) {
            for (int k = 0; k < frozen; k++) {
                attach(held[k], nanos); // frozen for this pick: current unchanged while steps moved on
            }
        }
        if (promote > 0) {
            for (int s = specialCount - 1; s >= 0; s--) {
                int i = specials[s];
                Node p = peers[i];
                if (p.effective == (long) p.weight * Node.SCALE && p.rampStart == Node.NO_RAMP
                        && p.endpoint().maxConns() == 0) {
                    detach(i);
                    attach(i, nanos);
                }
            }
        }
        if (chosen != null) {
            passive_selected(best, nanos);
            chosen.conns.incrementAndGet();
        }
        return chosen;
    }

    /** {@code checked = now} when the window passed: a peer still at max_fails is out again while it probes. */
    private void passive_selected(int i, long nanos) {
        Node p = peers[i];
        if (p.fails == 0) {
            return;
        }
        detach(i);
        passive.selectedLocked(p, nanos);
        attach(i, nanos);
    }

    private void readmit(long nanos) {
        long now = passive.time(nanos);
        for (int k = outCount - 1; k >= 0; k--) {
            int i = outs[k];
            if (!peers[i].passivelyFailed(now)) {
                detach(i);
                attach(i, nanos);
            }
        }
    }

    /**
     * Whether Nginx's state is the schedule's start: every eligible primary regular, no failures that matter, all
     * current weights 0 (their sum is always 0, so a largest of 0 means all are 0).
     */
    boolean atZero(int schedulePeers) {
        if (specialCount != 0 || outCount != 0 || failsMatter != 0 || regularCount != schedulePeers) {
            return false;
        }
        for (int c = 0; c < heapSize.length; c++) {
            if (heapSize[c] > 0 && b[heaps[c][0]] + steps * classWeight[c] != 0) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------ heaps

    private boolean before(int x, int y) {
        return b[x] != b[y] ? b[x] > b[y] : x < y;
    }

    private void push(int i) {
        int c = classOf[i];
        int[] h = heaps[c];
        int pos = heapSize[c]++;
        h[pos] = i;
        heapPos[i] = pos;
        up(c, pos);
    }

    private void remove(int i) {
        int c = classOf[i];
        int[] h = heaps[c];
        int pos = heapPos[i];
        int last = --heapSize[c];
        heapPos[i] = -1;
        if (pos == last) {
            return;
        }
        h[pos] = h[last];
        heapPos[h[pos]] = pos;
        if (!down(c, pos)) {
            up(c, pos);
        }
    }

    private void up(int c, int pos) {
        int[] h = heaps[c];
        int x = h[pos];
        while (pos > 0) {
            int parent = (pos - 1) >>> 1;
            if (!before(x, h[parent])) {
                break;
            }
            h[pos] = h[parent];
            heapPos[h[pos]] = pos;
            pos = parent;
        }
        h[pos] = x;
        heapPos[x] = pos;
    }

    private boolean down(int c, int pos) {
        int[] h = heaps[c];
        int size = heapSize[c];
        int x = h[pos];
        int start = pos;
        while (true) {
            int child = 2 * pos + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(h[child + 1], h[child])) {
                child++;
            }
            if (!before(h[child], x)) {
                break;
            }
            h[pos] = h[child];
            heapPos[h[pos]] = pos;
            pos = child;
        }
        h[pos] = x;
        heapPos[x] = pos;
        return pos != start;
    }

    private static int[] add(int[] arr, int at, int v) {
        if (at == arr.length) {
            arr = java.util.Arrays.copyOf(arr, arr.length * 2);
        }
        arr[at] = v;
        return arr;
    }

    /** Removes {@code v} keeping index order (specials are stepped in Nginx's order). */
    private static int drop(int[] arr, int size, int v) {
        for (int k = 0; k < size; k++) {
            if (arr[k] == v) {
                System.arraycopy(arr, k + 1, arr, k, size - k - 1);
                return size - 1;
            }
        }
        return size;
    }
}
