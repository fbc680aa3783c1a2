package org.sparknn.nn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparknn.optim.Regularization;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.Updater;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gradient checks for every layer, loss and regularizer, at initialization and after some training. */
class GradientCheckTest {
    private static final int N = 8;
    private static final int IN = 5;
    private static final int HIDDEN = 6;
    private static final int CLASSES = 3;
    private static final long SEED = 7;

    private final Random random = new Random(11);

    private float[] inputs() {
        float[] x = new float[N * IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private float[] classLabels() {
        float[] y = new float[N];
        for (int i = 0; i < N; i++) {
            y[i] = i % CLASSES;
        }
        return y;
    }

    private float[] targets(int width, boolean unitInterval) {
        float[] t = new float[N * width];
        for (int i = 0; i < t.length; i++) {
            t[i] = unitInterval ? random.nextFloat() : (float) random.nextGaussian();
        }
        return t;
    }

    private static ModelSpec classifier(LayerSpec middle) {
        List<LayerSpec> layers = new ArrayList<>();
        layers.add(new LayerSpec.Dense(HIDDEN));
        if (middle != null) {
            layers.add(middle);
        }
        layers.add(new LayerSpec.Dense(CLASSES));
        layers.add(new LayerSpec.Softmax());
        return new ModelSpec(IN, layers, LossKind.SOFTMAX_CROSS_ENTROPY);
    }

    /** Checks parameter gradients of the summed loss, then again after a few optimizer steps. */
    private void checkParams(String what, ModelSpec spec, float[] x, float[] y, Pass pass) {
        Network net = Network.create(spec, SEED);
        checkOnce(what + " at init", net, x, y, pass);
        TrainConfig config = TrainConfig.defaults().with("optimizer", "adam").with("learningRate", 0.05);
        Updater updater = new Updater(config, net.store(), 10);
        for (int s = 0; s < 5; s++) {
            net.gradientSum(x, y, N, pass);
            updater.apply(net.store().values(), net.store().grads());
        }
        checkOnce(what + " after 5 steps", net, x, y, pass);
    }

    private static void checkOnce(String what, Network net, float[] x, float[] y, Pass pass) {
        net.gradientSum(x, y, N, pass);
        float[] analytic = net.store().grads().clone();
        GradientCheck.check(what, net.store().values(), analytic, () -> net.gradientSum(x, y, N, pass).lossSum());
    }

    private static Pass trainPass() {
        long[] ids = new long[N];
        for (int i = 0; i < N; i++) {
            ids[i] = 100 + i;
        }
        return Pass.train(SEED, 3, ids);
    }

    @Test
    void denseWithFusedSoftmaxCrossEntropy() {
        checkParams("dense+softmax CE", classifier(null), inputs(), classLabels(), trainPass());
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu", "leaky_relu", "sigmoid", "tanh", "flatten"})
    void activations(String kind) {
        LayerSpec layer = switch (kind) {
            case "relu" -> new LayerSpec.Relu();
            case "leaky_relu" -> new LayerSpec.LeakyRelu(0.1);
            case "sigmoid" -> new LayerSpec.Sigmoid();
            case "tanh" -> new LayerSpec.Tanh();
            default -> new LayerSpec.Flatten();
        };
        checkParams(kind, classifier(layer), inputs(), classLabels(), trainPass());
    }

    @Test
    void dropoutWithFixedMask() {
        // The mask is a function of (seed, step, layer, sample id), fixed across the probes.
        checkParams("dropout", classifier(new LayerSpec.Dropout(0.4)), inputs(), classLabels(), trainPass());
    }

    @Test
    void batchNormInTrainingMode() {
        checkParams("batch norm", classifier(new LayerSpec.BatchNorm()), inputs(), classLabels(), trainPass());
    }

    @Test
    void batchNormFollowedByReluAndDropout() {
        ModelSpec spec = new ModelSpec(IN, List.of(new LayerSpec.Dense(HIDDEN), new LayerSpec.BatchNorm(),
                new LayerSpec.Relu(), new LayerSpec.Dropout(0.3), new LayerSpec.Dense(CLASSES), new LayerSpec.Softmax()),
                LossKind.SOFTMAX_CROSS_ENTROPY);
        checkParams("dense-bn-relu-dropout", spec, inputs(), classLabels(), trainPass());
    }

    @Test
    void inputGradientOfTheFirstHiddenLayersReachesTheInput() {
        // dX of a Dense layer: checked against perturbations of the network input.
        ModelSpec spec = classifier(new LayerSpec.Tanh());
        Network net = Network.create(spec, SEED);
        float[] x = inputs();
        float[] y = classLabels();
        float[] dx = unfusedBackward(net, x, y, true);
        GradientCheck.check("input gradient", x, dx, () -> net.gradientSum(x, y, N, trainPass()).lossSum());
    }

    @Test
    void softmaxOwnBackwardWithUnfusedCrossEntropy() {
        Network net = Network.create(classifier(new LayerSpec.Sigmoid()), SEED);
        float[] x = inputs();
        float[] y = classLabels();
        unfusedBackward(net, x, y, false);
        float[] analytic = net.store().grads().clone();
        GradientCheck.check("softmax backward", net.store().values(), analytic, () -> {
            float[] out = net.forward(x, N, trainPass());
            return unfusedCrossEntropy(out, y, N, CLASSES, new float[N * CLASSES]);
        });
    }

    /** Backward through every layer including the head, with the loss gradient wrt the output. */
    private static float[] unfusedBackward(Network net, float[] x, float[] y, boolean wantInputGrad) {
        net.store().zeroGrads();
        float[] out = net.forward(x, N, trainPass());
        float[] g = new float[N * net.outputSize()];
        unfusedCrossEntropy(out, y, N, net.outputSize(), g);
        List<Layer> layers = net.layers();
        for (int i = layers.size() - 1; i >= 0; i--) {
            g = layers.get(i).backward(g, N, i > 0 || wantInputGrad);
        }
        return g;
    }

    @Test
    void sigmoidWithBinaryCrossEntropyFusedAndUnfused() {
        ModelSpec spec = new ModelSpec(IN, List.of(new LayerSpec.Dense(HIDDEN), new LayerSpec.Tanh(),
                new LayerSpec.Dense(2), new LayerSpec.Sigmoid()), LossKind.BINARY_CROSS_ENTROPY);
        float[] x = inputs();
        float[] t = targets(2, true);
        checkParams("sigmoid+BCE fused", spec, x, t, trainPass());

        Network net = Network.create(spec, SEED);
        net.store().zeroGrads();
        float[] out = net.forward(x, N, trainPass());
        float[] g = new float[N * 2];
        Losses.binaryCrossEntropy(out, t, N, 2, g);
        List<Layer> layers = net.layers();
        for (int i = layers.size() - 1; i >= 0; i--) {
            g = layers.get(i).backward(g, N, i > 0);
        }
        float[] analytic = net.store().grads().clone();
        GradientCheck.check("sigmoid backward + BCE", net.store().values(), analytic,
                () -> Losses.binaryCrossEntropy(net.forward(x, N, trainPass()), t, N, 2, new float[N * 2]));
    }

    @ParameterizedTest
    @ValueSource(strings = {"MSE", "MAE"})
    void regressionLosses(String loss) {
        ModelSpec spec = new ModelSpec(IN, List.of(new LayerSpec.Dense(HIDDEN), new LayerSpec.Tanh(),
                new LayerSpec.Dense(2)), LossKind.valueOf(loss));
        checkParams(loss, spec, inputs(), targets(2, false), trainPass());
    }

    @ParameterizedTest
    @ValueSource(strings = {"l2", "l1-subgradient", "l2-with-biases-and-bn"})
    void regularizedObjective(String kind) {
        ModelSpec spec = new ModelSpec(IN, List.of(new LayerSpec.Dense(HIDDEN), new LayerSpec.BatchNorm(),
                new LayerSpec.Tanh(), new LayerSpec.Dense(CLASSES), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
        Regularization reg = switch (kind) {
            case "l2" -> new Regularization(0, 0.3, true, 0, false, false);
            case "l1-subgradient" -> new Regularization(0.2, 0, false, 0, false, false);
            default -> new Regularization(0, 0.3, true, 0, true, true);
        };
        Network net = Network.create(spec, SEED);
        float[] x = inputs();
        float[] y = classLabels();
        Pass pass = trainPass();
        // objective = mean data loss + penalty, as the update sees it
        net.gradientSum(x, y, N, pass);
        float[] analytic = net.store().grads().clone();
        for (int i = 0; i < analytic.length; i++) {
            analytic[i] /= N;
        }
        reg.addGradient(net.store().values(), analytic, net.store().blocks());
        GradientCheck.check(kind, net.store().values(), analytic,
                () -> net.gradientSum(x, y, N, pass).lossSum() / N + reg.penalty(net.store().values(), net.store().blocks()));
        assertTrue(reg.penalty(net.store().values(), net.store().blocks()) > 0);
    }

    /** Cross-entropy on probabilities (the unfused path, for checking the softmax layer's own backward): dL/dp_y = -1/p_y. */
    private static double unfusedCrossEntropy(float[] probs, float[] labels, int n, int k, float[] grad) {
        double sum = 0;
        for (int r = 0; r < n; r++) {
            int o = r * k;
            int y = (int) labels[r];
            double p = Math.max(probs[o + y], 1e-12);
            sum -= Math.log(p);
            java.util.Arrays.fill(grad, o, o + k, 0f);
            grad[o + y] = (float) (-1.0 / p);
        }
        return sum;
    }
}
