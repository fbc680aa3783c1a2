package org.sparknn.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Scaling with the first non-finite value found, against a plain loop, at every position and length. */
class FiniteTest {
    private static final float[] BAD = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    @Test
    void scaleAndFindMatchesAPlainLoop() {
        Random r = new Random(3);
        for (int len : new int[] {0, 1, 7, 16, 33, 64, 100, 1000}) {
            for (int trial = 0; trial < 40; trial++) {
                float[] a = new float[len + 5];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) r.nextGaussian() * 100;
                }
                int badCount = trial % 4; // 0 to 3 non-finite values, anywhere, also past len
                for (int k = 0; k < badCount && len > 0; k++) {
                    a[r.nextInt(a.length)] = BAD[r.nextInt(BAD.length)];
                }
                float s = trial % 5 == 4 ? 3e37f : 0.25f; // 3e37 overflows values above 11 to infinity
                float[] expected = a.clone();
                int expectedFirst = -1;
                for (int i = 0; i < len; i++) {
                    expected[i] *= s;
                    if (expectedFirst < 0 && !Float.isFinite(expected[i])) {
                        expectedFirst = i;
                    }
                }
                float[] before = a.clone();
                assertEquals(expectedFirst, Finite.find(scaledCopy(before, len, s), len), "find, length " + len);
                assertEquals(expectedFirst, Finite.scaleAndFind(a, len, s), "length " + len + " trial " + trial);
                assertArrayEquals(expected, a, 0f, "values, length " + len);
            }
        }
    }

    private static float[] scaledCopy(float[] a, int len, float s) {
        float[] c = a.clone();
        for (int i = 0; i < len; i++) {
            c[i] *= s;
        }
        return c;
    }
}
