package org.sparknn.tensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlasTest {
    private static final int[][] SHAPES = {
            {1, 1, 1}, {3, 5, 2}, {4, 48, 9}, {7, 13, 5}, {13, 37, 71}, {9, 100, 300}, {32, 200, 144}, {5, 10, 784}, {2, 3, 0}};

    @Test
    void productsMatchADoublePrecisionReferenceForEveryTransposeAlphaAndBeta() {
        Random rnd = new Random(7);
        for (int[] shape : SHAPES) {
            int m = shape[0];
            int n = shape[1];
            int k = shape[2];
            for (int t = 0; t < 4; t++) {
                boolean transA = (t & 1) != 0;
                boolean transB = (t & 2) != 0;
                for (float[] ab : new float[][] {{1f, 0f}, {1f, 1f}, {0.5f, -2f}}) {
                    float alpha = ab[0];
                    float beta = ab[1];
                    // offsets into larger arrays, as the layers use them
                    float[] a = gaussian(rnd, 3 + m * k);
                    float[] b = gaussian(rnd, 5 + k * n);
                    float[] c = gaussian(rnd, 2 + m * n);
                    if (beta == 0f) {
                        Arrays.fill(c, 2, c.length, Float.NaN); // beta 0 must not read C
                    }
                    float[] before = c.clone();
                    Blas.gemm(transA, transB, m, n, k, alpha, a, 3, b, 5, beta, c, 2);
                    assertEquals(before[0], c[0]);
                    assertEquals(before[1], c[1]);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double sum = 0;
                            double scale = 0;
                            for (int p = 0; p < k; p++) {
                                double av = transA ? a[3 + p * m + i] : a[3 + i * k + p];
                                double bv = transB ? b[5 + j * k + p] : b[5 + p * n + j];
                                sum += av * bv;
                                scale += Math.abs(av * bv);
                            }
                            double kept = beta == 0f ? 0 : beta * before[2 + i * n + j];
                            double expected = alpha * sum + kept;
                            double tolerance = 1e-6 * (Math.abs(alpha) * scale + Math.abs(kept) + 1);
                            assertEquals(expected, c[2 + i * n + j], tolerance,
                                    "m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " transB=" + transB + " at " + i + "," + j);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aRowOfAProductHasTheSameBitsAloneAsWithinABatch() {
        Random rnd = new Random(11);
        int m = 37;
        int n = 70;
        int k = 600; // more than one k block
        for (boolean transB : new boolean[] {false, true}) {
            float[] a = gaussian(rnd, m * k);
            float[] b = gaussian(rnd, k * n);
            float[] batch = new float[m * n];
            Blas.gemm(false, transB, m, n, k, 1f, a, b, 0f, batch);
            for (int i = 0; i < m; i++) {
                float[] row = new float[n];
                Blas.gemm(false, transB, 1, n, k, 1f, a, i * k, b, 0, 0f, row, 0);
                assertArrayEquals(Arrays.copyOfRange(batch, i * n, (i + 1) * n), row, "row " + i + " transB=" + transB);
            }
        }
    }

    @Test
    void theNetlibFallbackComputesTheSameProductsUpToRounding() {
        Random rnd = new Random(13);
        for (int[] shape : SHAPES) {
            int m = shape[0];
            int n = shape[1];
            int k = shape[2];
            for (int t = 0; t < 4; t++) {
                boolean transA = (t & 1) != 0;
                boolean transB = (t & 2) != 0;
                float[] a = gaussian(rnd, m * k);
                float[] b = gaussian(rnd, k * n);
                float[] c = gaussian(rnd, m * n);
                float[] viaNetlib = c.clone();
                Blas.gemm(transA, transB, m, n, k, 0.5f, a, 0, b, 0, 1f, c, 0);
                Blas.netlib(transA, transB, m, n, k, 0.5f, a, 0, b, 0, 1f, viaNetlib, 0);
                for (int i = 0; i < m * n; i++) {
                    assertEquals(viaNetlib[i], c[i], 1e-4 * (1 + Math.abs(viaNetlib[i])) * Math.sqrt(k + 1),
                            "m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " transB=" + transB + " at " + i);
                }
            }
        }
    }

    @Test
    void theVectorProductIsInUseWhenTheVectorModuleIsPresent() {
        // the build and the jobs run with --add-modules jdk.incubator.vector
        assertTrue(Blas.implementation().startsWith("VectorGemm"), Blas.implementation());
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }
}
