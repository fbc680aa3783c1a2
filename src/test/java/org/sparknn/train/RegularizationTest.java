package org.sparknn.train;

import org.junit.jupiter.api.Test;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.ParamBlock;
import org.sparknn.nn.ParamGroup;
import org.sparknn.nn.Pass;
import org.sparknn.optim.Regularization;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegularizationTest {
    private static final int N = 32;

    private static ModelSpec spec() {
        return new ModelSpec(10, List.of(new LayerSpec.Dense(16), new LayerSpec.BatchNorm(), new LayerSpec.Relu(),
                new LayerSpec.Dense(3), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
    }

    private static float[][] data() {
        Random rnd = new Random(1);
        float[] x = new float[N * 10];
        float[] y = new float[N];
        for (int r = 0; r < N; r++) {
            y[r] = r % 3;
            for (int j = 0; j < 10; j++) {
                x[r * 10 + j] = (float) (rnd.nextGaussian() + (j == r % 3 ? 2 : 0));
            }
        }
        return new float[][] {x, y};
    }

    /** Runs steps of the real update on one batch; the callback sees the weights after each step. */
    private static Network train(TrainConfig config, int steps, java.util.function.Consumer<Network> afterStep) {
        Network net = Network.create(spec(), 3);
        float[][] d = data();
        Updater updater = new Updater(config, net.store(), 10);
        for (int s = 0; s < steps; s++) {
            net.gradientSum(d[0], d[1], N, Pass.train(3, s, null));
            float[] g = net.store().grads();
            for (int i = 0; i < g.length; i++) {
                g[i] /= N;
            }
            updater.apply(net.store().values(), g);
            afterStep.accept(net);
        }
        return net;
    }

    private static double weightNorm(Network net) {
        double s = 0;
        for (ParamBlock b : net.store().blocks()) {
            if (b.group() == ParamGroup.WEIGHT) {
                for (int i = b.offset(); i < b.end(); i++) {
                    s += Math.pow(net.store().values()[i], 2);
                }
            }
        }
        return Math.sqrt(s);
    }

    @Test
    void proximalL1ProducesExactZerosAndLeavesTheImportantWeights() {
        Network plain = train(TrainConfig.defaults().with("optimizer", "sgd").with("learningRate", 0.1), 60, n -> { });
        Network sparse = train(TrainConfig.defaults().with("optimizer", "sgd").with("learningRate", 0.1).with("l1", 0.05), 60, n -> { });
        List<ParamBlock> blocks = sparse.store().blocks();
        assertEquals(0.0, Regularization.sparsity(plain.store().values(), blocks));
        double sparsity = Regularization.sparsity(sparse.store().values(), blocks);
        assertTrue(sparsity > 0.3, "share of exact zeros " + sparsity);
        assertTrue(sparsity < 1.0, "L1 must leave some weights");
        // biases are not regularized by default
        ParamBlock bias = blocks.get(1);
        assertEquals(ParamGroup.BIAS, bias.group());
        for (int i = bias.offset(); i < bias.end(); i++) {
            assertTrue(sparse.store().values()[i] != 0f || plain.store().values()[i] == 0f);
        }
    }

    @Test
    void softThresholdByHand() {
        Network net = Network.create(new ModelSpec(3, List.of(new LayerSpec.Dense(1)), LossKind.MSE), 1);
        float[] w = net.store().values();
        w[0] = 0.5f;
        w[1] = -0.02f;
        w[2] = 0.03f;
        w[3] = 0.01f; // bias: untouched
        new Regularization(0.1, 0, true, 0, false, false).proximalL1(w, net.store().blocks(), 0.3);
        // threshold lr * l1 = 0.03
        assertArrayEquals(new float[] {0.47f, 0f, 0f, 0.01f}, w, 1e-7f);
    }

    @Test
    void clipNormScalesTheWholeGradientDownToTheNorm() {
        // gradient (3, 4, 0, ...) has norm 5; clipped to 1 it is (0.6, 0.8, 0, ...); SGD with lr 1 subtracts it
        Network net = Network.create(new ModelSpec(3, List.of(new LayerSpec.Dense(2)), LossKind.MSE), 1);
        float[] w = net.store().values();
        float[] before = w.clone();
        float[] g = new float[w.length];
        g[0] = 3;
        g[7] = 4;
        new Updater(TrainConfig.defaults().with("optimizer", "sgd").with("learningRate", 1).with("clipNorm", 1), net.store(), 1)
                .apply(w, g);
        assertEquals(before[0] - 0.6f, w[0], 1e-6);
        assertEquals(before[7] - 0.8f, w[7], 1e-6);
        assertEquals(before[1], w[1]);
        // a gradient shorter than clipNorm is left as it is
        float[] w2 = before.clone();
        float[] g2 = new float[w.length];
        g2[0] = 0.3f;
        new Updater(TrainConfig.defaults().with("optimizer", "sgd").with("learningRate", 1).with("clipNorm", 1), net.store(), 1)
                .apply(w2, g2);
        assertEquals(before[0] - 0.3f, w2[0], 1e-7);
    }

    @Test
    void l2ShrinksWeights() {
        // With a zero data gradient, one SGD step with L2 multiplies each weight by (1 - lr l2)
        Network net = Network.create(new ModelSpec(3, List.of(new LayerSpec.Dense(2)), LossKind.MSE), 1);
        float[] w = net.store().values();
        float[] before = w.clone();
        Updater updater = new Updater(TrainConfig.defaults().with("optimizer", "sgd").with("learningRate", 0.5).with("l2", 0.2), net.store(), 1);
        updater.apply(w, new float[w.length]);
        for (int i = 0; i < 6; i++) {
            assertEquals(before[i] * 0.9f, w[i], 1e-6);
        }
        assertEquals(before[6], w[6]);
        assertEquals(before[7], w[7]);

        Network plain = train(TrainConfig.defaults().with("optimizer", "sgd").with("learningRate", 0.1), 60, n -> { });
        Network l2 = train(TrainConfig.defaults().with("optimizer", "sgd").with("learningRate", 0.1).with("l2", 0.05), 60, n -> { });
        assertTrue(weightNorm(l2) < 0.9 * weightNorm(plain), weightNorm(l2) + " vs " + weightNorm(plain));
    }

    @Test
    void decoupledWeightDecayActsOncePerStepOnWeightsOnly() {
        Network net = Network.create(new ModelSpec(3, List.of(new LayerSpec.Dense(2)), LossKind.MSE), 1);
        float[] w = net.store().values();
        w[6] = 1f;
        float[] before = w.clone();
        Updater updater = new Updater(TrainConfig.defaults().with("optimizer", "adamw").with("learningRate", 0.1).with("weightDecay", 0.3), net.store(), 1);
        updater.apply(w, new float[w.length]);
        for (int i = 0; i < 6; i++) {
            assertEquals(before[i] * (1 - 0.1f * 0.3f), w[i], 1e-6);
        }
        assertEquals(1f, w[6]);
    }

    @Test
    void maxNormHoldsAfterEveryStep() {
        double c = 0.5;
        int[] clipped = {0};
        train(TrainConfig.defaults().with("optimizer", "sgd").with("learningRate", 0.5).with("maxNorm", c), 30, net -> {
            for (ParamBlock b : net.store().blocks()) {
                if (b.group() != ParamGroup.WEIGHT) {
                    continue;
                }
                for (int u = 0; u < b.units(); u++) {
                    double s = 0;
                    for (int i = 0; i < b.fanIn(); i++) {
                        s += Math.pow(net.store().values()[b.offset() + u * b.fanIn() + i], 2);
                    }
                    double norm = Math.sqrt(s);
                    assertTrue(norm <= c * (1 + 1e-6), "unit " + u + " of " + b.name() + " has norm " + norm);
                    if (norm > c * (1 - 1e-6)) {
                        clipped[0]++;
                    }
                }
            }
        });
        assertTrue(clipped[0] > 0, "the constraint never became active; the test would prove nothing");
    }

    @Test
    void penaltyIsAddedToTheReportedLoss() {
        Network net = Network.create(spec(), 3);
        Updater updater = new Updater(TrainConfig.defaults().with("l1", 0.01).with("l2", 0.1), net.store(), 1);
        double abs = 0;
        double sq = 0;
        for (ParamBlock b : net.store().blocks()) {
            if (b.group() == ParamGroup.WEIGHT) {
                for (int i = b.offset(); i < b.end(); i++) {
                    abs += Math.abs(net.store().values()[i]);
                    sq += Math.pow(net.store().values()[i], 2);
                }
            }
        }
        assertEquals(0.01 * abs + 0.05 * sq, updater.penalty(net.store().values()), 1e-9);
    }
}
