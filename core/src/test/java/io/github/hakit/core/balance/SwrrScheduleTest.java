package io.github.hakit.core.balance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SwrrScheduleTest {
    /** The plain Nginx loop over all peers, as the oracle. */
    private static int[] naive(int[] w) {
        int n = w.length;
        long total = 0;
        for (int x : w) {
            total += x;
        }
        int[] order = new int[(int) total];
        long[] current = new long[n];
        for (int k = 0; k < total; k++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                current[i] += w[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            order[k] = best;
        }
        return order;
    }

    @Test
    void theHeapBuildIsNginxsSequencePickForPick() {
        Random r = new Random(5);
        for (int run = 0; run < 300; run++) {
            int n = 1 + r.nextInt(40);
            int[] w = new int[n];
            int[] ids = new int[n];
            int total = 0;
            for (int i = 0; i < n; i++) {
                w[i] = 1 + r.nextInt(run % 3 == 0 ? 3 : 20);
                ids[i] = i;
                total += w[i];
            }
            assertArrayEquals(naive(w), SwrrSchedule.build(ids, w, total), "run " + run);
        }
    }

    @Test
    void weightsAreReducedByTheirGcd() {
        int n = 1001;
        int[] ids = new int[n];
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
            w[i] = 100;
        }
        SwrrSchedule s = SwrrSchedule.compute(ids, w);
        assertNotNull(s, "1,001 x 100 has a schedule (it fell off the work limit before)");
        assertEquals(1001, s.length());
        assertEquals(100, s.gcd);
    }
}
