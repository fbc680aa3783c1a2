package org.sparknn.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API loops of {@link Finite}: x * 0 is 0 for a finite x and NaN otherwise, so a sum of
 * those over the array is NaN exactly when some value is not finite (a multiply and an add per
 * vector, which C2 compiles on every JDK; the finiteness test op it does not on all).
 */
final class VectorFinite {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorFinite() {}

    /** Scales whole vectors in place; returns where the scalar loop takes over, as -(that + 1) when a scaled value was not finite. */
    static int scale(float[] a, int len, float s) {
        int bound = S.loopBound(len);
        FloatVector nan = FloatVector.zero(S);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, a, i).mul(s);
            v.intoArray(a, i);
            nan = nan.add(v.mul(0f));
        }
        return Float.isNaN(nan.reduceLanes(VectorOperators.ADD)) ? -bound - 1 : bound;
    }

    /** The whole vectors' length when all their values are finite, else 0 (the scalar loop then finds the first). */
    static int finitePrefix(float[] a, int len) {
        int bound = S.loopBound(len);
        FloatVector nan = FloatVector.zero(S);
        for (int i = 0; i < bound; i += S.length()) {
            nan = nan.add(FloatVector.fromArray(S, a, i).mul(0f));
        }
        return Float.isNaN(nan.reduceLanes(VectorOperators.ADD)) ? 0 : bound;
    }
}
