package org.sparknn.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Masks filled eight draws at a time are the one-draw-at-a-time masks, bit for bit, at every size and rate. */
class BernoulliMaskTest {
    /** The definition: unit j drops when the uniform of word j % 2 of draw j / 2 is below the rate. */
    private static float[] reference(int size, long key, float rate, float scale) {
        float[] m = new float[size];
        for (int j = 0; j < size; j++) {
            long bits = CounterRng.bits(key, j / 2);
            int word = j % 2 == 0 ? (int) bits : (int) (bits >>> 32);
            m[j] = CounterRng.unitFloat(word) < rate ? 0f : scale;
        }
        return m;
    }

    @Test
    void matchesTheDefinition() {
        Random r = new Random(5);
        float[] rates = {0f, 0.2f, 0.5f, 0.9f, 1e-7f, 0x1.0p-24f, 3 * 0x1.0p-24f, 0.99999994f, (float) r.nextDouble()};
        for (int size = 0; size <= 70; size++) {
            for (float rate : rates) {
                long key = r.nextLong();
                float scale = 1f / (1f - Math.min(rate, 0.5f));
                float[] mask = new float[size + 7];
                BernoulliMask.fill(mask, 3, size, key, rate, scale);
                float[] expected = reference(size, key, rate, scale);
                float[] got = java.util.Arrays.copyOfRange(mask, 3, 3 + size);
                assertArrayEquals(expected, got, 0f, "size " + size + " rate " + rate);
                assertEquals(0f, mask[0]);
                assertEquals(0f, mask[size + 3], "wrote past the units");
            }
        }
        float[] big = new float[1000];
        BernoulliMask.fill(big, 0, 1000, 99L, 0.3f, 2f);
        assertArrayEquals(reference(1000, 99L, 0.3f, 2f), big, 0f);
    }

    /** The threshold: a 24-bit draw u drops exactly when u * 2^-24 < rate. */
    @Test
    void thresholdIsExact() {
        for (float rate : new float[] {0f, 0x1.0p-24f, 0x1.8p-24f, 0.5f, 0.5f + 0x1.0p-24f, 0.3f}) {
            long thr = BernoulliMask.dropBelow(rate);
            assertTrue(thr == 0 || (thr - 1) * 0x1.0p-24f < rate, "rate " + rate);
            assertTrue(!(thr * 0x1.0p-24f < rate), "rate " + rate);
        }
    }
}
