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
 * t(P) = compute(B/P) + spread(B/P) E[max of P normals] + update + fixed + exposed(P)
 * exposed(P) = max(tail(P), late(P), chain(P) - overlap * compute(B/P))
 * chain(P) = bytes / bw + 2 (P-1) (latency + bucket / bw)     (pipelined chain, up and down)
 * tail(P)  = bucket / bw + 2 (P-1) (latency + bucket / bw)    (the last bucket, final only when backward ends)
 * late(P)  = first layer's share x bytes / bw + 2 (P-1) (latency + bucket / bw)   (final only when backward ends)
 * </pre>
 *
 * with fixed, what a step costs beyond these (the task's loop, the figures, the BN merge),
 * fitted on the measured P = 1 run; P = 2 is then predicted. Workers that share this machine
 * (P = 2 here) share its two cores with each other, the driver and the exchange's threads, so
 * their compute is slower and less even than one thread's alone: for those predictions the
 * mean and the step-to-step spread of compute are read off the run (the tasks report both),
 * and the rest - the wait for the slowest worker that spread implies, the update and the
 * exchange - is predicted. When every worker is in one JVM
 * (local[2]) the exchange is a shared sum over the tasks' own arrays, no links: exposed(P) is
 * then that sum's time per exchange with P threads, measured directly (for gradients up to
 * {@code PeerExchange.InJvm.SHARED_SUM_MAX_FLOATS}; larger ones take the chain in one JVM too).
 *
 * where overlap = 0.5: buckets travel during backward, about two thirds of a step's compute, and
 * the first bucket is final only after the top layers. The run prints measured and predicted
 * step times for P = 1, 2 on local[2] (and P = 2 with two executor JVMs with --local-cluster,
 * whose links take the latency and bandwidth fitted to whole exchanges of several sizes between
 * those two JVMs, {@link ExchangeProbe#betweenExecutors}: the chain's way up and way down share
 * the machine's cores there),
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
                         TreeMap<Integer, Double> computeStd, double updateSeconds, double[] fixedSeconds,
                         double firstLayerShare) {
        int batch() {
            return config.get(TrainConfig.BATCH_SIZE);
        }

        /** Compute seconds of one worker at local batch b, interpolated between measured sizes. */
        double compute(double b) {
            return interpolate(computeSeconds, b);
        }

        static double interpolate(TreeMap<Integer, Double> measured, double b) {
            var lo = measured.floorEntry((int) Math.floor(b));
            var hi = measured.ceilingEntry((int) Math.ceil(b));
            if (lo == null) {
                return hi.getValue();
            }
            if (hi == null || hi.getKey().equals(lo.getKey())) {
                return lo.getValue() * (hi == null ? b / lo.getKey() : 1);
            }
            double f = (b - lo.getKey()) / (hi.getKey() - lo.getKey());
            return lo.getValue() + f * (hi.getValue() - lo.getValue());
        }

        /**
         * Seconds per step with p workers, each with a core of its own: the step waits for the
         * slowest of p workers, mean + E[max of p standard normals] x one thread's step-to-step
         * spread of compute.
         */
        double step(int p, int globalBatch, double bytesPerSecond, double latency) {
            double local = (double) globalBatch / p;
            return stepAfter(p, compute(local) + expectedMaxOfNormals(p) * interpolate(computeStd, local), local,
                    bytesPerSecond, latency);
        }

        /**
         * {@link #step} for p workers that share this machine, the slowest of which computes
         * {@code kappa} x one thread's per step on average, with step-to-step spread {@code
         * spread} seconds (both read off a run: workers that share cores with each other, the
         * driver and the exchange's threads run slower, less evenly and, on cores of unequal
         * speed, unequally).
         */
        double stepSharing(int p, int globalBatch, double bytesPerSecond, double latency, double kappa, double spread) {
            double local = (double) globalBatch / p;
            return stepAfter(p, kappa * compute(local) + expectedMaxOfNormals(p) * spread, local, bytesPerSecond, latency);
        }

        /** A step whose slowest worker computes {@code slowest} seconds at local batch {@code local}, then exchanges and updates. */
        private double stepAfter(int p, double slowest, double local, double bytesPerSecond, double latency) {
            double bytes = 4.0 * spec.paramCount();
            double bucket = 4.0 * Math.min(ExchangeProbe.bucketFloats(), spec.paramCount());
            double hop = latency + bucket / bytesPerSecond;
            double chain = bytes / bytesPerSecond + 2 * (p - 1) * hop;
            double tail = bucket / bytesPerSecond + 2 * (p - 1) * hop;
            // the first layer's gradient is final only when backward ends: it crosses the links after it
            double late = firstLayerShare * bytes / bytesPerSecond + 2 * (p - 1) * hop;
            double exposed = Math.max(Math.max(tail, late), chain - OVERLAP * compute(local));
            return slowest + updateSeconds + fixedSeconds[0] + exposed;
        }

        /**
         * Seconds per step with p workers all in one JVM (compute as in {@link #stepSharing}),
         * whose exchange is a shared sum taking {@code exchangeSeconds} after backward; with
         * {@code updateIncluded}, the workers split the update among themselves and {@code
         * exchangeSeconds} includes each one's part of it.
         */
        double stepInOneJvm(int p, int globalBatch, double exchangeSeconds, boolean updateIncluded, double kappa, double spread) {
            double local = (double) globalBatch / p;
            double slowest = kappa * compute(local) + expectedMaxOfNormals(p) * spread;
            return slowest + (updateIncluded ? 0 : updateSeconds) + fixedSeconds[0] + exchangeSeconds;
        }

    }

    /** E[max of p independent standard normals], by numerical integration (0 for p = 1). */
    static double expectedMaxOfNormals(int p) {
        if (p == 1) {
            return 0;
        }
        double sum = 0;
        double dx = 1e-3;
        for (double x = -8; x < 8; x += dx) {
            double pdf = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
            sum += x * p * pdf * Math.pow(normalCdf(x), p - 1) * dx;
        }
        return sum;
    }

    private static double normalCdf(double x) {
        // Abramowitz-Stegun 7.1.26 on erf
        double z = Math.abs(x) / Math.sqrt(2);
        double t = 1 / (1 + 0.3275911 * z);
        double erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
                * Math.exp(-z * z);
        return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
    }

    public static void main(String[] args) throws Exception {
        boolean localCluster = List.of(args).contains("--local-cluster");
        Dataset train = IdxReader.readDir(Path.of("data/mnist"), "train");
        ExchangeProbe.LinkFigures inJvm = ExchangeProbe.inJvm();
        ExchangeProbe.LinkFigures loopback = ExchangeProbe.loopback();
        ExchangeProbe.LinkFigures loopbackBothWays = ExchangeProbe.loopbackBothWays();
        System.out.printf(Locale.ROOT, "links: in one JVM latency %.1f us, %.2f GB/s; loopback socket latency %.1f us, %.2f GB/s one way, "
                        + "%.2f GB/s each way when both stream at once (buckets of %d floats, added at the receiver)%n",
                inJvm.latencySeconds() * 1e6, inJvm.bytesPerSecond() / 1e9, loopback.latencySeconds() * 1e6,
                loopback.bytesPerSecond() / 1e9, loopbackBothWays.bytesPerSecond() / 1e9, ExchangeProbe.bucketFloats());

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
                int floats = (int) m.spec().paramCount();
                StepTimings one = measuredStep(sc, train, m, 1);
                if (ExchangeProbe.sharedSumInOneJvm(m.spec(), m.config())) {
                    boolean sliced = ExchangeProbe.slicedInOneJvm(m.spec(), m.config());
                    double[] shared = sliced
                            ? new double[] {0, ExchangeProbe.slicedStepSeconds(1, m.spec(), m.config()),
                                ExchangeProbe.slicedStepSeconds(2, m.spec(), m.config())}
                            : new double[] {0, ExchangeProbe.sharedSumSeconds(1, floats), ExchangeProbe.sharedSumSeconds(2, floats)};
                    System.out.printf(Locale.ROOT, "%s: exchange of the gradient between the tasks of one JVM (%s), P=1 / P=2: "
                            + "%.3f / %.3f ms%n", m.name(), sliced ? "shared sum with the update split among the tasks" : "shared sum",
                            shared[1] * 1e3, shared[2] * 1e3);
                    // what a step costs beyond compute, update and exchange (task loop, figures, BN merge), fitted at P = 1
                    m.fixedSeconds()[0] = Math.max(0, one.stepMs() / 1e3 - m.stepInOneJvm(1, m.batch(), shared[1], sliced,
                            kappa(m, 1, one), 0));
                    printFixed(m);
                    compareInOneJvm(m, 1, one, shared[1], sliced);
                    compareInOneJvm(m, 2, measuredStep(sc, train, m, 2), shared[2], sliced);
                } else { // a gradient this large goes through the chain in one JVM too (buffers handed over)
                    m.fixedSeconds()[0] = Math.max(0, one.stepMs() / 1e3 - m.stepSharing(1, m.batch(), inJvm.bytesPerSecond(),
                            inJvm.latencySeconds(), kappa(m, 1, one), 0));
                    printFixed(m);
                    compare(m, 1, "local[2]", one, inJvm);
                    compare(m, 2, "local[2]", measuredStep(sc, train, m, 2), inJvm);
                }
            }
        } finally {
            spark.stop();
        }
        if (localCluster) {
            SparkSession cluster = SparkSetup.localSession("local-cluster[2,1,2048]", "sparknn-scaling", false);
            JavaSparkContext csc = JavaSparkContext.fromSparkContext(cluster.sparkContext());
            try {
                // The executor JVMs are new: in their first seconds the JIT's compiler threads share their cores
                StepTimings warmUp = measuredStep(csc, train, models.get(0), 2);
                System.out.printf(Locale.ROOT, "local-cluster: a warm-up run of %s on the new executor JVMs, not counted: %.2f ms per step%n",
                        models.get(0).name(), warmUp.stepMs());
                for (Model m : models) {
                    // the links as the exchange itself runs them between the two executor JVMs
                    ExchangeProbe.LinkFigures executors = ExchangeProbe.betweenExecutors(csc, (int) m.spec().paramCount());
                    System.out.printf(Locale.ROOT, "%s: links between the two executor JVMs, fitted to all-reduces of 1, 2 and 4 buckets "
                                    + "and of the gradient with nothing else running: latency %.1f us, %.2f GB/s each way%n", m.name(),
                            executors.latencySeconds() * 1e6, executors.bytesPerSecond() / 1e9);
                    compare(m, 2, "local-cluster (2 executor JVMs, loopback sockets)", measuredStep(csc, train, m, 2), executors);
                }
            } finally {
                cluster.stop();
            }
        }
        for (Model m : models) {
            predictCluster(m, loopback.bytesPerSecond());
        }
    }

    /**
     * Measured against predicted step time. The workers here share this machine's two cores with
     * the driver and Spark, so their compute runs slower and less evenly than one thread alone:
     * kappa (the slowest task's mean compute over one thread's) and the spread are read off the
     * run and printed; the rest of the step - the wait that spread implies, the update and the
     * exchange - is predicted.
     */
    private static void compare(Model m, int p, String where, StepTimings t, ExchangeProbe.LinkFigures link) {
        double measured = t.stepMs() / 1e3;
        double kappa = kappa(m, p, t);
        double predicted = m.stepSharing(p, m.batch(), link.bytesPerSecond(), link.latencySeconds(), kappa,
                t.taskComputeSpreadMs() / 1e3);
        System.out.printf(Locale.ROOT, "%s, batch %d, P=%d on %s: measured %.2f ms per step (mean task compute %.2f, slowest %.2f, "
                        + "waiting for the exchange %.2f); predicted %.2f ms (%+.0f%%) %s%n",
                m.name(), m.batch(), p, where, measured * 1e3, t.meanTaskComputeMs(), t.slowestComputeMs(), t.exchangeMs(),
                predicted * 1e3, 100 * (predicted / measured - 1), sharing(m, p, t, kappa));
    }

    private static void printFixed(Model m) {
        System.out.printf(Locale.ROOT, "%s: fixed cost per step beyond compute, update and exchange, fitted at P=1: %.2f ms%n",
                m.name(), m.fixedSeconds()[0] * 1e3);
    }

    /** {@link #compare} for workers all in one JVM (local[2]), whose exchange is the measured shared sum (with the update split, when {@code sliced}). */
    private static void compareInOneJvm(Model m, int p, StepTimings t, double exchangeSeconds, boolean sliced) {
        double measured = t.stepMs() / 1e3;
        double kappa = kappa(m, p, t);
        double predicted = m.stepInOneJvm(p, m.batch(), exchangeSeconds, sliced, kappa, t.taskComputeSpreadMs() / 1e3);
        System.out.printf(Locale.ROOT, "%s, batch %d, P=%d on local[2]: measured %.2f ms per step (mean task compute %.2f, slowest %.2f, "
                        + "waiting for the exchange %.2f); predicted %.2f ms (%+.0f%%) %s%n",
                m.name(), m.batch(), p, measured * 1e3, t.meanTaskComputeMs(), t.slowestComputeMs(), t.exchangeMs(),
                predicted * 1e3, 100 * (predicted / measured - 1), sharing(m, p, t, kappa));
    }

    /** What the prediction read off the run: the slowest task's compute against one thread's, and the spread. */
    private static String sharing(Model m, int p, StepTimings t, double kappa) {
        return String.format(Locale.ROOT, "with the slowest task's compute x %.2f one thread's and a step-to-step spread of %.2f ms "
                + "(one thread alone: %.2f ms), read off the run: the workers share this machine", kappa, t.taskComputeSpreadMs(),
                1e3 * Model.interpolate(m.computeStd(), (double) m.batch() / p));
    }

    /** The slowest task's mean compute per step over one thread's at the same local batch. */
    private static double kappa(Model m, int p, StepTimings t) {
        return t.slowestComputeMs() / 1e3 / m.compute((double) m.batch() / p);
    }

    /** One thread's gradient time at local batch sizes 1, 2, 4, ... up to maxBatch, and the update time. */
    private static Model measureCompute(String name, ModelSpec spec, TrainConfig config, Dataset train, int maxBatch) {
        TreeMap<Integer, Double> compute = new TreeMap<>();
        TreeMap<Integer, Double> spread = new TreeMap<>();
        double update = 0;
        timeSteps(spec, config, train, config.get(TrainConfig.BATCH_SIZE), 3_000_000_000L); // JIT warm-up
        timeSteps(spec, config, train, 8, 1_000_000_000L);
        for (int b = 1; b <= maxBatch && b <= train.size(); b *= 2) {
            double[] t = timeSteps(spec, config, train, b, 700_000_000L);
            compute.put(b, t[0]);
            update = t[1];
            spread.put(b, t[2]);
        }
        System.out.printf(Locale.ROOT, "%s (%,d parameters): compute per step of one thread at local batch 1 / 16 / %d: %.2f / %.2f / %.2f ms; "
                        + "update %.2f ms; step-to-step spread of compute at %d: %.2f ms%n", name, spec.paramCount(),
                config.get(TrainConfig.BATCH_SIZE), compute.get(1) * 1e3, compute.get(16) * 1e3,
                compute.get(config.get(TrainConfig.BATCH_SIZE)) * 1e3, update * 1e3, config.get(TrainConfig.BATCH_SIZE),
                spread.get(config.get(TrainConfig.BATCH_SIZE)) * 1e3);
        return new Model(name, spec, config, compute, spread, update, new double[1], firstLayerShare(spec));
    }

    /** Seconds of gradient and of update per step at batch b, over at least 5 steps and {@code nanos}, after 2 untimed steps. */
    private static double[] timeSteps(ModelSpec spec, TrainConfig config, Dataset train, int b, long nanos) {
        Network net = Network.create(spec, 1);
        org.sparknn.train.DatasetShard shard = org.sparknn.train.DatasetShard.whole(train, 1, 0);
        BatchPlan plan = new BatchPlan(1, b, shard.layout());
        LocalStepper stepper = new LocalStepper(net, plan, 0, 1);
        GlobalStep step = new GlobalStep(net, config, plan.stepsPerEpoch());
        long spent = 0;
        double squares = 0;
        long updating = 0;
        int timed = 0;
        long start = System.nanoTime();
        long perEpoch = plan.stepsPerEpoch();
        for (long s = 0; timed < 5 || System.nanoTime() - start < nanos; s++) {
            long t0 = System.nanoTime();
            BatchResult r = stepper.gradientSum(shard, (int) (s / perEpoch), s % perEpoch, s);
            long t1 = System.nanoTime();
            step.apply(r.count(), r.bnStats());
            long t2 = System.nanoTime();
            if (s >= 2) { // the first steps warm up
                spent += t1 - t0;
                squares += (double) (t1 - t0) * (t1 - t0);
                updating += t2 - t1;
                timed++;
            }
        }
        double mean = (double) spent / timed;
        return new double[] {mean / 1e9, updating / 1e9 / timed, Math.sqrt(Math.max(0, squares / timed - mean * mean)) / 1e9};
    }

    /** The share of the parameters that belongs to the first layer that has any (final only when backward ends). */
    private static double firstLayerShare(ModelSpec spec) {
        Network net = Network.create(spec, 1);
        int first = net.store().blocks().get(0).layerIndex();
        long n = net.store().blocks().stream().filter(b -> b.layerIndex() == first).mapToLong(b -> b.length()).sum();
        return (double) n / spec.paramCount();
    }

    /** Step timings of all-reduce training with p workers, after a warm-up epoch. */
    private static StepTimings measuredStep(JavaSparkContext sc, Dataset train, Model m, int p) {
        TrainConfig config = m.config().with(TrainConfig.EPOCHS, 3).with(TrainConfig.WORKERS, p)
                .with(TrainConfig.EXCHANGE, Choices.ExchangeMode.ALLREDUCE);
        Shards shards = Shards.fromDataset(sc, train, p, config.get(TrainConfig.SEED));
        try {
            List<StepTimings> epochs = SparkTrainer.fit(shards, null, Network.create(m.spec(), 1), config,
                    TrainingListener.silent()).epochTimings();
            return StepTimings.sum(epochs.subList(1, epochs.size()));
        } finally {
            shards.release();
        }
    }

    /** Predicted samples/s and efficiency for P = 4..64 on cluster networks, and the largest P at efficiency >= 0.8 per batch. */
    private static void predictCluster(Model m, double socketCpuBytesPerSecond) {
        System.out.printf(Locale.ROOT, "%s, global batch %d, predicted for one worker per executor core "
                + "(samples/s, efficiency against one worker):%n", m.name(), m.batch());
        double single = m.batch() / (m.compute(m.batch()) + m.updateSeconds() + m.fixedSeconds()[0]);
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
        StringBuilder largest = new StringBuilder("  largest P up to which efficiency stays >= 0.8 at 10 Gbit/s, 100 us, by global batch:");
        for (int batch = 64; batch <= 4096; batch *= 4) {
            double one = batch / (m.compute(batch) + m.updateSeconds() + m.fixedSeconds()[0]);
            double bw = 1 / (1 / NETWORKS[1][0] + 1 / socketCpuBytesPerSecond);
            int best = 1;
            for (int p = 2; p <= Math.min(256, batch); p++) {
                if (batch / m.step(p, batch, bw, NETWORKS[1][1]) / (p * one) < 0.8) {
                    break;
                }
                best = p;
            }
            largest.append(String.format(Locale.ROOT, " B=%d: %d;", batch, best));
        }
        System.out.println(largest);
    }
}
