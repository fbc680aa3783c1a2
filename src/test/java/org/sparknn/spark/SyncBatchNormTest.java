package org.sparknn.spark;

import org.junit.jupiter.api.Test;
import org.sparknn.data.Dataset;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * batchNormSync: two workers exchanging BN statistics and backward sums through the peers of the
 * all-reduce compute the gradient one worker computes on the union batch; without it they do
 * not. Also the places where it is refused.
 */
class SyncBatchNormTest {
    private static final long SEED = 23;
    private static final long STEP = 4;
    private static final String HOST = "127.0.0.1";
    /** Unequal local batches, so that the merge's weighting matters. */
    private static final int[] SPLIT = {20, 28};

    private static final ModelSpec DENSE_BN = new ModelSpec(784, List.of(new LayerSpec.Dense(24), new LayerSpec.BatchNorm(),
            new LayerSpec.Relu(), new LayerSpec.Dropout(0.2), new LayerSpec.Dense(16), new LayerSpec.BatchNorm(), new LayerSpec.Relu(),
            new LayerSpec.Dense(10), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
    private static final ModelSpec CNN_BN = new ModelSpec(new int[] {1, 28, 28}, List.of(new LayerSpec.Conv2d(4, 3, 1, 1),
            new LayerSpec.BatchNorm2d(), new LayerSpec.Relu(), new LayerSpec.MaxPool2d(2),
            new LayerSpec.Residual(List.of(new LayerSpec.Conv2d(6, 3, 2, 1), new LayerSpec.BatchNorm2d())), new LayerSpec.Relu(),
            new LayerSpec.GlobalAvgPool(), new LayerSpec.Dense(10), new LayerSpec.BatchNorm(), new LayerSpec.Softmax()),
            LossKind.SOFTMAX_CROSS_ENTROPY);

    private static Dataset union() {
        return SparkTestSession.mnistTrain().slice(500, 500 + SPLIT[0] + SPLIT[1]);
    }

    private static long[] ids(int from, int n) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = from + i;
        }
        return ids;
    }

    /** The gradient sum of one network on rows [from, from + n) of the data (n = 0: a worker without rows). */
    private static float[] reference(ModelSpec spec, Dataset data, int from, int n) {
        Network net = Network.create(spec, SEED);
        Dataset part = data.slice(from, from + n);
        net.gradientSum(part.features(), part.labels(), n, Pass.train(SEED, STEP, ids(from, n)));
        return net.store().grads().clone();
    }

    /** Each partition's gradient after the all-reduce: worker p takes the next {@code split[p]} rows. */
    private static float[][] workers(ModelSpec spec, Dataset data, int[] split, boolean sync) throws Exception {
        byte[] secret = Handshake.newSecret();
        ExecutorService pool = Executors.newFixedThreadPool(split.length);
        try (Rendezvous r = new Rendezvous(HOST, split.length, secret)) {
            List<Future<float[]>> tasks = new ArrayList<>();
            int from = 0;
            for (int p = 0; p < split.length; p++) {
                int partition = p;
                int first = from;
                int n = split[p];
                from += n;
                tasks.add(pool.submit(() -> {
                    Network net = Network.create(spec, SEED);
                    try (PeerExchange x = new PeerExchange(HOST, r.address(), secret, partition, split.length, 0, 10_000,
                            BatchResultBytes.maxSize(net), false)) {
                        net.synchronizeBatchNorm(sync ? new PeerBnSync(x) : null);
                        BatchResult local;
                        if (n == 0) { // what LocalStepper does for a worker whose rows are used up
                            net.zeroGrads();
                            net.skipBatchNormSync();
                            local = BatchResult.EMPTY;
                        } else {
                            Dataset part = data.slice(first, first + n);
                            local = net.gradientSum(part.features(), part.labels(), n, Pass.train(SEED, STEP, ids(first, n)));
                        }
                        x.allReduce(net.store().grads(), net.store().size(), BatchResultBytes.encode(local));
                        return net.store().grads().clone();
                    }
                }));
            }
            float[][] out = new float[split.length][];
            for (int p = 0; p < split.length; p++) {
                out[p] = tasks.get(p).get(60, TimeUnit.SECONDS);
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The largest difference between the two gradients, relative to the larger coordinate's size (+ 1e-3). */
    private static double worstDifference(float[] expected, float[] got) {
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - got[i]) / (1e-3 + Math.abs(expected[i])));
        }
        return worst;
    }

    private static void assertSynchronizedEqualsUnion(ModelSpec spec) throws Exception {
        Dataset data = union();
        float[] expected = reference(spec, data, 0, data.size());
        float[][] synced = workers(spec, data, SPLIT, true);
        for (float[] g : synced) {
            assertTrue(worstDifference(expected, g) < 2e-3, "synchronized: " + worstDifference(expected, g));
        }
        assertEquals(0, worstDifference(synced[0], synced[1]), "every worker holds the same sum");
        float[][] local = workers(spec, data, SPLIT, false);
        assertTrue(worstDifference(expected, local[0]) > 0.05, "per-worker BN matched the union: " + worstDifference(expected, local[0]));
    }

    @Test
    void denseBnOverTwoWorkersEqualsOneWorkerOnTheUnion() throws Exception {
        assertSynchronizedEqualsUnion(DENSE_BN);
    }

    @Test
    void bn2dOverTwoWorkersEqualsOneWorkerOnTheUnion() throws Exception {
        assertSynchronizedEqualsUnion(CNN_BN);
    }

    @Test
    void aWorkerWithoutRowsStillTakesPartAndAddsNothing() throws Exception {
        Dataset data = union();
        float[] expected = reference(CNN_BN, data, 0, SPLIT[0]);
        float[][] got = workers(CNN_BN, data, new int[] {SPLIT[0], 0}, true);
        assertTrue(worstDifference(expected, got[1]) < 1e-4, "with an idle worker: " + worstDifference(expected, got[1]));
    }

    private static TrainConfig config() {
        return TrainConfig.defaults().with("epochs", 1).with("batchSize", 16).with("seed", SEED).with("batchNormSync", true)
                .with("progress", false);
    }

    private static String refusal(TrainConfig config) {
        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), SparkTestSession.mnistTrain().slice(0, 64), 2, config);
        try {
            Network net = Network.create(CNN_BN, SEED); // no dropout, which the full-batch solvers refuse first
            return assertThrows(IllegalArgumentException.class,
                    () -> SparkTrainer.fit(shards, null, net, config, TrainingListener.silent())).getMessage();
        } finally {
            shards.release();
        }
    }

    @Test
    void refusedWhereItCannotWork() {
        assertEquals("batchNormSync=true needs exchange=allreduce (the workers exchange BN statistics within a step, which the "
                + "driver exchange's one job per step cannot); the exchange here is driver; set exchange=allreduce or "
                + "batchNormSync=false", refusal(config().with("exchange", "driver")));
        assertEquals("batchNormSync=true needs the workers in one synchronous step, but syncEvery=2 runs local steps; set "
                + "syncEvery=1 or batchNormSync=false", refusal(config().with("syncEvery", 2)));
        String lbfgs = refusal(config().with("solver", "lbfgs").with("exchange", "driver"));
        assertEquals("batchNormSync=true belongs to mini-batch training; solver lbfgs evaluates each shard as one batch; set "
                + "batchNormSync=false or use solver=minibatch", lbfgs);
    }

    /** A real all-reduce fit through the barrier stage, the last step of each epoch with short local batches. */
    @Test
    void allReduceFitWithSynchronizedBnTrains() {
        TrainConfig config = config().with("exchange", "allreduce").with("epochs", 2);
        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), SparkTestSession.mnistTrain().slice(0, 70), 2, config);
        try {
            Network net = Network.create(CNN_BN, SEED);
            SparkTrainer.Result r = SparkTrainer.fit(shards, null, net, config, TrainingListener.silent());
            assertEquals(2, r.training().history().size());
            for (float v : net.store().values()) {
                assertTrue(Float.isFinite(v));
            }
        } finally {
            shards.release();
        }
    }
}
