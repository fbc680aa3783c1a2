package org.sparknn.spark;

import org.junit.jupiter.api.Test;
import org.sparknn.data.Dataset;
import org.sparknn.nn.BatchNormLayer;
import org.sparknn.nn.BatchStats;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.train.ReferenceTrainer;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistributedTrainingTest {
    private static final ModelSpec SPEC = new ModelSpec(784, List.of(new LayerSpec.Dense(32), new LayerSpec.BatchNorm(),
            new LayerSpec.Relu(), new LayerSpec.Dropout(0.3), new LayerSpec.Dense(10), new LayerSpec.Softmax()),
            LossKind.SOFTMAX_CROSS_ENTROPY);

    /** Without BN, so that per-worker batch statistics do not make P = 4 differ from one JVM. */
    private static final ModelSpec NO_BN = new ModelSpec(784, List.of(new LayerSpec.Dense(32), new LayerSpec.Relu(),
            new LayerSpec.Dropout(0.3), new LayerSpec.Dense(10), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);

    private static Network fit(Dataset data, int partitions, TrainConfig config) {
        return fit(SPEC, data, partitions, config);
    }

    private static Network fit(ModelSpec spec, Dataset data, int partitions, TrainConfig config) {
        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), data, partitions, config);
        try {
            Network net = Network.create(spec, config.get(TrainConfig.SEED));
            SparkTrainer.fit(shards, null, net, config, TrainingListener.silent());
            return net;
        } finally {
            shards.release();
        }
    }

    @Test
    void sameSeedSamePartitionsIsBitIdenticalAndSurvivesATaskFailure() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 1200);
        TrainConfig config = TrainConfig.defaults().with("exchange", "driver").with("epochs", 2).with("batchSize", 100).with("seed", 3).with("l2", 1e-4);
        Network a = fit(data, 2, config);
        Network b = fit(data, 2, config);
        assertArrayEquals(a.store().values(), b.store().values(), 0f);
        assertArrayEquals(a.store().state(), b.store().state(), 0f);

        // Partition 1 fails at global step 7 on its first attempt; Spark retries it.
        Network retried;
        try (FaultInjection failure = FaultInjection.firstAttempt(1, 7)) {
            retried = fit(data, 2, config);
        }
        assertArrayEquals(a.store().values(), retried.store().values(), 0f);
        assertArrayEquals(a.store().state(), retried.store().state(), 0f);

        Network otherSeed = fit(data, 2, config.with("seed", 4));
        assertFalse(java.util.Arrays.equals(a.store().values(), otherSeed.store().values()));
    }

    @Test
    void allReduceExchangeGivesBitIdenticalWeightsToDriverAggregation() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 1200);
        TrainConfig config = TrainConfig.defaults().with("exchange", "driver").with("epochs", 2).with("batchSize", 100).with("seed", 3).with("l2", 1e-4).with("maxNorm", 3);
        for (int partitions : new int[] {1, 2}) {
            Network driver = fit(data, partitions, config);
            Network allReduce = fit(data, partitions, config.with("exchange", "allreduce"));
            Network encrypted = fit(data, partitions, config.with("exchange", "allreduce").with("encryptExchange", true));
            assertArrayEquals(allReduce.store().values(), encrypted.store().values(), 0f);
            assertArrayEquals(driver.store().values(), allReduce.store().values(), 0f, "P=" + partitions);
            assertArrayEquals(driver.store().state(), allReduce.store().state(), 0f, "P=" + partitions);
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> fit(data, 2, config.with("exchange", "allreduce").with("syncEvery", 4)));
        assertTrue(e.getMessage().contains("syncEvery"), e.getMessage());
    }

    /** A fit with validation shards split in {@code validationPartitions}: the result and the descriptions of the jobs it ran. */
    private record Validated(Network net, org.sparknn.train.TrainingResult result, List<String> jobs) {
    }

    private static Validated fitValidated(Dataset data, Dataset validation, int partitions, int validationPartitions,
                                          TrainConfig config) {
        Shards train = Shards.fromDataset(SparkTestSession.jsc(), data, partitions, config);
        Shards val = Shards.fromDataset(SparkTestSession.jsc(), validation, validationPartitions, config);
        List<String> jobs = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
                jobs.add(String.valueOf(start.properties().getProperty("spark.job.description")));
            }
        };
        org.apache.spark.SparkContext sc = SparkTestSession.jsc().sc();
        try {
            Network net = Network.create(SPEC, config.get(TrainConfig.SEED));
            sc.addSparkListener(listener);
            org.sparknn.train.TrainingResult result = SparkTrainer.fit(train, val, net, config, TrainingListener.silent()).training();
            try {
                sc.listenerBus().waitUntilEmpty(10_000);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("Spark's listener bus did not drain in 10 s", e);
            }
            return new Validated(net, result, List.copyOf(jobs));
        } finally {
            sc.removeSparkListener(listener);
            train.release();
            val.release();
        }
    }

    @Test
    void allReduceTrainsAllEpochsInOneJobValidatingInItLikeTheDriverExchange() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 1200);
        Dataset validation = SparkTestSession.mnistTrain().slice(1200, 1500);
        TrainConfig config = TrainConfig.defaults().with("epochs", 3).with("batchSize", 100).with("seed", 3).with("l2", 1e-4)
                .with("bnPopulation", "running");
        Validated driver = fitValidated(data, validation, 2, 2, config.with("exchange", "driver"));
        Validated allReduce = fitValidated(data, validation, 2, 2, config.with("exchange", "allreduce"));
        // validation split in 3 shards for 2 workers: partition 0 evaluates shards 0 and 2, partition 1 shard 1
        Validated apart = fitValidated(data, validation, 2, 3, config.with("exchange", "allreduce"));
        for (Validated v : List.of(allReduce, apart)) {
            assertArrayEquals(driver.net().store().values(), v.net().store().values(), 0f);
            assertArrayEquals(driver.net().store().state(), v.net().store().state(), 0f);
            for (int e = 0; e < 3; e++) {
                org.sparknn.train.EpochMetrics d = driver.result().history().get(e);
                org.sparknn.train.EpochMetrics a = v.result().history().get(e);
                assertEquals(e + 1, a.epoch());
                assertEquals(d.step(), a.step());
                // the same shards merged in shard order: the same bits; 3 shards group the loss sum otherwise
                assertEquals(d.validationLoss(), a.validationLoss(), v == allReduce ? 0 : 1e-12, "epoch " + (e + 1));
                assertEquals(d.validationAccuracy(), a.validationAccuracy(), 0, "epoch " + (e + 1));
                assertEquals(d.trainLoss(), a.trainLoss(), 1e-9, "epoch " + (e + 1));
                assertEquals(d.trainAccuracy(), a.trainAccuracy(), 0, "epoch " + (e + 1));
                assertEquals(d.learningRate(), a.learningRate(), 0, "epoch " + (e + 1));
            }
            assertEquals(driver.result().finalValidation().correct(), v.result().finalValidation().correct());
            assertArrayEquals(driver.result().finalValidation().confusion()[3], v.result().finalValidation().confusion()[3]);
        }
        for (Validated v : List.of(allReduce, apart)) {
            assertEquals(List.of("sparknn train epochs 1-3 of 3 (12 steps each, all-reduce)"),
                    v.jobs().stream().filter(j -> j.startsWith("sparknn train")).toList(), v.jobs().toString());
            assertTrue(v.jobs().stream().noneMatch(j -> j.contains("validation")), v.jobs().toString());
        }

        // A task fails in the second epoch: the rerun starts from the driver's model after the
        // first, whose figures are reported once; everything ends as without the failure.
        try (FaultInjection failure = FaultInjection.once(1, 17)) {
            Validated retried = fitValidated(data, validation, 2, 2, config.with("exchange", "allreduce"));
            assertEquals(1, failure.fired());
            assertEquals(12, failure.firstStepAfterFiring());
            assertArrayEquals(allReduce.net().store().values(), retried.net().store().values(), 0f);
            assertEquals(allReduce.result().history().stream().map(m -> m.validationLoss()).toList(),
                    retried.result().history().stream().map(m -> m.validationLoss()).toList());
            assertEquals(2, retried.jobs().stream().filter(j -> j.startsWith("sparknn train")).count(), retried.jobs().toString());
        }
    }

    @Test
    void autoExchangeTakesAllReduceOnlyWhenAllWorkersFitTheCluster() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 300);
        TrainConfig config = TrainConfig.defaults().with("epochs", 1).with("batchSize", 60);
        int slots = SparkTestSession.jsc().sc().maxNumConcurrentTasks(
                SparkTestSession.jsc().sc().resourceProfileManager().defaultResourceProfile());
        for (int partitions : new int[] {slots, slots + 1}) {
            Shards shards = Shards.fromDataset(SparkTestSession.jsc(), data, partitions, 1);
            try {
                TrainingRun run = new TrainingRun(shards, Network.create(SPEC, 1), config);
                assertEquals(partitions <= slots ? org.sparknn.train.Choices.ExchangeMode.ALLREDUCE
                        : org.sparknn.train.Choices.ExchangeMode.DRIVER, Exchange.choose(run), "P=" + partitions + ", slots " + slots);
            } finally {
                shards.release();
            }
        }
    }

    @Test
    void fourWorkersOnLocal4AllReduceLikeTheDriver() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 800);
        TrainConfig config = TrainConfig.defaults().with("epochs", 2).with("batchSize", 100).with("seed", 6).with("l2", 1e-4);
        SparkTestSession.stop();
        org.apache.spark.sql.SparkSession four = SparkSetup.localSession("local[4]", "sparknn-four", false);
        try {
            org.apache.spark.api.java.JavaSparkContext sc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(four.sparkContext());
            Network[] nets = new Network[2];
            String[] exchanges = {"driver", "allreduce"};
            for (int i = 0; i < 2; i++) {
                Shards shards = Shards.fromDataset(sc, data, 4, 6);
                try {
                    nets[i] = Network.create(SPEC, 6);
                    SparkTrainer.fit(shards, null, nets[i], config.with("exchange", exchanges[i]), TrainingListener.silent());
                } finally {
                    shards.release();
                }
            }
            assertArrayEquals(nets[0].store().values(), nets[1].store().values(), 0f);
            assertArrayEquals(nets[0].store().state(), nets[1].store().state(), 0f);
        } finally {
            four.stop();
        }
    }

    @Test
    void shardsOfManyBlocksOnDiskTrainLikeBlocksInMemoryAndLikeTheReference() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 900);
        TrainConfig config = TrainConfig.defaults().with("exchange", "driver").with("epochs", 2).with("batchSize", 64)
                .with("seed", 5).with("blockRows", 100);
        // one shard of 9 blocks: the reference trainer visits the blocks as the cached shard does
        Network reference = Network.create(SPEC, 5);
        ReferenceTrainer.fit(reference, data, null, config, TrainingListener.silent());
        Network onDisk = fit(data, 1, config.with("shardStorage", "disk"));
        assertArrayEquals(reference.store().values(), onDisk.store().values(), 0f);
        assertArrayEquals(reference.store().state(), onDisk.store().state(), 0f);
        // two shards of 5 blocks each: where Spark keeps the blocks and which exchange runs change nothing
        Network driverOnDisk = fit(data, 2, config.with("shardStorage", "disk"));
        Network allReduceSerialized = fit(data, 2, config.with("shardStorage", "memory_and_disk_ser").with("exchange", "allreduce"));
        Network inMemory = fit(data, 2, config.with("shardStorage", "memory"));
        assertArrayEquals(driverOnDisk.store().values(), allReduceSerialized.store().values(), 0f);
        assertArrayEquals(driverOnDisk.store().values(), inMemory.store().values(), 0f);
        assertArrayEquals(driverOnDisk.store().state(), allReduceSerialized.store().state(), 0f);
        // the block size is part of the visiting order
        Network oneBlock = fit(data, 2, config.with("blockRows", 0));
        assertFalse(java.util.Arrays.equals(driverOnDisk.store().values(), oneBlock.store().values()));
    }

    @Test
    void onePartitionIsBitIdenticalToTheReferenceTrainer() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 600);
        TrainConfig config = TrainConfig.defaults().with("exchange", "driver").with("epochs", 2).with("batchSize", 64).with("seed", 8).with("l1", 1e-4).with("maxNorm", 2);
        Network distributed = fit(data, 1, config);
        Network reference = Network.create(SPEC, config.get(TrainConfig.SEED));
        ReferenceTrainer.fit(reference, data, null, config, TrainingListener.silent());
        assertArrayEquals(reference.store().values(), distributed.store().values(), 0f);
        assertArrayEquals(reference.store().state(), distributed.store().state(), 0f);
    }

    @Test
    void penaltiesConstraintsAndDecayActOncePerStepOnTheDriver() {
        // One epoch of one global batch holding every row: P = 4 must give the single-JVM step.
        Dataset data = SparkTestSession.mnistTrain().slice(100, 164);
        TrainConfig config = TrainConfig.defaults().with("exchange", "driver").with("epochs", 1).with("batchSize", 64).with("seed", 2).with("optimizer", "sgd").with("learningRate", 0.5)
                .with("l1", 0.01).with("l2", 0.1).with("weightDecay", 0.05).with("maxNorm", 0.8);
        Network distributed = fit(NO_BN, data, 4, config);
        Network reference = Network.create(NO_BN, config.get(TrainConfig.SEED));
        ReferenceTrainer.fit(reference, data, null, config, TrainingListener.silent());
        Network unregularized = Network.create(NO_BN, config.get(TrainConfig.SEED));
        ReferenceTrainer.fit(unregularized, data, null, TrainConfig.defaults().with("exchange", "driver").with("epochs", 1).with("batchSize", 64).with("seed", 2)
                .with("optimizer", "sgd").with("learningRate", 0.5), TrainingListener.silent());
        float[] d = distributed.store().values();
        float[] r = reference.store().values();
        float[] u = unregularized.store().values();
        double maxDiff = 0;
        double regEffect = 0;
        for (int i = 0; i < d.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(d[i] - r[i]));
            regEffect = Math.max(regEffect, Math.abs(r[i] - u[i]));
        }
        assertTrue(maxDiff < 1e-5, "distributed vs single-JVM step differ by " + maxDiff);
        assertTrue(regEffect > 1e-2, "regularization had no visible effect: " + regEffect);
    }

    @Test
    void allReduceEpochThatFailsIsRunAgainFromTheLatestStateCopyAndEndsBitIdentical() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 1200);
        TrainConfig config = TrainConfig.defaults().with("exchange", "driver").with("epochs", 2).with("batchSize", 100).with("seed", 3).with("l2", 1e-4)
                .with("exchange", "allreduce");
        Network clean = fit(data, 2, config);
        // Step 17 is the sixth of the second epoch (12 steps each). Without a copy (the first is due
        // after 30 s) the epoch runs again from its start, step 12.
        try (FaultInjection failure = FaultInjection.once(1, 17)) {
            Network retried = fit(data, 2, config);
            assertEquals(1, failure.fired());
            assertEquals(12, failure.firstStepAfterFiring());
            assertArrayEquals(clean.store().values(), retried.store().values(), 0f);
            assertArrayEquals(clean.store().state(), retried.store().state(), 0f);
        }
        // A copy after every step: the rerun starts after the latest copy that reached the driver
        // before the failure (the one after step 16 unless the failure overtook it).
        try (FaultInjection failure = FaultInjection.once(1, 17)) {
            Network retried = fit(data, 2, config.with("stateCopySeconds", 0));
            assertEquals(1, failure.fired());
            long restart = failure.firstStepAfterFiring();
            assertTrue(restart > 12 && restart <= 17, "the rerun started at step " + restart);
            assertArrayEquals(clean.store().values(), retried.store().values(), 0f);
            assertArrayEquals(clean.store().state(), retried.store().state(), 0f);
        }
    }

    @Test
    void divergenceStopsBothExchangesWithAClearMessage() {
        Dataset data = SparkTestSession.mnistTrain().slice(0, 400);
        for (String exchange : List.of("driver", "allreduce")) {
            TrainConfig config = TrainConfig.defaults().with("exchange", "driver").with("epochs", 1).with("batchSize", 100).with("optimizer", "sgd")
                    .with("learningRate", 1e30).with("exchange", exchange);
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> fit(NO_BN, data, 2, config));
            StringBuilder messages = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append('\n');
            }
            assertTrue(messages.toString().contains("training diverged at step"), exchange + ": " + messages);
        }
    }

    @Test
    void driverPopulationEstimatesMatchAnIndependentComputation() {
        int n = 96;
        int partitions = 3;
        Dataset data = SparkTestSession.mnistTrain().slice(500, 500 + n);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        // Running average after one step (global batch = all rows): 0.9 * (0, 1) + 0.1 * (mean, unbiased var)
        // of the union, with the initial weights; lr 1e-12 keeps the weights where they were.
        TrainConfig running = TrainConfig.defaults().with("exchange", "driver").with("epochs", 1).with("batchSize", n).with("seed", 5).with("optimizer", "sgd").with("learningRate", 1e-12)
                .with("bnPopulation", "running");
        Network net = fit(data, partitions, running);
        Network initial = Network.create(SPEC, 5);
        initial.forward(data.features(), n, Pass.train(5, 0, ids));
        BatchNormLayer bn = (BatchNormLayer) initial.layers().get(1);
        BatchStats union = bn.lastStats();
        float[] state = net.store().state();
        for (int j = 0; j < union.features(); j++) {
            assertEquals(0.1 * union.mean()[j], state[bn.populationMeanOffset() + j], 1e-5);
            assertEquals(0.9 + 0.1 * union.unbiasedVariance(j), state[bn.populationVarianceOffset() + j], 1e-4);
        }

        // Exact estimator with the final weights: each partition's local batch is its whole shard,
        // so E[x] = mean of the 3 shard means and Var[x] = mean of the 3 unbiased shard variances.
        TrainConfig exact = running.with("bnPopulation", "exact").with("learningRate", 0.01);
        Network trained = fit(data, partitions, exact);
        Network check = Network.create(SPEC, 5);
        check.store().setValues(trained.store().values());
        BatchNormLayer checkBn = (BatchNormLayer) check.layers().get(1);
        double[] meanSum = new double[32];
        double[] varSum = new double[32];
        for (int p = 0; p < partitions; p++) {
            float[] rows = new float[n * 784];
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (Shards.shardOf(i, n, partitions, 5) == p) {
                    System.arraycopy(data.features(), i * 784, rows, m++ * 784, 784);
                }
            }
            assertEquals(n / partitions, m);
            check.forward(rows, m, Pass.bnStatistics());
            BatchStats s = checkBn.lastStats();
            for (int j = 0; j < 32; j++) {
                meanSum[j] += s.mean()[j];
                varSum[j] += s.m2()[j] / (s.count() - 1);
            }
        }
        float[] exactState = trained.store().state();
        for (int j = 0; j < 32; j++) {
            assertEquals(meanSum[j] / partitions, exactState[checkBn.populationMeanOffset() + j], 1e-4 * (1 + Math.abs(meanSum[j])));
            assertEquals(varSum[j] / partitions, exactState[checkBn.populationVarianceOffset() + j], 1e-4 * (1 + varSum[j]));
        }
    }
}
