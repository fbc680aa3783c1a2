package org.sparknn.tensor;

/**
 * Scaling an array and finding its first non-finite value in one pass (with the Vector API, see
 * {@link Blas}, a multiply and a finiteness test per vector): a training step scales the gradient
 * sum to its mean and must stop at the first infinity or NaN in it.
 */
public final class Finite {
    private static final boolean VECTOR = Blas.vectorUsable();

    private Finite() {}

    /** a[i] *= s for i < len; returns the first i whose result is not finite, or -1. The same values either way. */
    public static int scaleAndFind(float[] a, int len, float s) {
        int i = VECTOR ? VectorFinite.scale(a, len, s) : 0;
        int bad = -1;
        if (i < 0) { // some value of the vectors is not finite: scale the rest, then find the first
            i = -i - 1;
            bad = Integer.MAX_VALUE;
        }
        for (; i < len; i++) {
            float v = a[i] * s;
            a[i] = v;
            if (bad == -1 && !Float.isFinite(v)) {
                bad = i;
            }
        }
        return bad == Integer.MAX_VALUE ? find(a, len) : bad;
    }

    /** The first i < len with a non-finite a[i], or -1. */
    public static int find(float[] a, int len) {
        int i = VECTOR ? VectorFinite.finitePrefix(a, len) : 0;
        for (; i < len; i++) {
            if (!Float.isFinite(a[i])) {
                return i;
            }
        }
        return -1;
    }
}
