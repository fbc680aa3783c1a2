package org.sparknn.cli;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparknn.data.Dataset;
import org.sparknn.data.IdxReader;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.spark.DistributedTrainer;
import org.sparknn.spark.Shards;
import org.sparknn.spark.SparkSetup;
import org.sparknn.spark.StepTimings;
import org.sparknn.train.BatchPlan;
import org.sparknn.train.Batches;
import org.sparknn.train.GlobalStep;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Distributed step benchmark on an embedded local[2] Spark, all in one run: the time of an empty
 * job, the step time split of synchronous training of 784-1024-1024-10 with BN and dropout at
 * global batch 512 on the bundled data, samples/s for P = 1 and P = 2 with driver aggregation
 * (one job per step), P = 2 with exchange=allreduce (one barrier job per epoch) and with local
 * SGD, and the single-thread reference trainer's samples/s on the same model and batches.
 *
 * <pre>SparkBenchMain [--master local[2]] [--epochs N]</pre>
 */
public final class SparkBenchMain {
    private static final int BATCH = 512;

    private SparkBenchMain() {}

    public static void main(String[] args) throws Exception {
        String master = "local[2]";
        int epochs = 4;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--master" -> master = args[i + 1];
                case "--epochs" -> epochs = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; valid: --master, --epochs");
            }
        }
        Dataset train = IdxReader.readDir(Path.of("data/mnist"), "train");
        ModelSpec spec = new ModelSpec(784, List.of(
                new LayerSpec.Dense(1024), new LayerSpec.BatchNorm(), new LayerSpec.Relu(), new LayerSpec.Dropout(0.2),
                new LayerSpec.Dense(1024), new LayerSpec.BatchNorm(), new LayerSpec.Relu(), new LayerSpec.Dropout(0.2),
                new LayerSpec.Dense(10), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
        TrainConfig config = new TrainConfig().epochs(epochs).batchSize(BATCH).optimizer("momentum").learningRate(0.01)
                .bnPopulation("running");
        long stepsPerEpoch = new BatchPlan(config.seed(), BATCH, new int[] {train.size()}).stepsPerEpoch();
        System.out.printf(Locale.ROOT, "model 784-1024-1024-10 + BN + dropout: %,d parameters; global batch %d; %d steps/epoch; %d epochs (first epoch = warm-up, not timed)%n",
                Network.create(spec, 1).store().size(), BATCH, stepsPerEpoch, epochs);

        double reference = referenceSamplesPerSecond(spec, config, train, stepsPerEpoch);
        System.out.printf(Locale.ROOT, "single-thread reference trainer: %,.0f samples/s%n", reference);

        SparkSession spark = SparkSetup.localSession(master, "sparknn-bench", false);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        try {
            double[] samplesPerSecond = new double[3];
            for (int p = 1; p <= 2; p++) {
                double empty = emptyJobMs(sc, p);
                Shards shards = Shards.fromDataset(sc, train, p, config.seed());
                Network net = Network.create(spec, config.seed());
                StepTimings t = DistributedTrainer.fit(shards, null, net, config.copy().workers(p), TrainingListener.silent(),
                        new DistributedTrainer.Options().timeFromStep(stepsPerEpoch)).timings();
                shards.release();
                samplesPerSecond[p] = BATCH / (t.stepMs() / 1e3);
                System.out.printf(Locale.ROOT, "P=%d on %s: empty job %.2f ms; %s%n", p, master, empty, t);
                System.out.printf(Locale.ROOT, "P=%d: %,.0f samples/s; overhead above the empty job: %.2f ms (target <= 15)%n",
                        p, samplesPerSecond[p], t.overheadMs() - empty);
            }
            Shards arShards = Shards.fromDataset(sc, train, 2, config.seed());
            StepTimings ar = DistributedTrainer.fit(arShards, null, Network.create(spec, config.seed()),
                    config.copy().workers(2).exchange("allreduce"), TrainingListener.silent(),
                    new DistributedTrainer.Options().timeFromStep(stepsPerEpoch)).timings();
            arShards.release();
            double allReduce = BATCH / (ar.stepMs() / 1e3);
            System.out.printf(Locale.ROOT, "P=2 exchange=allreduce (one barrier job per epoch): %s%n", ar);
            System.out.printf(Locale.ROOT, "P=2 exchange=allreduce: %,.0f samples/s; scaling efficiency %.2f (target >= 0.8)%n",
                    allReduce, allReduce / (2 * reference));
            Shards shards = Shards.fromDataset(sc, train, 2, config.seed());
            List<org.sparknn.train.EpochMetrics> h = DistributedTrainer.fit(shards, null, Network.create(spec, config.seed()),
                    config.copy().workers(2).syncEvery(4), TrainingListener.silent(), new DistributedTrainer.Options())
                    .training().history();
            shards.release();
            double localSgd = (double) train.size() * (h.size() - 1)
                    / (h.get(h.size() - 1).elapsedSeconds() - h.get(0).elapsedSeconds());
            System.out.printf(Locale.ROOT, "P=2 local SGD (syncEvery=4, parameter averaging): %,.0f samples/s (%.2f x the single-thread reference)%n",
                    localSgd, localSgd / reference);
            System.out.printf(Locale.ROOT, "exchange=driver scaling efficiency: samples/s at P=2 / (2 x single-thread reference) = %.2f (target >= 0.8)%n",
                    samplesPerSecond[2] / (2 * reference));
            System.out.printf(Locale.ROOT, "P=2 vs P=1 speed-up: %.2f%n", samplesPerSecond[2] / samplesPerSecond[1]);
        } finally {
            spark.stop();
        }
    }

    /** The same batches and update as the distributed run, in one thread, timed after the first epoch. */
    private static double referenceSamplesPerSecond(ModelSpec spec, TrainConfig config, Dataset train, long stepsPerEpoch) {
        Network net = Network.create(spec, config.seed());
        BatchPlan plan = new BatchPlan(config.seed(), BATCH, new int[] {train.size()});
        GlobalStep step = new GlobalStep(net, config, stepsPerEpoch);
        Batches batch = new Batches(BATCH, 784, 1);
        long samples = 0;
        long start = 0;
        long global = 0;
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
            if (epoch == 1) {
                start = System.nanoTime();
                samples = 0;
            }
            int[] order = plan.order(epoch, 0);
            for (long s = 0; s < plan.stepsPerEpoch(); s++) {
                int n = plan.count(0, s);
                batch.gather(train, order, plan.from(0, s), n);
                BatchResult r = net.gradientSum(batch.x, batch.labels, n, Pass.train(config.seed(), global++, batch.ids));
                step.apply(n, r.bnStats());
                samples += n;
            }
        }
        return samples / ((System.nanoTime() - start) / 1e9);
    }

    /** Median time of a job with one no-op task per partition over a cached RDD. */
    private static double emptyJobMs(JavaSparkContext sc, int partitions) {
        List<Integer> items = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            items.add(i);
        }
        JavaRDD<Integer> rdd = sc.parallelize(items, partitions).cache();
        rdd.count();
        for (int i = 0; i < 30; i++) {
            rdd.foreachPartition(it -> { });
        }
        double[] t = new double[60];
        for (int i = 0; i < t.length; i++) {
            long start = System.nanoTime();
            rdd.foreachPartition(it -> { });
            t[i] = (System.nanoTime() - start) / 1e6;
        }
        rdd.unpersist(false);
        Arrays.sort(t, 10, t.length);
        return t[10 + (t.length - 10) / 2];
    }
}
