package org.sparknn.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparknn.data.Dataset;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.BatchStats;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** CNNs through the distributed step: the gradient of P partitions, merged BN2d statistics, both exchanges. */
class CnnDistributedTest {
    private static final int B = 48;
    private static final long SEED = 17;
    private static final long STEP = 3;
    private static final int[] IMAGE = {1, 28, 28};

    /** No BN (per-worker batch statistics would make P > 1 differ); spatial dropout masks keyed by sample id. */
    private static final ModelSpec NO_BN = new ModelSpec(IMAGE, List.of(new LayerSpec.Conv2d(4, 3, 1, 1), new LayerSpec.Relu(),
            new LayerSpec.MaxPool2d(2), new LayerSpec.SpatialDropout(0.25), new LayerSpec.Conv2d(6, 3, 2, 1), new LayerSpec.Relu(),
            new LayerSpec.Flatten(), new LayerSpec.Dense(10), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
    private static final ModelSpec WITH_BN = new ModelSpec(IMAGE, List.of(new LayerSpec.Conv2d(4, 3, 1, 1), new LayerSpec.BatchNorm2d(),
            new LayerSpec.Relu(), new LayerSpec.MaxPool2d(2),
            new LayerSpec.Residual(List.of(new LayerSpec.Conv2d(6, 3, 2, 1), new LayerSpec.BatchNorm2d())), new LayerSpec.Relu(),
            new LayerSpec.GlobalAvgPool(), new LayerSpec.Dense(10), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);

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

    private static TrainConfig config() {
        return TrainConfig.defaults().with("batchSize", B).with("seed", SEED);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aggregatedCnnGradientEqualsTheReferenceGradient(int partitions) {
        Dataset data = batch();
        Network reference = Network.create(NO_BN, SEED);
        BatchResult r = reference.gradientSum(data.features(), data.labels(), B, Pass.train(SEED, STEP, ids()));
        float[] expected = reference.store().grads().clone();
        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), data, partitions, SEED);
        try {
            Network net = Network.create(NO_BN, SEED);
            BatchResult a = DriverExchange.stepGradient(shards, net, config(), 0, 0, STEP);
            assertEquals(B, a.count());
            assertEquals(r.lossSum(), a.lossSum(), 1e-4 * Math.abs(r.lossSum()));
            float[] got = net.store().grads();
            for (int i = 0; i < got.length; i++) {
                double e = expected[i] / B;
                assertEquals(e, got[i] / a.count(), 1e-6 + 1e-4 * Math.abs(e), "coordinate " + i);
            }
        } finally {
            shards.release();
        }
    }

    @Test
    void mergedBn2dStatisticsEqualThoseOfTheUnion() {
        Dataset data = batch();
        Network reference = Network.create(WITH_BN, SEED);
        reference.forward(data.features(), B, Pass.train(SEED, STEP, ids()));
        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), data, 2, SEED);
        try {
            Network net = Network.create(WITH_BN, SEED);
            BatchResult a = DriverExchange.stepGradient(shards, net, config(), 0, 0, STEP);
            // only the first BN2d sees the same input on both sides: after it, per-worker statistics differ
            BatchStats direct = reference.batchNormLayers().get(0).lastStats();
            BatchStats merged = a.bnStats().get(0);
            assertEquals(2, a.bnStats().size());
            assertEquals((long) B * 28 * 28, merged.count());
            for (int c = 0; c < merged.features(); c++) {
                assertEquals(direct.mean()[c], merged.mean()[c], 1e-5 * (1 + Math.abs(direct.mean()[c])));
                assertEquals(direct.variance(c), merged.variance(c), 1e-5 * (1 + direct.variance(c)));
            }
        } finally {
            shards.release();
        }
    }

    @Test
    void driverAndAllReduceExchangesTrainTheSameCnn() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 192);
        TrainConfig config = TrainConfig.defaults().with("epochs", 1).with("batchSize", 32).with("seed", 5);
        Network[] nets = new Network[2];
        String[] exchanges = {"driver", "allreduce"};
        for (int i = 0; i < 2; i++) {
            Shards shards = Shards.fromDataset(SparkTestSession.jsc(), data, 2, config);
            try {
                nets[i] = Network.create(WITH_BN, 5);
                SparkTrainer.fit(shards, null, nets[i], config.with("exchange", exchanges[i]), TrainingListener.silent());
            } finally {
                shards.release();
            }
        }
        assertArrayEquals(nets[0].store().values(), nets[1].store().values(), 0f);
        assertArrayEquals(nets[0].store().state(), nets[1].store().state(), 0f);
    }
}
