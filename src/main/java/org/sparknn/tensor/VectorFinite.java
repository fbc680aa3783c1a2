package org.sparknn.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API loop of {@link Finite}'s scaling, which runs every step: x * 0 is 0 for a finite
 * x and NaN otherwise, so a sum of those over the array is NaN exactly when some value is not
 * finite (a multiply and an add per vector, which C2 compiles on every JDK; the finiteness test
 * op it does not on all).
 */
final class VectorFinite {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorFinite() {}

    /** Scales whole vectors in place; returns where the scalar loop takes over, as -(that + 1) when a scaled value was not finite. */
    static int scale(float[] a, int from, int to, float s) {
        int bound = from + S.loopBound(to - from);
        FloatVector nan = FloatVector.zero(S);
        for (int i = from; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, a, i).mul(s);
            v.intoArray(a, i);
            nan = nan.add(v.mul(0f));
        }
        return Float.isNaN(nan.reduceLanes(VectorOperators.ADD)) ? -bound - 1 : bound;
    }
}
