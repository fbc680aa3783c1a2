package org.sparknn.nn;

import org.junit.jupiter.api.Test;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.Updater;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Gradient checks of the image layers inside small networks on [2, 6, 6] inputs, at
 * initialization and after some training (as {@link GradientCheckTest} does for dense layers).
 * The layer under test sits after a convolution, so a wrong input gradient of it shows up in the
 * convolution's weight gradients; the input gradients of the first layers are checked directly.
 */
class ImageLayerGradientTest {
    private static final int N = 4;
    private static final int[] SHAPE = {2, 6, 6};
    private static final int IN = 2 * 6 * 6;
    private static final int CLASSES = 3;
    private static final long SEED = 7;

    private final Random random = new Random(13);

    private float[] inputs() {
        float[] x = new float[N * IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private static float[] labels() {
        float[] y = new float[N];
        for (int i = 0; i < N; i++) {
            y[i] = i % CLASSES;
        }
        return y;
    }

    /** conv 3x3 (stride 1, padding 1), then the layers under test, then flatten-dense-softmax. */
    private static ModelSpec afterConv(LayerSpec... middle) {
        List<LayerSpec> layers = new ArrayList<>();
        layers.add(new LayerSpec.Conv2d(3, 3, 1, 1));
        layers.addAll(List.of(middle));
        layers.add(new LayerSpec.Flatten());
        layers.add(new LayerSpec.Dense(CLASSES));
        layers.add(new LayerSpec.Softmax());
        return new ModelSpec(SHAPE, layers, LossKind.SOFTMAX_CROSS_ENTROPY);
    }

    private static Pass trainPass() {
        long[] ids = new long[N];
        for (int i = 0; i < N; i++) {
            ids[i] = 200 + i;
        }
        return Pass.train(SEED, 3, ids);
    }

    private void checkParams(String what, ModelSpec spec) {
        float[] x = inputs();
        float[] y = labels();
        Pass pass = trainPass();
        Network net = Network.create(spec, SEED);
        checkOnce(what + " at init", net, x, y, pass);
        TrainConfig config = TrainConfig.defaults().with("optimizer", "adam").with("learningRate", 0.05);
        Updater updater = new Updater(config, net.store(), 10);
        for (int s = 0; s < 5; s++) {
            net.gradientSum(x, y, N, pass);
            updater.apply(net.store().values(), net.store().grads());
        }
        checkOnce(what + " after 5 steps", net, x, y, pass);
        checkInputGradient(what + " input gradient", net, x, y, pass);
    }

    private static void checkOnce(String what, Network net, float[] x, float[] y, Pass pass) {
        net.gradientSum(x, y, N, pass);
        float[] analytic = net.store().grads().clone();
        GradientCheck.check(what, net.store().values(), analytic, () -> net.gradientSum(x, y, N, pass).lossSum());
    }

    /** dLoss/dInput through every layer, the first included, against perturbations of the input. */
    private static void checkInputGradient(String what, Network net, float[] x, float[] y, Pass pass) {
        net.gradientSum(x, y, N, pass);
        float[] out = net.forward(x, N, pass);
        float[] g = new float[N * CLASSES];
        // fused softmax cross-entropy: dLoss/dLogits = p - onehot
        for (int r = 0; r < N; r++) {
            for (int k = 0; k < CLASSES; k++) {
                g[r * CLASSES + k] = out[r * CLASSES + k] - (k == (int) y[r] ? 1f : 0f);
            }
        }
        List<Layer> layers = net.layers();
        for (int i = layers.size() - 2; i >= 0; i--) {
            g = layers.get(i).backward(g, N, true);
        }
        float[] dx = java.util.Arrays.copyOf(g, N * IN);
        GradientCheck.check(what, x, dx, () -> net.gradientSum(x, y, N, pass).lossSum());
    }

    @Test
    void conv2dWithStrideAndPadding() {
        // two convolutions: the second's input gradient reaches the first's weights
        ModelSpec spec = new ModelSpec(SHAPE, List.of(new LayerSpec.Conv2d(3, 3, 3, 2, 1, "glorot"), new LayerSpec.Tanh(),
                new LayerSpec.Conv2d(2, 2, 3, 2, 1, "he"), new LayerSpec.Flatten(), new LayerSpec.Dense(CLASSES),
                new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
        checkParams("conv2d stride 2 padding 1", spec);
    }

    @Test
    void conv2dWithStrideLargerThanTheKernel() {
        checkParams("conv2d 1x2 kernel stride 3", afterConv(new LayerSpec.Conv2d(2, 1, 2, 3, 0, "auto")));
    }

    /**
     * Max pooling on the input itself, then conv-tanh-flatten-dense-softmax. After a convolution,
     * a probe of a conv weight moves every window's values at once and switches some maximum in
     * almost every probe (a kink); a probe of one input value switches a maximum only when it is
     * within the probe step of its window's runner-up, which the input gradient check can skip.
     */
    private static ModelSpec poolFirst(LayerSpec pool) {
        return new ModelSpec(SHAPE, List.of(pool, new LayerSpec.Conv2d(3, 2, 1, 0), new LayerSpec.Tanh(),
                new LayerSpec.Flatten(), new LayerSpec.Dense(CLASSES), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
    }

    @Test
    void maxPoolWithStrideAndPadding() {
        checkParams("max_pool2d 3/2/1", poolFirst(new LayerSpec.MaxPool2d(3, 2, 1)));
    }

    @Test
    void maxPoolNonOverlapping() {
        checkParams("max_pool2d 2", poolFirst(new LayerSpec.MaxPool2d(2)));
    }

    @Test
    void avgPoolWithStrideAndPadding() {
        checkParams("avg_pool2d 3/2/1", afterConv(new LayerSpec.AvgPool2d(3, 2, 1)));
        checkParams("avg_pool2d first", poolFirst(new LayerSpec.AvgPool2d(3, 2, 1)));
    }

    @Test
    void globalAveragePooling() {
        checkParams("global_avg_pool", afterConv(new LayerSpec.Tanh(), new LayerSpec.GlobalAvgPool()));
    }

    @Test
    void batchNorm2dInTrainingMode() {
        checkParams("batch_norm2d", afterConv(new LayerSpec.BatchNorm2d(), new LayerSpec.Tanh()));
    }

    @Test
    void spatialDropoutWithFixedMask() {
        // The mask is a function of (seed, step, layer, sample id), fixed across the probes.
        Network net = Network.create(afterConv(new LayerSpec.SpatialDropout(0.5)), SEED);
        net.forward(inputs(), N, trainPass());
        float[] mask = ((SpatialDropoutLayer) net.layers().get(1)).lastMask();
        int dropped = 0;
        for (int i = 0; i < N * 3; i++) {
            dropped += mask[i] == 0f ? 1 : 0;
        }
        org.junit.jupiter.api.Assertions.assertTrue(dropped > 0 && dropped < N * 3, "the mask must drop some channels, not all");
        checkParams("spatial_dropout", afterConv(new LayerSpec.SpatialDropout(0.5)));
    }

    @Test
    void smallCnnEndToEnd() {
        checkParams("conv-bn2d-relu-maxpool-dropout", afterConv(new LayerSpec.BatchNorm2d(), new LayerSpec.Relu(),
                new LayerSpec.MaxPool2d(2), new LayerSpec.SpatialDropout(0.3), new LayerSpec.Conv2d(4, 2, 1, 1)));
    }

    @Test
    void residualBlockWithIdentityShortcut() {
        checkParams("residual identity", afterConv(new LayerSpec.Residual(List.of(new LayerSpec.Conv2d(3, 3, 1, 1),
                new LayerSpec.BatchNorm2d(), new LayerSpec.Tanh(), new LayerSpec.Conv2d(3, 3, 1, 1))), new LayerSpec.Tanh()));
    }

    @Test
    void residualBlockWithProjection() {
        // body [3, 6, 6] -> [5, 3, 3]: the shortcut is a 1x1 convolution with stride 2
        checkParams("residual projection", afterConv(new LayerSpec.Residual(List.of(new LayerSpec.Conv2d(5, 3, 2, 1),
                new LayerSpec.BatchNorm2d(), new LayerSpec.Tanh(), new LayerSpec.Conv2d(5, 3, 1, 1))), new LayerSpec.Tanh()));
    }

    @Test
    void residualBlockOfDenseLayersWithProjection() {
        ModelSpec spec = new ModelSpec(SHAPE, List.of(new LayerSpec.Flatten(), new LayerSpec.Dense(6),
                new LayerSpec.Residual(List.of(new LayerSpec.BatchNorm(), new LayerSpec.Tanh(), new LayerSpec.Dense(4))),
                new LayerSpec.Dense(CLASSES), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
        checkParams("residual dense projection", spec);
    }
}
