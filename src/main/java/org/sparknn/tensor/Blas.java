package org.sparknn.tensor;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Row-major single-precision matrix products on top of dev.ludovic.netlib (pure-Java Vector API
 * implementation, or native BLAS when one is installed). Netlib is column-major, so a row-major
 * product C = op(A) op(B) is issued as the column-major product C^T = op(B)^T op(A)^T.
 */
public final class Blas {
    private static final BLAS BLAS_INSTANCE = BLAS.getInstance();

    private Blas() {}

    /** Name of the BLAS implementation in use, for benchmark reports. */
    public static String implementation() {
        return BLAS_INSTANCE.getClass().getSimpleName();
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
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        BLAS_INSTANCE.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k,
                alpha, b, bOffset, ldb, a, aOffset, lda, beta, c, cOffset, n);
    }

    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float alpha, float[] a, float[] b, float beta, float[] c) {
        gemm(transA, transB, m, n, k, alpha, a, 0, b, 0, beta, c, 0);
    }
}
