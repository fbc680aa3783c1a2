package org.sparknn.bench;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparknn.data.Dataset;
import org.sparknn.data.IdxReader;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.MlpShape;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.spark.Shards;
import org.sparknn.spark.SparkSetup;
import org.sparknn.spark.SparkTrainer;
import org.sparknn.spark.StepTimings;
import org.sparknn.train.Choices.BnPopulationMode;
import org.sparknn.train.Choices.ExchangeMode;
import org.sparknn.train.Choices.OptimizerKind;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.ReferenceTrainer;
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
 * (one job per step), P = 2 with exchange=allreduce (one barrier job for all epochs) and with local
 * SGD, and the single-thread reference trainer's samples/s on the same model and batches. Every
 * figure comes from the product's own trainers; the first epoch of each run is warm-up. The
 * all-reduce's efficiency is the median of three rounds that alternate it with the reference,
 * after a warm-up run that is printed but not counted.
 *
 * <pre>SparkBenchMain [--master local[2]] [--epochs N] [--bundled-only true]</pre>
 */
public final class SparkBenchMain {
    private static final int BATCH = 512;
    /** Epochs of each bundled-model run, the first not timed (see {@link #bundledModel}). */
    private static final int BUNDLED_EPOCHS = 12;
    private static final int BUNDLED_ROUNDS = 5;

    private SparkBenchMain() {}

    public static void main(String[] args) throws Exception {
        String master = "local[2]";
        int epochs = 4;
        boolean bundledOnly = false;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--master" -> master = args[i + 1];
                case "--epochs" -> epochs = Integer.parseInt(args[i + 1]);
                case "--bundled-only" -> bundledOnly = Boolean.parseBoolean(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; valid: --master, --epochs, --bundled-only");
            }
        }
        Dataset train = IdxReader.readDir(Path.of("data/mnist"), "train");
        if (bundledOnly) {
            SparkSession spark = SparkSetup.localSession(master, "sparknn-bench", false);
            try {
                bundledModel(JavaSparkContext.fromSparkContext(spark.sparkContext()), train, master);
            } finally {
                spark.stop();
            }
            return;
        }
        ModelSpec spec = ModelSpec.mlp(784, new MlpShape(new int[] {1024, 1024}, MlpShape.Activation.RELU, 0.2, true,
                LayerSpec.BatchNorm.DEFAULT_MOMENTUM), 10, LossKind.SOFTMAX_CROSS_ENTROPY);
        TrainConfig config = TrainConfig.defaults().with(TrainConfig.EPOCHS, epochs).with(TrainConfig.BATCH_SIZE, BATCH)
                .with(TrainConfig.OPTIMIZER, OptimizerKind.MOMENTUM).with(TrainConfig.LEARNING_RATE, 0.01)
                .with(TrainConfig.BN_POPULATION, BnPopulationMode.RUNNING);
        long seed = config.get(TrainConfig.SEED);
        System.out.printf(Locale.ROOT, "model 784-1024-1024-10 + BN + dropout: %,d parameters; global batch %d; %d epochs (first epoch = warm-up, not timed)%n",
                spec.paramCount(), BATCH, epochs);

        // The product's single-JVM trainer on the same batches and update, timed after its first epoch.
        List<EpochMetrics> h0 = ReferenceTrainer.fit(Network.create(spec, seed), train, null, config, TrainingListener.silent())
                .history();
        double reference = afterWarmUp(h0, train.size());
        System.out.printf(Locale.ROOT, "single-thread reference trainer: %,.0f samples/s%n", reference);

        SparkSession spark = SparkSetup.localSession(master, "sparknn-bench", false);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        try {
            bundledModel(sc, train, master);
            double[] samplesPerSecond = new double[3];
            for (int p = 1; p <= 2; p++) {
                double empty = emptyJobMs(sc, p);
                StepTimings t = timings(sc, train, spec, config.with(TrainConfig.WORKERS, p)
                        .with(TrainConfig.EXCHANGE, ExchangeMode.DRIVER));
                samplesPerSecond[p] = BATCH / (t.stepMs() / 1e3);
                System.out.printf(Locale.ROOT, "P=%d on %s: empty job %.2f ms; %s%n", p, master, empty, t);
                System.out.printf(Locale.ROOT, "P=%d: %,.0f samples/s; overhead above the empty job: %.2f ms%n",
                        p, samplesPerSecond[p], t.overheadMs() - empty);
            }
            // the reference again, right before: this machine's speed drifts over a run
            double near = afterWarmUp(ReferenceTrainer.fit(Network.create(spec, seed), train, null, config, TrainingListener.silent())
                    .history(), train.size());
            TwoThreads.Rates apart = TwoThreads.apart(spec, train, config);
            TwoThreads.Rates lockStep = TwoThreads.inLockStep(spec, train, config);
            System.out.printf(Locale.ROOT, "two threads training apart at local batch %d, no exchange: %,.0f samples/s together "
                    + "(the faster thread %.2f x the slower), efficiency %.2f against the reference right before; in lock step "
                    + "(a barrier after every step's gradient, no exchange): %,.0f samples/s, efficiency %.2f (the ceiling of "
                    + "synchronous steps on this machine)%n", BATCH / 2, apart.total(), apart.asymmetry(), apart.total() / (2 * near),
                    lockStep.total(), lockStep.total() / (2 * near));
            // A warm-up run, then rounds that alternate the reference and the all-reduce: in a young JVM the
            // all-reduce's steps take a few epochs to settle (the JIT compiles Spark's job code and the path's own).
            TrainConfig allReduceConfig = config.with(TrainConfig.WORKERS, 2).with(TrainConfig.EXCHANGE, ExchangeMode.ALLREDUCE);
            StepTimings warm = timings(sc, train, spec, allReduceConfig);
            System.out.printf(Locale.ROOT, "P=2 exchange=allreduce, warm-up run (not counted): %,.0f samples/s, efficiency %.2f against "
                    + "the reference above%n", BATCH / (warm.stepMs() / 1e3), BATCH / (warm.stepMs() / 1e3) / (2 * near));
            int rounds = 3;
            double[] efficiencies = new double[rounds];
            double[] references = new double[rounds];
            StepTimings[] runs = new StepTimings[rounds];
            for (int round = 0; round < rounds; round++) {
                references[round] = round == 0 ? near : afterWarmUp(ReferenceTrainer.fit(Network.create(spec, seed), train, null,
                        config, TrainingListener.silent()).history(), train.size());
                runs[round] = timings(sc, train, spec, allReduceConfig);
                efficiencies[round] = BATCH / (runs[round].stepMs() / 1e3) / (2 * references[round]);
            }
            int mid = medianIndex(efficiencies);
            StepTimings ar = runs[mid];
            near = references[mid];
            double allReduce = BATCH / (ar.stepMs() / 1e3);
            System.out.printf(Locale.ROOT, "P=2 exchange=allreduce: scaling efficiency against the single-thread reference measured "
                    + "right before, %d rounds: %s (the median round below)%n", rounds, rounded(efficiencies));
            System.out.printf(Locale.ROOT, "P=2 exchange=allreduce (one barrier job for all epochs): %s%n", ar);
            System.out.printf(Locale.ROOT, "P=2 exchange=allreduce: %,.0f samples/s; scaling efficiency %.2f against the single-thread "
                            + "reference measured right before (%,.0f samples/s; %.2f against the first); waiting for the exchange after "
                            + "backward %.2f ms per step; %s%n",
                    allReduce, allReduce / (2 * near), near, allReduce / (2 * reference), ar.exchangeMs(),
                    master.startsWith("local[") && org.sparknn.spark.ExchangeProbe.sharedSumInOneJvm(spec, config)
                            ? (org.sparknn.spark.ExchangeProbe.slicedInOneJvm(spec, config)
                            ? "the tasks of one JVM sum their arrays after backward and split the update (no links to overlap)"
                            : "the tasks of one JVM sum their arrays after backward (no links to overlap)")
                            : String.format(Locale.ROOT, "%.0f%% of the buckets' exchange time overlapped backward", 100 * ar.hiddenShare()));
            double sealOpenMs = 1e3 * org.sparknn.spark.ExchangeProbe.sealAndOpenSeconds(4 * (int) spec.paramCount());
            if (master.startsWith("local[")) { // tasks of one JVM exchange in memory: a sealed run would time nothing extra
                System.out.printf(Locale.ROOT, "encryption: the tasks of one JVM exchange in memory, so encryptExchange=true seals nothing "
                        + "on %s; between executor JVMs each task seals and opens its %.1f MB gradient once per step at P=2, on its "
                        + "exchange threads: %.2f ms%n", master, 4.0 * spec.paramCount() / 1e6, sealOpenMs);
            } else {
                StepTimings sealed = timings(sc, train, spec, config.with(TrainConfig.WORKERS, 2)
                        .with(TrainConfig.EXCHANGE, ExchangeMode.ALLREDUCE).with(TrainConfig.ENCRYPT_EXCHANGE, true));
                System.out.printf(Locale.ROOT, "P=2 exchange=allreduce, encryptExchange=true (AES-GCM): %s%n", sealed);
                System.out.printf(Locale.ROOT, "encryption cost: %.2f ms per step (all-reduce exchange %.2f ms encrypted, %.2f ms in clear); "
                                + "sealing and opening the %.1f MB gradient once (what each task does per step at P=2, on its exchange threads): %.2f ms%n",
                        sealed.stepMs() - ar.stepMs(), sealed.exchangeMs(), ar.exchangeMs(), 4.0 * spec.paramCount() / 1e6, sealOpenMs);
            }
            Shards shards = Shards.fromDataset(sc, train, 2, seed);
            List<EpochMetrics> h = SparkTrainer.fit(shards, null, Network.create(spec, seed),
                    config.with(TrainConfig.WORKERS, 2).with(TrainConfig.SYNC_EVERY, 4), TrainingListener.silent())
                    .training().history();
            shards.release();
            double localSgd = afterWarmUp(h, train.size());
            System.out.printf(Locale.ROOT, "P=2 local SGD (syncEvery=4, parameter averaging): %,.0f samples/s (%.2f x the single-thread reference)%n",
                    localSgd, localSgd / reference);
            System.out.printf(Locale.ROOT, "exchange=driver scaling efficiency: samples/s at P=2 / (2 x single-thread reference) = %.2f%n",
                    samplesPerSecond[2] / (2 * reference));
            System.out.printf(Locale.ROOT, "P=2 vs P=1 speed-up: %.2f%n", samplesPerSecond[2] / samplesPerSecond[1]);
        } finally {
            spark.stop();
        }
    }

    /**
     * The bundled job's model and settings (conf/mnist-mlp.conf): the single-thread reference
     * trainer against P = 2 all-reduce, both after a warm-up epoch, in rounds that alternate the
     * two, so a drift in this machine's speed (which reaches 2x here) touches both sides of each
     * round's ratio alike; the median round is the figure. A first round is run and printed but
     * not counted: in a JVM's first seconds the JIT compiler's threads take a core for
     * milliseconds at a time, and a synchronous step waits for the task they hold back.
     * <p>
     * Each run is {@link #BUNDLED_EPOCHS} epochs of the bundled data (125 steps, about 0.15 s at P = 2),
     * so what is timed is the steady state: with 4 epochs the timed part of a P = 2 run was about
     * 0.6 s, right after its Spark job started, and in a young JVM the JIT's compiler threads took
     * 20-30% of a core during it, compiling Spark's job start-up code (task deserialization, the
     * closure cleaner's class reading) that grows hot one job at a time.
     */
    private static void bundledModel(JavaSparkContext sc, Dataset train, String master) {
        org.sparknn.cli.JobConfig job = org.sparknn.cli.JobConfig.load(Path.of("conf/mnist-mlp.conf"), List.of());
        TrainConfig config = job.training().with(TrainConfig.EPOCHS, BUNDLED_EPOCHS).with(TrainConfig.WORKERS, 2)
                .with(TrainConfig.EXCHANGE, ExchangeMode.ALLREDUCE);
        long seed = config.get(TrainConfig.SEED);
        System.out.printf(Locale.ROOT, "bundled model (conf/mnist-mlp.conf): %,d parameters, batch %d; a warm-up round, then "
                + "rounds of %d epochs each, the first epoch not timed%n", job.model().paramCount(), config.get(TrainConfig.BATCH_SIZE),
                BUNDLED_EPOCHS);
        int rounds = BUNDLED_ROUNDS;
        double[] ratios = new double[rounds];
        double[] ceilings = new double[rounds];
        double[] lockStepCeilings = new double[rounds];
        StepTimings last = null;
        for (int round = -1; round < rounds; round++) { // round 0: the JVM's first run of each path, while the JIT still compiles
            double reference = afterWarmUp(ReferenceTrainer.fit(Network.create(job.model(), seed), train, null, config,
                    TrainingListener.silent()).history(), train.size());
            TwoThreads.Rates apart = TwoThreads.apart(job.model(), train, config);
            TwoThreads.Rates lockStep = TwoThreads.inLockStep(job.model(), train, config);
            StepTimings ar = timings(sc, train, job.model(), config);
            double allReduce = config.get(TrainConfig.BATCH_SIZE) / (ar.stepMs() / 1e3);
            if (round < 0) {
                System.out.printf(Locale.ROOT, "bundled model, warm-up round (not counted: the JIT compiles each path's code in "
                        + "its first runs): single-thread reference %,.0f samples/s, two threads apart %,.0f, in lock step %,.0f, "
                        + "P=2 all-reduce %,.0f = %.2f x%n", reference, apart.total(), lockStep.total(), allReduce, allReduce / reference);
                continue;
            }
            ratios[round] = allReduce / reference;
            ceilings[round] = apart.total() / reference;
            lockStepCeilings[round] = lockStep.total() / reference;
            System.out.printf(Locale.ROOT, "bundled model, round %d: single-thread reference %,.0f samples/s; two threads training "
                    + "at local batch %d, no exchange: apart %,.0f samples/s together = %.2f x (the faster %.2f x the slower), in lock "
                    + "step %,.0f = %.2f x; P=2 all-reduce on %s %,.0f samples/s = %.2f x; %s%n", round + 1, reference,
                    config.get(TrainConfig.BATCH_SIZE) / 2, apart.total(), ceilings[round], apart.asymmetry(), lockStep.total(),
                    lockStepCeilings[round], master, allReduce, ratios[round], ar);
            last = ar;
        }
        System.out.printf(Locale.ROOT, "bundled model: two threads training apart = %.2f x the single-thread reference (median of "
                + "%d rounds: %s); in lock step, the ceiling of synchronous P=2 on this machine, %.2f x (%s)%n",
                median(ceilings), rounds, rounded(ceilings), median(lockStepCeilings), rounded(lockStepCeilings));
        System.out.printf(Locale.ROOT, "bundled model: P=2 all-reduce = %.2f x the single-thread reference (median of %d rounds: %s); "
                + "waiting after backward %.2f ms per step (last round)%n", median(ratios), rounds, rounded(ratios),
                last.exchangeMs());
        int floats = (int) job.model().paramCount();
        if (org.sparknn.spark.ExchangeProbe.slicedInOneJvm(job.model(), config)) {
            System.out.printf(Locale.ROOT, "bundled model: the exchange itself, the shared sum of its gradient between two threads "
                    + "with the update split between them (each sums and steps half of the parameters; barriers included, no "
                    + "straggler): %.2f ms per step, against %.2f ms for the shared sum alone plus %.2f ms for the whole update on "
                    + "each task; the rest of the wait after backward is the other task%n",
                    1e3 * org.sparknn.spark.ExchangeProbe.slicedStepSeconds(2, job.model(), config),
                    1e3 * org.sparknn.spark.ExchangeProbe.sharedSumSeconds(2, floats), 1e3 * updateSeconds(job.model(), config));
        } else if (org.sparknn.spark.ExchangeProbe.sharedSumInOneJvm(job.model(), config)) {
            System.out.printf(Locale.ROOT, "bundled model: the exchange itself, the shared sum of its gradient between two threads "
                    + "(barriers included, no straggler): %.2f ms per step; the rest of the wait is the other task%n",
                    1e3 * org.sparknn.spark.ExchangeProbe.sharedSumSeconds(2, floats));
        }
    }

    /** Median seconds of one replicated update (GlobalStep.apply) of a network of {@code spec}, as every task applies it without slicing. */
    private static double updateSeconds(ModelSpec spec, TrainConfig config) {
        Network net = Network.create(spec, 1);
        org.sparknn.train.GlobalStep step = new org.sparknn.train.GlobalStep(net, config, 1_000_000);
        double[] t = new double[15];
        for (int r = -3; r < t.length; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                Arrays.fill(net.store().grads(), 1e-3f);
                step.apply(64, List.of());
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                Arrays.fill(net.store().grads(), 1e-3f);
            }
            if (r >= 0) {
                t[r] = ((t1 - t0) - (System.nanoTime() - t1)) / 1e9 / 50;
            }
        }
        return median(t);
    }

    /** The index of the median of an odd number of values (of the upper middle one of an even number). */
    private static int medianIndex(double[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
        return order[values.length / 2];
    }

    private static double median(double[] values) {
        return values[medianIndex(values)];
    }

    private static String rounded(double[] values) {
        return Arrays.toString(Arrays.stream(values).map(r -> Math.round(r * 100) / 100.0).toArray());
    }

    /** Step timings of a run with these settings, the first (warm-up) epoch left out. */
    private static StepTimings timings(JavaSparkContext sc, Dataset train, ModelSpec spec, TrainConfig config) {
        Shards shards = Shards.fromDataset(sc, train, config.get(TrainConfig.WORKERS), config.get(TrainConfig.SEED));
        try {
            List<StepTimings> epochs = SparkTrainer.fit(shards, null, Network.create(spec, config.get(TrainConfig.SEED)), config,
                    TrainingListener.silent()).epochTimings();
            return StepTimings.sum(epochs.subList(1, epochs.size()));
        } finally {
            shards.release();
        }
    }

    /** Samples per second over the epochs after the first. */
    private static double afterWarmUp(List<EpochMetrics> h, int samplesPerEpoch) {
        return (double) samplesPerEpoch * (h.size() - 1) / (h.get(h.size() - 1).elapsedSeconds() - h.get(0).elapsedSeconds());
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
