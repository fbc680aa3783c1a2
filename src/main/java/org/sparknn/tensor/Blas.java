package org.sparknn.tensor;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Row-major single-precision matrix products. {@link VectorGemm} (Java Vector API) when the JVM
 * runs with {@code --add-modules jdk.incubator.vector} and vectors of at least 4 floats: on the
 * shapes of convolution and dense layers it runs 2-13x faster than dev.ludovic.netlib's VectorBLAS
 * (jobs/bench-conv.sh and jobs/bench.sh print both). Otherwise, or with
 * {@code -Dsparknn.blas=netlib}, dev.ludovic.netlib (native BLAS when one is installed), which is
 * column-major: a row-major product C = op(A) op(B) is issued as C^T = op(B)^T op(A)^T.
 */
public final class Blas {
    private static final BLAS NETLIB = BLAS.getInstance();
    private static final boolean VECTOR = vectorGemmUsable();

    private Blas() {}

    private static boolean vectorGemmUsable() {
        return !"netlib".equals(System.getProperty("sparknn.blas")) && vectorUsable();
    }

    /** Whether the Vector API is present (--add-modules jdk.incubator.vector) with vectors of at least 4 floats. */
    static boolean vectorUsable() {
        try {
            return VectorGemm.lanes() >= 4;
        } catch (LinkageError notAvailable) {
            return false;
        }
    }

    /** Name of the implementation in use, for benchmark reports. */
    public static String implementation() {
        return VECTOR ? "VectorGemm (" + VectorGemm.lanes() + " float lanes)" : NETLIB.getClass().getSimpleName();
    }

    /**
     * C[m x n] = alpha * op(A) * op(B) + beta * C, all row-major. op(A) is m x k: A is stored m x k,
     * or k x m when transA. op(B) is k x n: B is stored k x n, or n x k when transB.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float alpha, float[] a, int aOffset, float[] b, int bOffset,
                            float beta, float[] c, int cOffset) {
        if (m == 0 || n == 0) {
            return;
        }
        if (VECTOR) {
            VectorGemm.gemm(transA, transB, m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
        } else {
            netlib(transA, transB, m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
        }
    }

    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float alpha, float[] a, float[] b, float beta, float[] c) {
        gemm(transA, transB, m, n, k, alpha, a, 0, b, 0, beta, c, 0);
    }

    /** The same product through dev.ludovic.netlib, whatever {@link #implementation()} is (benchmarks compare the two). */
    public static void netlib(boolean transA, boolean transB, int m, int n, int k,
                              float alpha, float[] a, int aOffset, float[] b, int bOffset,
                              float beta, float[] c, int cOffset) {
        if (m == 0 || n == 0) {
            return;
        }
        // BLAS wants leading dimensions of at least 1, even for an empty inner dimension
        int lda = Math.max(1, transA ? m : k);
        int ldb = Math.max(1, transB ? k : n);
        NETLIB.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k,
                alpha, b, bOffset, ldb, a, aOffset, lda, beta, c, cOffset, n);
    }
}
