package org.sparknn.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row-major sgemm on the Java Vector API with an outer-product register tile: 4 rows of C by
 * three vectors of columns, held in 12 accumulators while the k loop broadcasts one value of A
 * per row and loads one row segment of B per vector. The k dimension goes in blocks, so the part
 * of a column panel of op(B) in use is packed contiguous and stays in cache across the row tiles
 * (the packed rows are zero-padded past the last column, so the kernel never needs masks; a tile
 * of C that is not full goes through a buffer).
 * <p>
 * Every element of C is one fused multiply-add chain over p = 0..k-1, started from beta * C (or
 * zero), whatever the shape, the blocking or the row's position in the batch: a row of a product
 * has the same bits computed alone or within a batch, and the result does not depend on the
 * machine's vector width.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 4;
    private static final int NR = 3 * L;
    /** Depth of a k block: a packed block of NR columns is KC * NR floats (48 KB with 16 lanes). */
    private static final int KC = 256;
    /**
     * Spare scratch buffers (panel, tile), taken and given back around each product. Not a
     * ThreadLocal: on Spark's task threads, whose thread-local maps are large and full of stale
     * entries, its lookup cost more than a small product.
     */
    private static final java.util.concurrent.atomic.AtomicReferenceArray<float[][]> SPARE =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(16);

    private VectorGemm() {}

    static int lanes() {
        return L;
    }

    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOffset, float[] b, int bOffset,
                     float beta, float[] c, int cOffset) {
        if (k == 0) {
            scale(m, n, beta, c, cOffset);
            return;
        }
        // A(i, p) = a[aOffset + i * ai + p * ap]
        int ai = transA ? 1 : k;
        int ap = transA ? m : 1;
        float[][] scratch = takeScratch();
        float[] panel = scratch[0] = ensure(scratch[0], Math.min(k, KC) * NR);
        float[] tile = scratch[1] = ensure(scratch[1], MR * NR);
        for (int j = 0; j < n; j += NR) {
            int width = Math.min(NR, n - j);
            for (int p0 = 0; p0 < k; p0 += KC) {
                int depth = Math.min(KC, k - p0);
                // the first block starts each chain from beta * C, later blocks from the C they left
                float from = p0 == 0 ? beta : 1f;
                pack(transB, b, bOffset, n, k, p0, depth, j, width, panel);
                int aBlock = aOffset + p0 * ap;
                for (int i = 0; i < m; i += MR) {
                    int rows = Math.min(MR, m - i);
                    int ao = aBlock + i * ai;
                    if (width == NR) {
                        tile(rows, depth, alpha, a, ao, ai, ap, panel, from, c, cOffset + i * n + j, n);
                    } else {
                        for (int r = 0; r < rows; r++) {
                            System.arraycopy(c, cOffset + (i + r) * n + j, tile, r * NR, width);
                        }
                        tile(rows, depth, alpha, a, ao, ai, ap, panel, from, tile, 0, NR);
                        for (int r = 0; r < rows; r++) {
                            System.arraycopy(tile, r * NR, c, cOffset + (i + r) * n + j, width);
                        }
                    }
                }
            }
        }
        giveScratch(scratch);
    }

    private static float[][] takeScratch() {
        for (int i = 0; i < SPARE.length(); i++) {
            float[][] s = SPARE.get(i);
            if (s != null && SPARE.compareAndSet(i, s, null)) {
                return s;
            }
        }
        return new float[2][];
    }

    private static void giveScratch(float[][] s) {
        for (int i = 0; i < SPARE.length(); i++) {
            if (SPARE.get(i) == null && SPARE.compareAndSet(i, null, s)) {
                return;
            }
        }
    }

    private static void scale(int m, int n, float beta, float[] c, int cOffset) {
        for (int i = cOffset; i < cOffset + m * n; i++) {
            c[i] = beta == 0f ? 0f : beta * c[i];
        }
    }

    /** Copies rows p0..p0+depth, columns j..j+width of op(B) (k x n) into a [depth x NR] panel, zero past width. */
    private static void pack(boolean transB, float[] b, int bOffset, int n, int k, int p0, int depth,
                             int j, int width, float[] panel) {
        if (width < NR) {
            java.util.Arrays.fill(panel, 0, depth * NR, 0f);
        }
        if (transB && width == NR) {
            // B stored n x k: row p of the panel gathers element p0 + p of rows j..j+NR-1 of B
            // (a gather per vector beats the scalar transposing copy about 1.5x on the dense layers' forward products)
            int[] rowStarts = new int[L];
            for (int q = 0; q < L; q++) {
                rowStarts[q] = q * k;
            }
            for (int v = 0; v < NR; v += L) {
                int src = bOffset + (j + v) * k + p0;
                for (int p = 0; p < depth; p++) {
                    FloatVector.fromArray(S, b, src + p, rowStarts, 0).intoArray(panel, p * NR + v);
                }
            }
        } else if (transB) {
            // B stored n x k: column q of the panel is row j + q of B
            for (int q = 0; q < width; q++) {
                int src = bOffset + (j + q) * k + p0;
                for (int p = 0; p < depth; p++) {
                    panel[p * NR + q] = b[src + p];
                }
            }
        } else {
            for (int p = 0; p < depth; p++) {
                System.arraycopy(b, bOffset + (p0 + p) * n + j, panel, p * NR, width);
            }
        }
    }

    private static void tile(int rows, int depth, float alpha, float[] a, int ao, int ai, int ap,
                             float[] b, float from, float[] c, int co, int ldc) {
        if (rows == MR) {
            tile4(depth, alpha, a, ao, ai, ap, b, from, c, co, ldc);
        } else {
            for (int r = 0; r < rows; r++) {
                tile1(depth, alpha, a, ao + r * ai, ap, b, from, c, co + r * ldc);
            }
        }
    }

    private static FloatVector start(float from, float[] c, int at) {
        if (from == 0f) {
            return FloatVector.zero(S);
        }
        FloatVector v = FloatVector.fromArray(S, c, at);
        return from == 1f ? v : v.mul(from);
    }

    private static void tile4(int depth, float alpha, float[] a, int ao, int ai, int ap,
                              float[] b, float from, float[] c, int co, int ldc) {
        int r1 = co + ldc;
        int r2 = co + 2 * ldc;
        int r3 = co + 3 * ldc;
        FloatVector c00 = start(from, c, co);
        FloatVector c01 = start(from, c, co + L);
        FloatVector c02 = start(from, c, co + 2 * L);
        FloatVector c10 = start(from, c, r1);
        FloatVector c11 = start(from, c, r1 + L);
        FloatVector c12 = start(from, c, r1 + 2 * L);
        FloatVector c20 = start(from, c, r2);
        FloatVector c21 = start(from, c, r2 + L);
        FloatVector c22 = start(from, c, r2 + 2 * L);
        FloatVector c30 = start(from, c, r3);
        FloatVector c31 = start(from, c, r3 + L);
        FloatVector c32 = start(from, c, r3 + 2 * L);
        int a1 = ao + ai;
        int a2 = ao + 2 * ai;
        int a3 = ao + 3 * ai;
        for (int p = 0; p < depth; p++) {
            int bAt = p * NR;
            FloatVector b0 = FloatVector.fromArray(S, b, bAt);
            FloatVector b1 = FloatVector.fromArray(S, b, bAt + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bAt + 2 * L);
            int off = p * ap;
            FloatVector x = FloatVector.broadcast(S, alpha * a[ao + off]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, alpha * a[a1 + off]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, alpha * a[a2 + off]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, alpha * a[a3 + off]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
        c02.intoArray(c, co + 2 * L);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + L);
        c12.intoArray(c, r1 + 2 * L);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + L);
        c22.intoArray(c, r2 + 2 * L);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + L);
        c32.intoArray(c, r3 + 2 * L);
    }

    private static void tile1(int depth, float alpha, float[] a, int ao, int ap,
                              float[] b, float from, float[] c, int co) {
        FloatVector c0 = start(from, c, co);
        FloatVector c1 = start(from, c, co + L);
        FloatVector c2 = start(from, c, co + 2 * L);
        for (int p = 0; p < depth; p++) {
            int bAt = p * NR;
            FloatVector x = FloatVector.broadcast(S, alpha * a[ao + p * ap]);
            c0 = x.fma(FloatVector.fromArray(S, b, bAt), c0);
            c1 = x.fma(FloatVector.fromArray(S, b, bAt + L), c1);
            c2 = x.fma(FloatVector.fromArray(S, b, bAt + 2 * L), c2);
        }
        c0.intoArray(c, co);
        c1.intoArray(c, co + L);
        c2.intoArray(c, co + 2 * L);
    }

    private static float[] ensure(float[] buffer, int size) {
        return buffer != null && buffer.length >= size ? buffer : new float[Math.max(size, 1)];
    }
}
