package org.sparknn.nn;

import org.junit.jupiter.api.Test;
import org.sparknn.train.Evaluator;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DropoutTest {

    @Test
    void observedDropRateMatchesRateAndKeptUnitsAreScaled() {
        double rate = 0.3;
        int size = 1000;
        int n = 200;
        DropoutLayer layer = new DropoutLayer(2, size, rate);
        float[] ones = new float[n * size];
        java.util.Arrays.fill(ones, 1f);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 1000 + i;
        }
        float[] y = layer.forward(ones, n, Pass.train(5, 17, ids));
        long dropped = 0;
        for (int i = 0; i < n * size; i++) {
            if (y[i] == 0f) {
                dropped++;
            } else {
                assertEquals(1 / (1 - rate), y[i], 1e-6);
            }
        }
        double observed = (double) dropped / (n * size);
        double sigma = Math.sqrt(rate * (1 - rate) / (n * size));
        assertEquals(rate, observed, 4 * sigma, "observed drop rate " + observed);
    }

    @Test
    void masksDependOnSampleIdAndStepNotOnBatchPosition() {
        DropoutLayer layer = new DropoutLayer(1, 64, 0.5);
        float[] ones = new float[3 * 64];
        java.util.Arrays.fill(ones, 1f);
        float[] a = layer.forward(ones, 3, Pass.train(1, 4, new long[] {10, 11, 12})).clone();
        float[] b = layer.forward(ones, 3, Pass.train(1, 4, new long[] {12, 10, 11})).clone();
        assertArrayEquals(java.util.Arrays.copyOfRange(a, 0, 64), java.util.Arrays.copyOfRange(b, 64, 128));
        float[] c = layer.forward(ones, 3, Pass.train(1, 5, new long[] {10, 11, 12}));
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
        assertEquals(0, layer.forward(ones, 3, Pass.inference())[0] - 1f, 0f);
    }

    @Test
    void inferenceEqualsTheClassicWeightScaledNetwork() {
        // Inverted dropout trains y = W (m/p * x) and tests with W x. The classic formulation
        // trains with unscaled masks and weights Wc = W/p, and at test time multiplies Wc by the
        // retention probability p: the same functions in training and at test time.
        double rate = 0.4;
        double p = 1 - rate;
        ModelSpec spec = new ModelSpec(6, List.of(new LayerSpec.Dropout(rate), new LayerSpec.Dense(3)), LossKind.MSE);
        Network net = Network.create(spec, 3);
        float[] w = net.store().values();
        int n = 4;
        float[] x = new float[n * 6];
        Random rnd = new Random(2);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        Pass train = Pass.train(3, 0, null);
        float[] yTrain = net.forward(x, n, train).clone();
        float[] mask = ((DropoutLayer) net.layers().get(0)).lastMask();
        float[] yTest = net.forward(x, n, Pass.inference()).clone();
        for (int r = 0; r < n; r++) {
            for (int o = 0; o < 3; o++) {
                double classicTrain = w[18 + o];
                double classicTest = w[18 + o];
                for (int i = 0; i < 6; i++) {
                    double wc = w[o * 6 + i] / p;
                    double bernoulli = mask[r * 6 + i] == 0f ? 0 : 1;
                    classicTrain += wc * bernoulli * x[r * 6 + i];
                    classicTest += (wc * p) * x[r * 6 + i];
                }
                assertEquals(classicTrain, yTrain[r * 3 + o], 1e-4);
                assertEquals(classicTest, yTest[r * 3 + o], 1e-4);
            }
        }
    }

    @Test
    void weightScaledInferenceMatchesTheAverageOfManyThinnedNetworks() {
        // Dropout feeding a linear layer: the weight-scaled output is the exact expectation of the
        // thinned networks' outputs, so the Monte-Carlo average converges to it. With k passes the
        // standard error is sd / sqrt(k); the tolerance is 5 standard errors of each output.
        ModelSpec spec = new ModelSpec(20, List.of(new LayerSpec.Dense(50), new LayerSpec.Relu(),
                new LayerSpec.Dropout(0.5), new LayerSpec.Dense(4)), LossKind.MSE);
        Network net = Network.create(spec, 4);
        int n = 8;
        int k = 4000;
        float[] x = new float[n * 20];
        Random rnd = new Random(9);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] scaled = net.forward(x, n, Pass.inference()).clone();
        float[] mc = Evaluator.predictMonteCarlo(net, x, n, null, k, 11);
        double[] sq = new double[n * 4];
        for (int pass = 0; pass < 200; pass++) {
            float[] y = net.forward(x, n, Pass.mcDropout(99, pass, null));
            for (int i = 0; i < n * 4; i++) {
                sq[i] += Math.pow(y[i] - scaled[i], 2) / 200;
            }
        }
        for (int i = 0; i < n * 4; i++) {
            double se = Math.sqrt(sq[i] / k);
            assertEquals(scaled[i], mc[i], 5 * se, "output " + i);
            assertTrue(sq[i] > 0, "dropout must actually vary the output");
        }
        // The average is over k thinned networks, pass p drawing the masks of Pass.mcDropout(seed, p):
        // an implementation that stopped sampling masks (or reused one) would fail here.
        double[] expected = new double[n * 4];
        for (int pass = 0; pass < k; pass++) {
            float[] y = net.forward(x, n, Pass.mcDropout(11, pass, null));
            for (int i = 0; i < n * 4; i++) {
                expected[i] += y[i];
            }
        }
        int differ = 0;
        for (int i = 0; i < n * 4; i++) {
            assertEquals(expected[i] / k, mc[i], 1e-5 * (1 + Math.abs(mc[i])), "output " + i);
            if (Math.abs(mc[i] - scaled[i]) > 1e-6) {
                differ++;
            }
        }
        assertTrue(differ > n * 4 * 9 / 10, "the Monte-Carlo average must differ from the weight-scaled network at finite k: "
                + differ + " of " + n * 4 + " outputs differ");
        float[] single = Evaluator.predictMonteCarlo(net, x, n, null, 1, 11);
        float[] first = net.forward(x, n, Pass.mcDropout(11, 0, null));
        assertArrayEquals(first, single, 0f);
    }

    @Test
    void classifierPredictionsOfMonteCarloAndWeightScalingAgree() {
        ModelSpec spec = new ModelSpec(20, List.of(new LayerSpec.Dense(64), new LayerSpec.Tanh(),
                new LayerSpec.Dropout(0.3), new LayerSpec.Dense(5), new LayerSpec.Softmax()),
                LossKind.SOFTMAX_CROSS_ENTROPY);
        Network net = Network.create(spec, 5);
        int n = 200;
        float[] x = new float[n * 20];
        Random rnd = new Random(10);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] scaled = net.forward(x, n, Pass.inference()).clone();
        float[] mc = Evaluator.predictMonteCarlo(net, x, n, null, 300, 12);
        int agree = 0;
        for (int r = 0; r < n; r++) {
            if (Network.argmax(scaled, r * 5, 5) == Network.argmax(mc, r * 5, 5)) {
                agree++;
            }
        }
        assertTrue(agree >= 0.9 * n, "argmax agreement " + agree + "/" + n);
    }
}
