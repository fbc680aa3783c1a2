package org.sparknn.nn;

import org.junit.jupiter.api.Test;
import org.sparknn.data.Dataset;
import org.sparknn.data.IdxReader;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.Evaluator;
import org.sparknn.train.ReferenceTrainer;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;
import org.sparknn.train.TrainingResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny CNN trains through the single-JVM reference trainer, as the MLPs do. */
class CnnTrainingTest {
    private static final ModelSpec TINY = new ModelSpec(new int[] {1, 28, 28}, List.of(new LayerSpec.Conv2d(4, 3, 1, 1),
            new LayerSpec.BatchNorm2d(), new LayerSpec.Relu(), new LayerSpec.MaxPool2d(2), new LayerSpec.Flatten(),
            new LayerSpec.Dense(10), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);

    @Test
    void tinyCnnLossDecreasesAndBnPopulationIsEstimated() throws IOException {
        Dataset train = IdxReader.readDir(Path.of("data/mnist"), "train").slice(0, 512);
        Dataset test = IdxReader.readDir(Path.of("data/mnist"), "test").slice(0, 256);
        TrainConfig config = TrainConfig.defaults().with("epochs", 3).with("batchSize", 32).with("learningRate", 0.005)
                .with("seed", 3);
        Network net = Network.create(TINY, 3);
        float[] initialState = net.store().state().clone();
        TrainingResult result = ReferenceTrainer.fit(net, train, null, config, TrainingListener.silent());
        List<EpochMetrics> h = result.history();
        for (int e = 1; e < h.size(); e++) {
            assertTrue(h.get(e).trainLoss() < h.get(e - 1).trainLoss(), "epoch " + (e + 1) + " loss " + h.get(e).trainLoss()
                    + " after " + h.get(e - 1).trainLoss());
        }
        assertTrue(h.get(h.size() - 1).trainLoss() < 0.7 * h.get(0).trainLoss(), "loss " + h);
        double accuracy = Evaluator.evaluate(net, test, 128).accuracy();
        assertTrue(accuracy > 0.6, "test accuracy " + accuracy + " of 512 training images, 10 classes");
        // the exact population pass wrote BN2d's per-channel mean and variance
        BnLayer bn = net.batchNormLayers().get(0);
        assertTrue(net.store().state()[bn.populationMeanOffset()] != initialState[bn.populationMeanOffset()]);
        // same seed, same data: bit-identical weights
        Network again = Network.create(TINY, 3);
        ReferenceTrainer.fit(again, train, null, config, TrainingListener.silent());
        assertArrayEquals(net.store().values(), again.store().values(), 0f);
    }
}
