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
        return scaleAndFind(a, 0, len, s);
    }

    /** a[i] *= s for from <= i < to; returns the first i whose result is not finite, or -1. */
    public static int scaleAndFind(float[] a, int from, int to, float s) {
        int i = VECTOR ? VectorFinite.scale(a, from, to, s) : from;
        int bad = -1;
        if (i < 0) { // some value of the vectors is not finite: scale the rest, then find the first
            i = -i - 1;
            bad = Integer.MAX_VALUE;
        }
        for (; i < to; i++) {
            float v = a[i] * s;
            a[i] = v;
            if (bad == -1 && !Float.isFinite(v)) {
                bad = i;
            }
        }
        return bad == Integer.MAX_VALUE ? find(a, from, to) : bad;
    }

    /** The first i < len with a non-finite a[i], or -1. */
    public static int find(float[] a, int len) {
        return find(a, 0, len);
    }

    /**
     * The first i in [from, to) with a non-finite a[i], or -1. A plain loop: whole-model checks
     * run once per epoch, too seldom for C2 to compile a Vector API loop before it runs, and
     * uncompiled Vector API code allocates every vector (0.4 s for the first check of 1.9M
     * weights, against 6-9 ms for this loop, then about 1 ms).
     */
    public static int find(float[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Float.isFinite(a[i])) {
                return i;
            }
        }
        return -1;
    }
}
