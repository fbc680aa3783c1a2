package org.sparknn.spark;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparknn.data.Dataset;
import org.sparknn.nn.BatchNormLayer;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.BatchStats;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.train.TrainConfig;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One global batch split over P partitions gives the single-JVM gradient and BN statistics of that batch. */
class DistributedGradientTest {
    private static final int B = 64;
    private static final long SEED = 21;
    private static final long STEP = 5;

    private static final ModelSpec NO_BN = new ModelSpec(784, List.of(new LayerSpec.Dense(64), new LayerSpec.Relu(),
            new LayerSpec.Dropout(0.3), new LayerSpec.Dense(10), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
    private static final ModelSpec WITH_BN = new ModelSpec(784, List.of(new LayerSpec.Dense(32), new LayerSpec.BatchNorm(),
            new LayerSpec.Relu(), new LayerSpec.Dropout(0.2), new LayerSpec.Dense(10), new LayerSpec.Softmax()),
            LossKind.SOFTMAX_CROSS_ENTROPY);

    private static Dataset batch() {
        return SparkTestSession.mnistTrain().slice(3000, 3000 + B);
    }

    private static long[] ids() {
        long[] ids = new long[B];
        for (int i = 0; i < B; i++) {
            ids[i] = i;
        }
        return ids;
    }

    private static TrainConfig config() {
        return TrainConfig.defaults().with("batchSize", B).with("seed", SEED);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void aggregatedGradientEqualsTheReferenceGradient(int partitions) {
        Dataset data = batch();
        Network reference = Network.create(NO_BN, SEED);
        BatchResult r = reference.gradientSum(data.features(), data.labels(), B, Pass.train(SEED, STEP, ids()));
        float[] expected = reference.store().grads().clone();

        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), data, partitions, SEED);
        try {
            Network net = Network.create(NO_BN, SEED);
            org.sparknn.nn.BatchResult a = DriverExchange.stepGradient(shards, net, config(), 0, 0, STEP);
            assertEquals(B, a.count());
            assertEquals(r.lossSum(), a.lossSum(), 1e-4 * Math.abs(r.lossSum()));
            assertEquals(r.correct(), a.correct());
            float[] got = net.store().grads();
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < got.length; i++) {
                double e = expected[i] / B;
                double g = got[i] / a.count();
                assertEquals(e, g, 1e-6 + 1e-4 * Math.abs(e), "coordinate " + i);
                diff += (e - g) * (e - g);
                norm += e * e;
            }
            assertTrue(Math.sqrt(diff / norm) < 1e-5, "relative error " + Math.sqrt(diff / norm));
        } finally {
            shards.release();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void mergedBnStatisticsEqualThoseOfTheUnionOfLocalBatches(int partitions) {
        Dataset data = batch();
        Network reference = Network.create(WITH_BN, SEED);
        reference.forward(data.features(), B, Pass.train(SEED, STEP, ids()));
        BatchStats direct = ((BatchNormLayer) reference.layers().get(1)).lastStats();

        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), data, partitions, SEED);
        try {
            Network net = Network.create(WITH_BN, SEED);
            org.sparknn.nn.BatchResult a = DriverExchange.stepGradient(shards, net, config(), 0, 0, STEP);
            BatchStats merged = a.bnStats().get(0);
            assertEquals(B, merged.count());
            for (int j = 0; j < merged.features(); j++) {
                assertEquals(direct.mean()[j], merged.mean()[j], 1e-5 * (1 + Math.abs(direct.mean()[j])));
                assertEquals(direct.variance(j), merged.variance(j), 1e-5 * (1 + direct.variance(j)));
            }
        } finally {
            shards.release();
        }
    }
}
