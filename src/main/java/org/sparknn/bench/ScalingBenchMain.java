package org.sparknn.bench;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparknn.cli.JobConfig;
import org.sparknn.data.Dataset;
import org.sparknn.data.IdxReader;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.MlpShape;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.spark.ExchangeProbe;
import org.sparknn.spark.Shards;
import org.sparknn.spark.SparkSetup;
import org.sparknn.spark.SparkTrainer;
import org.sparknn.spark.StepTimings;
import org.sparknn.train.BatchPlan;
import org.sparknn.train.Choices;
import org.sparknn.train.GlobalStep;
import org.sparknn.train.LocalStepper;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * A scaling model of synchronous data-parallel training with the all-reduce exchange, measured
 * and checked in one run. Measured here: compute per step of one worker at every local batch
 * size (one thread), the replicated optimizer update, and latency and bandwidth of the
 * exchange's links (in one JVM and over loopback). The model of a step with P workers and
 * global batch B:
 *
 * <pre>
 * t(P) = compute(B/P) + update + exposed(P)
 * exposed(P) = max(tail(P), chain(P) - overlap * compute(B/P))
 * chain(P) = bytes / bw + 2 (P-1) (latency + bucket / bw)     (pipelined chain, up and down)
 * tail(P)  = bucket / bw + 2 (P-1) (latency + bucket / bw)    (the last bucket, final only when backward ends)
 * </pre>
 *
 * where overlap = 0.5: buckets travel during backward, about two thirds of a step's compute, and
 * the first bucket is final only after the top layers. The run prints measured and predicted
 * step times for P = 1, 2 on local[2] (and P = 2 with two executor JVMs with --local-cluster),
 * then predictions for P = 4..64 on networks of 10 and 25 Gbit/s with 50-100 us latency, where
 * each worker has a core of this machine to itself (bandwidth is also limited by the CPU cost
 * per byte of a socket link, measured on loopback).
 */
public final class ScalingBenchMain {
    private static final double OVERLAP = 0.5;
    private static final int[] CLUSTER_P = {4, 8, 16, 32, 64};
    private static final double[][] NETWORKS = {{10e9 / 8, 50e-6}, {10e9 / 8, 100e-6}, {25e9 / 8, 50e-6}, {25e9 / 8, 100e-6}};

    private ScalingBenchMain() {}

    /** What the model needs to know of one network and global batch. */
    private record Model(String name, ModelSpec spec, TrainConfig config, TreeMap<Integer, Double> computeSeconds,
                         double updateSeconds) {
        int batch() {
            return config.get(TrainConfig.BATCH_SIZE);
        }

        /** Compute seconds of one worker at local batch b, interpolated between measured sizes. */
        double compute(double b) {
            var lo = computeSeconds.floorEntry((int) Math.floor(b));
            var hi = computeSeconds.ceilingEntry((int) Math.ceil(b));
            if (lo == null) {
                return hi.getValue();
            }
            if (hi == null || hi.getKey().equals(lo.getKey())) {
                return lo.getValue() * (hi == null ? b / lo.getKey() : 1);
            }
            double f = (b - lo.getKey()) / (hi.getKey() - lo.getKey());
            return lo.getValue() + f * (hi.getValue() - lo.getValue());
        }

        double step(int p, int globalBatch, double bytesPerSecond, double latency) {
            double local = (double) globalBatch / p;
            double bytes = 4.0 * spec.paramCount();
            double bucket = 4.0 * Math.min(ExchangeProbe.bucketFloats(), spec.paramCount());
            double hop = latency + bucket / bytesPerSecond;
            double chain = bytes / bytesPerSecond + 2 * (p - 1) * hop;
            double tail = bucket / bytesPerSecond + 2 * (p - 1) * hop;
            double exposed = Math.max(tail, chain - OVERLAP * compute(local));
            return compute(local) + updateSeconds + exposed;
        }
    }

    public static void main(String[] args) throws Exception {
        boolean localCluster = List.of(args).contains("--local-cluster");
        Dataset train = IdxReader.readDir(Path.of("data/mnist"), "train");
        ExchangeProbe.LinkFigures inJvm = ExchangeProbe.inJvm();
        ExchangeProbe.LinkFigures loopback = ExchangeProbe.loopback();
        System.out.printf(Locale.ROOT, "links: in one JVM latency %.1f us, %.2f GB/s; loopback socket latency %.1f us, %.2f GB/s "
                        + "(buckets of %d floats, added at the receiver)%n",
                inJvm.latencySeconds() * 1e6, inJvm.bytesPerSecond() / 1e9, loopback.latencySeconds() * 1e6,
                loopback.bytesPerSecond() / 1e9, ExchangeProbe.bucketFloats());

        JobConfig job = JobConfig.load(Path.of("conf/mnist-mlp.conf"), List.of());
        ModelSpec big = ModelSpec.mlp(784, new MlpShape(new int[] {1024, 1024}, MlpShape.Activation.RELU, 0.2, true,
                LayerSpec.BatchNorm.DEFAULT_MOMENTUM), 10, LossKind.SOFTMAX_CROSS_ENTROPY);
        TrainConfig bigConfig = TrainConfig.defaults().with(TrainConfig.BATCH_SIZE, 512)
                .with(TrainConfig.OPTIMIZER, Choices.OptimizerKind.MOMENTUM).with(TrainConfig.LEARNING_RATE, 0.01)
                .with(TrainConfig.BN_POPULATION, Choices.BnPopulationMode.RUNNING);
        List<Model> models = List.of(
                measureCompute("bundled 784-256-256-10", job.model(), job.training(), train, 4096),
                measureCompute("benchmark 784-1024-1024-10", big, bigConfig, train, 4096));

        SparkSession spark = SparkSetup.localSession("local[2]", "sparknn-scaling", false);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        try {
            for (Model m : models) {
                for (int p = 1; p <= 2; p++) {
                    double measured = measuredStep(sc, train, m, p);
                    double predicted = m.step(p, m.batch(), inJvm.bytesPerSecond(), inJvm.latencySeconds());
                    System.out.printf(Locale.ROOT, "%s, batch %d, P=%d on local[2]: measured %.2f ms per step, predicted %.2f ms (%+.0f%%)%n",
                            m.name(), m.batch(), p, measured * 1e3, predicted * 1e3, 100 * (predicted / measured - 1));
                }
            }
        } finally {
            spark.stop();
        }
        if (localCluster) {
            SparkSession cluster = SparkSetup.localSession("local-cluster[2,1,2048]", "sparknn-scaling", false);
            JavaSparkContext csc = JavaSparkContext.fromSparkContext(cluster.sparkContext());
            try {
                for (Model m : models) {
                    double measured = measuredStep(csc, train, m, 2);
                    double predicted = m.step(2, m.batch(), loopback.bytesPerSecond(), loopback.latencySeconds());
                    System.out.printf(Locale.ROOT, "%s, batch %d, P=2 on local-cluster (2 executor JVMs, loopback sockets): measured %.2f ms "
                            + "per step, predicted %.2f ms (%+.0f%%)%n", m.name(), m.batch(), measured * 1e3, predicted * 1e3,
                            100 * (predicted / measured - 1));
                }
            } finally {
                cluster.stop();
            }
        }
        for (Model m : models) {
            predictCluster(m, loopback.bytesPerSecond());
        }
    }

    /** One thread's gradient time at local batch sizes 1, 2, 4, ... up to maxBatch, and the update time. */
    private static Model measureCompute(String name, ModelSpec spec, TrainConfig config, Dataset train, int maxBatch) {
        TreeMap<Integer, Double> compute = new TreeMap<>();
        double update = 0;
        for (int b = 1; b <= maxBatch && b <= train.size(); b *= 2) {
            Network net = Network.create(spec, 1);
            BatchPlan plan = new BatchPlan(1, b, new int[] {train.size()});
            LocalStepper stepper = new LocalStepper(net, plan, 0, 1);
            GlobalStep step = new GlobalStep(net, config, plan.stepsPerEpoch());
            long spent = 0;
            long updating = 0;
            int timed = 0;
            long start = System.nanoTime();
            long perEpoch = plan.stepsPerEpoch();
            for (long s = 0; timed < 5 || System.nanoTime() - start < 700_000_000L; s++) {
                long t0 = System.nanoTime();
                BatchResult r = stepper.gradientSum(train, (int) (s / perEpoch), s % perEpoch, s);
                long t1 = System.nanoTime();
                step.apply(r.count(), r.bnStats());
                long t2 = System.nanoTime();
                if (s >= 2) { // the first steps warm up
                    spent += t1 - t0;
                    updating += t2 - t1;
                    timed++;
                }
            }
            compute.put(b, spent / 1e9 / timed);
            update = updating / 1e9 / timed;
        }
        System.out.printf(Locale.ROOT, "%s (%,d parameters): compute per step of one thread at local batch 1 / 16 / %d: %.2f / %.2f / %.2f ms; "
                        + "update %.2f ms%n", name, spec.paramCount(), config.get(TrainConfig.BATCH_SIZE), compute.get(1) * 1e3,
                compute.get(16) * 1e3, compute.get(config.get(TrainConfig.BATCH_SIZE)) * 1e3, update * 1e3);
        return new Model(name, spec, config, compute, update);
    }

    /** Seconds per step of all-reduce training with p workers, after a warm-up epoch. */
    private static double measuredStep(JavaSparkContext sc, Dataset train, Model m, int p) {
        TrainConfig config = m.config().with(TrainConfig.EPOCHS, 3).with(TrainConfig.WORKERS, p)
                .with(TrainConfig.EXCHANGE, Choices.ExchangeMode.ALLREDUCE);
        Shards shards = Shards.fromDataset(sc, train, p, config.get(TrainConfig.SEED));
        try {
            List<StepTimings> epochs = SparkTrainer.fit(shards, null, Network.create(m.spec(), 1), config,
                    TrainingListener.silent()).epochTimings();
            return StepTimings.sum(epochs.subList(1, epochs.size())).stepMs() / 1e3;
        } finally {
            shards.release();
        }
    }

    /** Predicted samples/s and efficiency for P = 4..64 on cluster networks, and the largest P at efficiency >= 0.8 per batch. */
    private static void predictCluster(Model m, double socketCpuBytesPerSecond) {
        System.out.printf(Locale.ROOT, "%s, global batch %d, predicted for one worker per executor core "
                + "(samples/s, efficiency against one worker):%n", m.name(), m.batch());
        double single = m.batch() / (m.compute(m.batch()) + m.updateSeconds());
        for (int p : CLUSTER_P) {
            if (p > m.batch()) {
                break;
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  P=%-3d", p));
            for (double[] net : NETWORKS) {
                double bw = 1 / (1 / net[0] + 1 / socketCpuBytesPerSecond);
                double rate = m.batch() / m.step(p, m.batch(), bw, net[1]);
                line.append(String.format(Locale.ROOT, " | %2.0f Gbit/s %3.0f us: %,9.0f (%.2f)", net[0] * 8 / 1e9, net[1] * 1e6,
                        rate, rate / (p * single)));
            }
            System.out.println(line);
        }
        StringBuilder largest = new StringBuilder("  largest P with efficiency >= 0.8 at 10 Gbit/s, 100 us, by global batch:");
        for (int batch = 64; batch <= 4096; batch *= 4) {
            double one = batch / (m.compute(batch) + m.updateSeconds());
            double bw = 1 / (1 / NETWORKS[1][0] + 1 / socketCpuBytesPerSecond);
            int best = 1;
            for (int p = 2; p <= Math.min(256, batch); p++) {
                if (batch / m.step(p, batch, bw, NETWORKS[1][1]) / (p * one) >= 0.8) {
                    best = p;
                }
            }
            largest.append(String.format(Locale.ROOT, " B=%d: %d;", batch, best));
        }
        System.out.println(largest);
    }
}
