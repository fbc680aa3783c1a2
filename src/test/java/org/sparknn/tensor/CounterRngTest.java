package org.sparknn.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CounterRngTest {
    @Test
    void permuteIndexIsABijectionThatMixes() {
        for (long n : new long[] {1, 2, 3, 17, 1000, 7996}) {
            boolean[] seen = new boolean[(int) n];
            long fixedPoints = 0;
            for (long i = 0; i < n; i++) {
                long p = CounterRng.permuteIndex(i, n, 99);
                assertTrue(p >= 0 && p < n);
                assertTrue(!seen[(int) p], "position " + p + " taken twice for n=" + n);
                seen[(int) p] = true;
                if (p == i) {
                    fixedPoints++;
                }
            }
            if (n >= 1000) {
                assertTrue(fixedPoints < 10, "looks like the identity: " + fixedPoints + " fixed points");
            }
        }
        assertEquals(CounterRng.permuteIndex(5, 100, 1), CounterRng.permuteIndex(5, 100, 1));
    }

    @Test
    void uniformsAndPermutationsAreDeterministic() {
        assertEquals(CounterRng.uniform(CounterRng.key(1, 2, 3), 4), CounterRng.uniform(CounterRng.key(1, 2, 3), 4));
        assertTrue(CounterRng.uniform(CounterRng.key(1, 2, 3), 4) != CounterRng.uniform(CounterRng.key(1, 2, 4), 4));
        int[] p = CounterRng.permutation(50, 7);
        boolean[] seen = new boolean[50];
        for (int v : p) {
            assertTrue(!seen[v]);
            seen[v] = true;
        }
        double mean = 0;
        for (int i = 0; i < 100000; i++) {
            mean += CounterRng.gaussian(3, i);
        }
        assertEquals(0, mean / 100000, 0.02);
    }
}
