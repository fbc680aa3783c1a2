package org.sparknn.tensor;

/**
 * Inverted-dropout masks from counter-based random numbers: unit j of a stream draws the uniform
 * {@link CounterRng#unitFloat} of the low (j even) or high (j odd) word of
 * {@code CounterRng.bits(key, j / 2)} and is dropped (0) when it is below {@code rate}, else kept
 * ({@code scale}). With the Vector API (see {@link Blas}) eight draws at a time, the same values.
 */
public final class BernoulliMask {
    private static final boolean VECTOR = Blas.vectorUsable();

    private BernoulliMask() {}

    /** mask[offset + j] for j < size, from the stream {@code key}. */
    public static void fill(float[] mask, int offset, int size, long key, float rate, float scale) {
        int j = VECTOR ? VectorBernoulliMask.fill(mask, offset, size, key, rate, scale) : 0;
        for (; j < size; j += 2) {
            long bits = CounterRng.bits(key, j >> 1);
            mask[offset + j] = CounterRng.unitFloat((int) bits) < rate ? 0f : scale;
            if (j + 1 < size) {
                mask[offset + j + 1] = CounterRng.unitFloat((int) (bits >>> 32)) < rate ? 0f : scale;
            }
        }
    }

    /**
     * The draws dropped are those whose 24-bit integer u = word >>> 8 has u * 2^-24 < rate, that
     * is u < ceil(rate * 2^24) (both sides exact: u is an integer below 2^24).
     */
    static long dropBelow(float rate) {
        return (long) Math.ceil(rate * 0x1.0p24);
    }
}
