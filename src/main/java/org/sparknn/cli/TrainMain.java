package org.sparknn.cli;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparknn.data.Dataset;
import org.sparknn.data.IdxReader;
import org.sparknn.nn.Network;
import org.sparknn.spark.DistributedTrainer;
import org.sparknn.spark.Shards;
import org.sparknn.spark.SparkSetup;
import org.sparknn.train.DataChecks;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.ReferenceTrainer;
import org.sparknn.train.TrainingResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trains a model described by a configuration file on an IDX data directory, data-parallel on
 * Spark (an embedded local Spark unless launched by spark-submit), or in one JVM with
 * --single-jvm. Prints progress and the test accuracy, and writes the resolved configuration and
 * per-epoch metrics (JSON lines) to the output directory, which appears only when complete.
 *
 * <pre>TrainMain [--conf FILE] [--data DIR] [--out DIR] [--master URL] [--single-jvm] [setting=value ...]</pre>
 */
public final class TrainMain {
    private TrainMain() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("sparknn train: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            System.err.println("sparknn train: failed: " + root);
            System.exit(1);
        }
    }

    public static TrainingResult run(String[] args) throws IOException {
        Path conf = Path.of("conf/mnist-mlp.json");
        Path data = Path.of("data/mnist");
        Path out = Path.of("runs/mnist-mlp");
        String master = null;
        boolean singleJvm = false;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--conf" -> conf = Path.of(value(args, ++i, "--conf"));
                case "--data" -> data = Path.of(value(args, ++i, "--data"));
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                case "--master" -> master = value(args, ++i, "--master");
                case "--single-jvm" -> singleJvm = true;
                default -> {
                    if (!args[i].contains("=")) {
                        throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; usage: [--conf FILE] "
                                + "[--data DIR] [--out DIR] [--master URL] [--single-jvm] [setting=value ...]");
                    }
                    overrides.add(args[i]);
                }
            }
        }
        JobConfig job = JobConfig.load(conf, overrides);
        Dataset train = IdxReader.readDir(data, "train");
        Dataset test = IdxReader.readDir(data, "test");
        Network net = Network.create(job.model(), job.training().seed());
        DataChecks.requireCompatible(net, train, "training");
        DataChecks.requireCompatible(net, test, "test");
        System.out.println("sparknn train");
        System.out.println("  data:       " + data + " (" + train.size() + " train, " + test.size() + " test, "
                + train.featureSize() + " features)");
        System.out.println("  model:      " + job.model().toJson());
        System.out.println("  parameters: " + net.store().size());
        System.out.println("  settings:   " + job.training());

        Path tmp = out.toAbsolutePath().resolveSibling(out.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Files.createDirectories(tmp);
        StringBuilder metrics = new StringBuilder();
        TrainingResult result;
        try {
            if (singleJvm) {
                System.out.println("  trainer:    single JVM (reference)");
                result = ReferenceTrainer.fit(net, train, test, job.training(), m -> {
                    System.out.println(m.toLine());
                    metrics.append(m.toJson()).append('\n');
                });
            } else {
                result = trainOnSpark(net, train, test, job, master, m -> {
                    System.out.println(m.toLine());
                    metrics.append(m.toJson()).append('\n');
                });
            }
            Files.writeString(tmp.resolve("metrics.jsonl"), metrics.toString(), StandardCharsets.UTF_8);
            Files.writeString(tmp.resolve("config.json"), job.toJson(), StandardCharsets.UTF_8);
            replaceDirectory(tmp, out);
        } finally {
            deleteRecursively(tmp);
        }
        EpochMetrics last = result.history().get(result.history().size() - 1);
        System.out.printf(Locale.ROOT, "final: test accuracy %.4f  test loss %.4f  (BN population: %s)  %.1fs  %,.0f samples/s  train loss %.4f%n",
                result.finalValidation().accuracy(), result.finalValidation().loss(), job.training().bnPopulation(),
                result.seconds(), result.samplesPerSecond(), last.trainLoss());
        System.out.println("metrics and resolved config written to " + out);
        return result;
    }

    private static TrainingResult trainOnSpark(Network net, Dataset train, Dataset test, JobConfig job, String master,
                                               org.sparknn.train.TrainingListener listener) {
        boolean submitted = master == null && System.getProperty("spark.master") != null;
        SparkSession spark = submitted
                ? SparkSession.builder().config(SparkSetup.recommended(new org.apache.spark.SparkConf())).getOrCreate()
                : SparkSetup.localSession(master == null ? "local[*]" : master, "sparknn-train", false);
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int workers = job.training().workers() > 0 ? job.training().workers() : sc.defaultParallelism();
            System.out.println("  trainer:    Spark " + spark.version() + ", master " + sc.master() + ", " + workers + " workers"
                    + (job.training().syncEvery() > 1 ? ", local SGD every " + job.training().syncEvery() + " steps" : ", synchronous"));
            Shards trainShards = Shards.fromDataset(sc, train, workers, job.training().seed());
            Shards testShards = Shards.fromDataset(sc, test, Math.min(workers, test.size()), job.training().seed());
            try {
                return DistributedTrainer.fit(trainShards, testShards, net, job.training(), listener,
                        new DistributedTrainer.Options()).training();
            } finally {
                trainShards.release();
                testShards.release();
            }
        } finally {
            if (!submitted) {
                spark.stop();
            }
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    /** Moves a finished output directory into place, replacing an earlier run's. */
    private static void replaceDirectory(Path tmp, Path out) throws IOException {
        Path target = out.toAbsolutePath();
        if (Files.exists(target)) {
            Path old = target.resolveSibling(target.getFileName() + ".old-" + ProcessHandle.current().pid());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(old);
        } else {
            Files.createDirectories(target.getParent());
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
