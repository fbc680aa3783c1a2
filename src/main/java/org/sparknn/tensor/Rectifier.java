package org.sparknn.tensor;

/**
 * The (leaky) rectifier and its gradient over arrays: y = x > 0 ? x : alpha * x. With the Vector
 * API (see {@link Blas}) a compare and a blend per vector, which C2 does not derive from the
 * scalar loop's conditional; the same values either way.
 */
public final class Rectifier {
    private static final boolean VECTOR = Blas.vectorUsable();

    private Rectifier() {}

    public static void forward(float[] x, float[] y, int len, float alpha) {
        int i = VECTOR ? VectorRectifier.forward(x, y, len, alpha) : 0;
        for (; i < len; i++) {
            float v = x[i];
            y[i] = v > 0 ? v : alpha * v;
        }
    }

    /** dx = y > 0 ? dy : alpha * dy, from the forward output y (positive exactly where x is, for alpha >= 0). */
    public static void backward(float[] y, float[] dy, float[] dx, int len, float alpha) {
        int i = VECTOR ? VectorRectifier.backward(y, dy, dx, len, alpha) : 0;
        for (; i < len; i++) {
            dx[i] = y[i] > 0 ? dy[i] : alpha * dy[i];
        }
    }
}
