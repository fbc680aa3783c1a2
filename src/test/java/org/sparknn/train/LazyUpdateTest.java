package org.sparknn.train;

import org.junit.jupiter.api.Test;
import org.sparknn.nn.DenseLayer;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The lazy step on sparse input, checked weight by weight against the dense step and the formula. */
class LazyUpdateTest {
    private static final int IN = 6;
    private static final int UNITS = 3;
    private static final ModelSpec SPEC = new ModelSpec(IN, List.of(new LayerSpec.Dense(UNITS), new LayerSpec.Softmax()),
            LossKind.SOFTMAX_CROSS_ENTROPY);
    private static final TrainConfig ADAM = TrainConfig.defaults().with("optimizer", "adam").with("learningRate", 0.1)
            .with("l2", 0.1).with("weightDecay", 0.01);

    /** Puts the same gradient SUM (non-zero in the rows of inputs 1 and 4 and in the bias) into both networks. */
    private static void setGradient(Network lazy, Network dense, int step) {
        DenseLayer l = (DenseLayer) lazy.layers().get(0);
        DenseLayer d = (DenseLayer) dense.layers().get(0);
        dense.zeroGrads();
        lazy.zeroGrads();
        for (int j : new int[] {1, 4}) {
            for (int u = 0; u < UNITS; u++) {
                float g = 0.3f * (u + 1) - 0.2f * j + 0.05f * step;
                lazy.store().grads()[l.weightIndex(u, j)] = g;
                dense.store().grads()[d.weightIndex(u, j)] = g;
            }
        }
        l.noteWritten(new int[] {1, 4});
        int bias = UNITS * IN;
        for (int u = 0; u < UNITS; u++) {
            lazy.store().grads()[bias + u] = 0.1f * u - 0.05f;
            dense.store().grads()[bias + u] = 0.1f * u - 0.05f;
        }
    }

    @Test
    void touchedRowsGetTheDenseStepAndTheOthersOnlyTheirRegularizationStep() {
        Network lazy = Network.create(SPEC.withSparseInput(true), 7);
        Network dense = Network.create(SPEC, 7);
        DenseLayer l = (DenseLayer) lazy.layers().get(0);
        DenseLayer d = (DenseLayer) dense.layers().get(0);
        GlobalStep lazyStep = new GlobalStep(lazy, ADAM, 10);
        GlobalStep denseStep = new GlobalStep(dense, ADAM, 10);
        for (int step = 0; step < 3; step++) {
            float[] before = lazy.store().values().clone();
            float[][] stateBefore = lazyStep.updater().optimizer().state().stream().map(float[]::clone).toArray(float[][]::new);
            setGradient(lazy, dense, step);
            // the dense twin gets the lazy weights of the touched rows, so their steps can be compared
            for (int u = 0; u < UNITS; u++) {
                for (int j = 0; j < IN; j++) {
                    dense.store().values()[d.weightIndex(u, j)] = lazy.store().values()[l.weightIndex(u, j)];
                }
            }
            System.arraycopy(lazy.store().values(), UNITS * IN, dense.store().values(), UNITS * IN, UNITS);
            double lazyPenalty = lazyStep.apply(2, List.of(), new int[] {1, 4});
            double densePenalty = denseStep.apply(2, List.of());
            assertEquals(densePenalty, lazyPenalty, 1e-6);
            for (int u = 0; u < UNITS; u++) {
                for (int j = 0; j < IN; j++) {
                    int at = l.weightIndex(u, j);
                    float w = lazy.store().values()[at];
                    if (j == 1 || j == 4) {
                        assertEquals(dense.store().values()[d.weightIndex(u, j)], w, 0f, "touched input " + j);
                        if (step > 0) {
                            assertNotEquals(stateBefore[0][at], lazyStep.updater().optimizer().state().get(0)[at]);
                        }
                    } else {
                        float w0 = before[at];
                        float expected = w0 - 0.1f * ((0f + 0.1f * w0) + 0.01f * w0);
                        assertEquals(expected, w, 0f, "untouched input " + j);
                        assertEquals(stateBefore[0][at], lazyStep.updater().optimizer().state().get(0)[at], 0f, "first moment of " + j);
                        assertEquals(stateBefore[1][at], lazyStep.updater().optimizer().state().get(1)[at], 0f, "second moment of " + j);
                    }
                }
            }
            for (int u = 0; u < UNITS; u++) {
                assertEquals(dense.store().values()[UNITS * IN + u], lazy.store().values()[UNITS * IN + u], 0f, "bias " + u);
            }
        }
    }

    /** A row written in one step reads zero in the next step's fresh gradient, without a pass over every row. */
    @Test
    void zeroingClearsTheRowsWrittenSince() {
        Network lazy = Network.create(SPEC.withSparseInput(true), 7);
        DenseLayer l = (DenseLayer) lazy.layers().get(0);
        lazy.zeroGrads();
        lazy.store().grads()[l.weightIndex(2, 5)] = 1f;
        l.noteWritten(new int[] {5});
        lazy.store().grads()[UNITS * IN + 1] = 1f;
        lazy.zeroGrads();
        for (float g : lazy.store().grads()) {
            assertEquals(0f, g);
        }
    }
}
