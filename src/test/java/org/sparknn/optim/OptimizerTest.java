package org.sparknn.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Two steps of each optimizer from w0 = (1, -2) with gradients g1 = (0.5, -1), g2 = (0.2, 0.4)
 * at lr = 0.1, against values worked out by hand (the arithmetic is in the comments).
 */
class OptimizerTest {
    private static final float[] G1 = {0.5f, -1f};
    private static final float[] G2 = {0.2f, 0.4f};
    private static final float LR = 0.1f;
    private static final float TOL = 1e-5f;

    private static float[][] twoSteps(Optimizer opt, float decay) {
        float[] w = {1f, -2f};
        opt.beginStep();
        opt.update(w, G1, 0, 2, LR, decay);
        float[] w1 = w.clone();
        opt.beginStep();
        opt.update(w, G2, 0, 2, LR, decay);
        return new float[][] {w1, w};
    }

    @Test
    void sgd() {
        // w1 = w0 - 0.1 g1 = (0.95, -1.9); w2 = w1 - 0.1 g2 = (0.93, -1.94)
        float[][] w = twoSteps(new Sgd(2, 0, false), 0);
        assertArrayEquals(new float[] {0.95f, -1.9f}, w[0], TOL);
        assertArrayEquals(new float[] {0.93f, -1.94f}, w[1], TOL);
    }

    @Test
    void momentum() {
        // v1 = g1 = (0.5, -1); w1 = (0.95, -1.9)
        // v2 = 0.9 v1 + g2 = (0.65, -0.5); w2 = w1 - 0.1 v2 = (0.885, -1.85)
        float[][] w = twoSteps(new Sgd(2, 0.9, false), 0);
        assertArrayEquals(new float[] {0.95f, -1.9f}, w[0], TOL);
        assertArrayEquals(new float[] {0.885f, -1.85f}, w[1], TOL);
    }

    @Test
    void nesterov() {
        // v1 = g1; step1 = g1 + 0.9 v1 = (0.95, -1.9); w1 = (0.905, -1.81)
        // v2 = (0.65, -0.5); step2 = g2 + 0.9 v2 = (0.785, -0.05); w2 = (0.8265, -1.805)
        float[][] w = twoSteps(new Sgd(2, 0.9, true), 0);
        assertArrayEquals(new float[] {0.905f, -1.81f}, w[0], TOL);
        assertArrayEquals(new float[] {0.8265f, -1.805f}, w[1], TOL);
    }

    @Test
    void adaGrad() {
        // G1 = (0.25, 1); w1 = w0 - 0.1 g1 / sqrt(G1) = (0.9, -1.9)
        // G2 = (0.29, 1.16); w2 = (0.9 - 0.02/0.538516, -1.9 - 0.04/1.077033) = (0.862861, -1.937139)
        float[][] w = twoSteps(new AdaGrad(2, 1e-8), 0);
        assertArrayEquals(new float[] {0.9f, -1.9f}, w[0], TOL);
        assertArrayEquals(new float[] {0.862861f, -1.937139f}, w[1], TOL);
    }

    @Test
    void rmsProp() {
        // E1 = 0.1 g1^2 = (0.025, 0.1); w1 = (1 - 0.05/0.158114, -2 + 0.1/0.316228) = (0.683772, -1.683772)
        // E2 = 0.9 E1 + 0.1 g2^2 = (0.0265, 0.106); w2 = (0.683772 - 0.02/0.162788, -1.683772 - 0.04/0.325576)
        //    = (0.560913, -1.806631)
        float[][] w = twoSteps(new RmsProp(2, 0.9, 1e-8), 0);
        assertArrayEquals(new float[] {0.683772f, -1.683772f}, w[0], TOL);
        assertArrayEquals(new float[] {0.560913f, -1.806631f}, w[1], TOL);
    }

    @Test
    void adam() {
        // t=1: m = 0.1 g1, v = 0.001 g1^2; bias-corrected mhat = g1, vhat = g1^2, so step = sign(g1):
        //      w1 = (0.9, -1.9)
        // t=2: m = (0.065, -0.05), mhat = m / 0.19 = (0.342105, -0.263158)
        //      v = (0.00028975, 0.001159), vhat = v / 0.001999 = (0.144947, 0.579790)
        //      step = mhat / sqrt(vhat) = (0.898576, -0.345606); w2 = (0.810142, -1.865439)
        float[][] w = twoSteps(new Adam("adam", 2, 0.9, 0.999, 1e-8), 0);
        assertArrayEquals(new float[] {0.9f, -1.9f}, w[0], TOL);
        assertArrayEquals(new float[] {0.810142f, -1.865439f}, w[1], TOL);
    }

    @Test
    void adamWDecaysOutsideTheMoments() {
        // Same moments as Adam; each step also subtracts lr * 0.1 * w (w before the step):
        // w1 = (1 - 0.1 (1 + 0.1), -2 - 0.1 (-1 - 0.2)) = (0.89, -1.88)
        // w2 = w1 - 0.1 (step2 + 0.1 w1) = (0.89 - 0.0898576 - 0.0089, -1.88 + 0.0345606 + 0.0188) = (0.791242, -1.826639)
        float[][] w = twoSteps(new Adam("adamw", 2, 0.9, 0.999, 1e-8), 0.1f);
        assertArrayEquals(new float[] {0.89f, -1.88f}, w[0], TOL);
        assertArrayEquals(new float[] {0.791242f, -1.826639f}, w[1], TOL);

        // Adam with an L2 penalty of the same strength feeds 0.1 w into the moments instead,
        // which Adam's normalization rescales: a different (hand-computed) trajectory.
        Adam coupled = new Adam("adam", 2, 0.9, 0.999, 1e-8);
        Regularization l2 = new Regularization(0, 0.1, true, 0, false, false);
        float[] wc = {1f, -2f};
        for (float[] g : new float[][] {G1, G2}) {
            float[] gc = g.clone();
            for (int i = 0; i < 2; i++) {
                gc[i] += 0.1f * wc[i];
            }
            coupled.beginStep();
            coupled.update(wc, gc, 0, 2, LR, 0);
        }
        assertArrayEquals(new float[] {0.807281f, -1.846832f}, wc, TOL);
        assertNotEquals(w[1][0], wc[0], 1e-3);
        assertNotEquals(w[1][1], wc[1], 1e-3);
        assertEquals(2, coupled.steps());
    }

    @Test
    void stateRoundTripsThroughRestore() {
        Adam a = new Adam("adam", 2, 0.9, 0.999, 1e-8);
        float[] w = {1f, -2f};
        a.beginStep();
        a.update(w, G1, 0, 2, LR, 0);
        Adam b = new Adam("adam", 2, 0.9, 0.999, 1e-8);
        b.restore(a.steps(), a.state());
        float[] wb = w.clone();
        a.beginStep();
        a.update(w, G2, 0, 2, LR, 0);
        b.beginStep();
        b.update(wb, G2, 0, 2, LR, 0);
        assertArrayEquals(w, wb, 0f);
    }
}
