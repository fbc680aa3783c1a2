package org.sparknn.tensor;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API loop of {@link BernoulliMask}: the SplitMix64 finalizer on a vector of counters,
 * then each 64-bit lane becomes the two mask floats of its low and high word, so the lanes,
 * reinterpreted as floats, are the mask in order (little-endian, as the platforms the Vector API
 * compiles for are).
 */
final class VectorBernoulliMask {
    private static final VectorSpecies<Long> S = LongVector.SPECIES_PREFERRED;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long[] LANE_COUNTERS = new long[S.length()];

    static {
        for (int i = 0; i < LANE_COUNTERS.length; i++) {
            LANE_COUNTERS[i] = i;
        }
    }

    private VectorBernoulliMask() {}

    /** Fills whole groups of 2 * lanes units; returns the first unit left to the scalar loop. */
    static int fill(float[] mask, int offset, int size, long key, float rate, float scale) {
        if (java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN) {
            return 0;
        }
        int lanes = S.length();
        int groups = size / (2 * lanes);
        long thr = BernoulliMask.dropBelow(rate);
        long keep = Float.floatToRawIntBits(scale) & 0xFFFFFFFFL;
        LongVector counters = LongVector.fromArray(S, LANE_COUNTERS, 0);
        LongVector low = LongVector.broadcast(S, keep);
        LongVector high = LongVector.broadcast(S, keep << 32);
        for (int g = 0; g < groups; g++) {
            LongVector z = counters.add((long) g * lanes).mul(GOLDEN).add(key);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
            VectorMask<Long> keepLow = z.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.AND, 0xFFFFFFL)
                    .compare(VectorOperators.GE, thr);
            VectorMask<Long> keepHigh = z.lanewise(VectorOperators.LSHR, 40).compare(VectorOperators.GE, thr);
            LongVector pair = LongVector.zero(S).blend(low, keepLow)
                    .lanewise(VectorOperators.OR, LongVector.zero(S).blend(high, keepHigh));
            pair.reinterpretAsFloats().intoArray(mask, offset + 2 * g * lanes);
        }
        return groups * 2 * lanes;
    }
}
