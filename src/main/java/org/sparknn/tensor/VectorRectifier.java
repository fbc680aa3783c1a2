package org.sparknn.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API loops of {@link Rectifier}; each returns the index where the scalar tail starts. */
final class VectorRectifier {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorRectifier() {}

    static int forward(float[] x, float[] y, int len, float alpha) {
        int bound = S.loopBound(len);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            VectorMask<Float> positive = v.compare(VectorOperators.GT, 0f);
            v.mul(alpha).blend(v, positive).intoArray(y, i);
        }
        return bound;
    }

    static int backward(float[] y, float[] dy, float[] dx, int len, float alpha) {
        int bound = S.loopBound(len);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector g = FloatVector.fromArray(S, dy, i);
            VectorMask<Float> positive = FloatVector.fromArray(S, y, i).compare(VectorOperators.GT, 0f);
            g.mul(alpha).blend(g, positive).intoArray(dx, i);
        }
        return bound;
    }
}
