package org.sparknn.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparknn.data.Dataset;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.train.Augmentation;
import org.sparknn.train.ReferenceTrainer;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Augmented training steps through the distributed path: the gradient of P partitions is that of
 * the single-JVM batch augmented by (seed, step, sample id), whatever the partitioning; entry
 * points refuse augmentation a model or solver cannot take.
 */
class AugmentedGradientTest {
    private static final int B = 48;
    private static final long SEED = 17;
    private static final long STEP = 3;
    private static final int[] IMAGE = {1, 28, 28};
    private static final ModelSpec CNN = new ModelSpec(IMAGE, List.of(new LayerSpec.Conv2d(4, 3, 1, 1), new LayerSpec.Relu(),
            new LayerSpec.MaxPool2d(2), new LayerSpec.SpatialDropout(0.25), new LayerSpec.Conv2d(6, 3, 2, 1), new LayerSpec.Relu(),
            new LayerSpec.Flatten(), new LayerSpec.Dense(10), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
    private static final TrainConfig AUGMENTED = TrainConfig.defaults().with("batchSize", B).with("seed", SEED)
            .with("augmentFlip", true).with("augmentShift", 2);

    private static Dataset batch() {
        return SparkTestSession.mnistTrain().slice(1000, 1000 + B);
    }

    private static long[] ids() {
        long[] ids = new long[B];
        for (int i = 0; i < B; i++) {
            ids[i] = i;
        }
        return ids;
    }

    /** The single-JVM gradient sum of the batch, augmented as the config says. */
    private static float[] referenceGradient(Dataset data, TrainConfig config) {
        float[] x = data.features().clone();
        Augmentation.of(config, CNN, false).apply(x, ids(), B, SEED, STEP);
        Network reference = Network.create(CNN, SEED);
        reference.gradientSum(x, data.labels(), B, Pass.train(SEED, STEP, ids()));
        return reference.store().grads().clone();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void augmentedGradientIsTheReferenceGradientOfTheAugmentedBatch(int partitions) {
        Dataset data = batch();
        float[] expected = referenceGradient(data, AUGMENTED);
        float[] plain = referenceGradient(data, TrainConfig.defaults());
        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), data, partitions, SEED);
        try {
            Network net = Network.create(CNN, SEED);
            BatchResult a = DriverExchange.stepGradient(shards, net, AUGMENTED, 0, 0, STEP);
            assertEquals(B, a.count());
            float[] got = net.store().grads();
            double offPlain = 0;
            double norm = 0;
            for (int i = 0; i < got.length; i++) {
                double e = expected[i] / B;
                assertEquals(e, got[i] / B, 1e-6 + 1e-4 * Math.abs(e), "coordinate " + i);
                offPlain += Math.pow(got[i] / B - plain[i] / B, 2);
                norm += e * e;
            }
            // augmentation changed the batch: the gradient is far from the unaugmented one
            assertTrue(Math.sqrt(offPlain / norm) > 0.05, "relative distance to the unaugmented gradient "
                    + Math.sqrt(offPlain / norm));
        } finally {
            shards.release();
        }
    }

    @Test
    void driverAndAllReduceExchangesTrainTheSameAugmentedCnn() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 128);
        TrainConfig config = TrainConfig.defaults().with("epochs", 1).with("batchSize", 32).with("seed", 5)
                .with("augmentFlip", true).with("augmentShift", 2);
        Network[] nets = new Network[2];
        String[] exchanges = {"driver", "allreduce"};
        for (int i = 0; i < 2; i++) {
            Shards shards = Shards.fromDataset(SparkTestSession.jsc(), data, 2, config);
            try {
                nets[i] = Network.create(CNN, 5);
                SparkTrainer.fit(shards, null, nets[i], config.with("exchange", exchanges[i]), TrainingListener.silent());
            } finally {
                shards.release();
            }
        }
        assertArrayEquals(nets[0].store().values(), nets[1].store().values(), 0f);
    }

    @Test
    void onePartitionTrainsTheAugmentedCnnBitIdenticallyToTheReferenceTrainer() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 96);
        TrainConfig config = TrainConfig.defaults().with("exchange", "driver").with("epochs", 1).with("batchSize", 32)
                .with("seed", 8).with("augmentFlip", true).with("augmentShift", 2);
        Network distributed = Network.create(CNN, 8);
        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), data, 1, config);
        try {
            SparkTrainer.fit(shards, null, distributed, config, TrainingListener.silent());
        } finally {
            shards.release();
        }
        Network reference = Network.create(CNN, 8);
        ReferenceTrainer.fit(reference, data, null, config, TrainingListener.silent());
        assertArrayEquals(reference.store().values(), distributed.store().values(), 0f);
        Network plain = Network.create(CNN, 8);
        ReferenceTrainer.fit(plain, data, null, config.with("augmentFlip", false).with("augmentShift", 0),
                TrainingListener.silent());
        assertFalse(java.util.Arrays.equals(plain.store().values(), reference.store().values()), "augmentation changed nothing");
    }

    @Test
    void sparkTrainerRefusesAugmentationANonImageModelOrAFullBatchSolverCannotTake() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 64);
        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), data, 2, SEED);
        try {
            ModelSpec dense = new ModelSpec(784, List.of(new LayerSpec.Dense(10), new LayerSpec.Softmax()),
                    LossKind.SOFTMAX_CROSS_ENTROPY);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkTrainer.fit(shards, null,
                    Network.create(dense, 1), TrainConfig.defaults().with("augmentFlip", true), TrainingListener.silent()));
            assertTrue(e.getMessage().contains("augmentFlip=true") && e.getMessage().contains("[784]"), e.getMessage());

            ModelSpec image = new ModelSpec(IMAGE, List.of(new LayerSpec.Flatten(), new LayerSpec.Dense(10),
                    new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
            e = assertThrows(IllegalArgumentException.class, () -> SparkTrainer.fit(shards, null, Network.create(image, 1),
                    TrainConfig.defaults().with("augmentShift", 1).with("solver", "lbfgs"), TrainingListener.silent()));
            assertTrue(e.getMessage().contains("augmentShift") && e.getMessage().contains("solver lbfgs"), e.getMessage());
        } finally {
            shards.release();
        }
    }
}
