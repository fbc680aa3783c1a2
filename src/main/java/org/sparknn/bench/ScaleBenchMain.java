package org.sparknn.bench;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.sparknn.cli.Cli;
import org.sparknn.nn.MlpShape;
import org.sparknn.spark.SparkSetup;
import org.sparknn.spark.ml.NeuralNetClassificationModel;
import org.sparknn.spark.ml.NeuralNetClassifier;
import org.sparknn.tensor.CounterRng;
import org.sparknn.train.TrainConfig;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Data at scale, in one run per size: N rows of dense features generated on the executors (seeded
 * by row id, labels from a fixed linear rule so there is something to learn), trained for one
 * epoch through {@link NeuralNetClassifier} (reading, packing and training, as a user's fit does)
 * and by MLlib's MultilayerPerceptronClassifier of the same layer sizes (one iteration: one pass),
 * then both models' transform rows/s on up to 200k cached rows, and the peak heap of the
 * executors during each fit.
 *
 * <pre>ScaleBenchMain [--master local[2]] [--rows 100000,300000] [--features 784] [--hidden 256,256]
 *                   [--batch 128] [--skip-mllib]</pre>
 */
public final class ScaleBenchMain {
    private static final String USAGE = "usage: bench-scale [--master URL] [--rows N,N,...] [--features F] [--hidden H,H,...] "
            + "[--batch B] [--skip-mllib]";
    private static final int CLASSES = 10;
    private static final long SCORED_ROWS = 200_000;

    private ScaleBenchMain() {}

    public static void main(String[] args) {
        Cli.exit("bench-scale", () -> {
            run(args);
            return null;
        });
    }

    static void run(String[] args) {
        String master = "local[2]";
        long[] sizes = {100_000, 300_000};
        int features = 784;
        int[] hidden = {256, 256};
        int batch = 128;
        boolean mllib = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--master" -> master = Cli.value(args, ++i, "--master", USAGE);
                case "--rows" -> sizes = java.util.Arrays.stream(Cli.value(args, ++i, "--rows", USAGE).split(","))
                        .mapToLong(s -> Long.parseLong(s.strip())).toArray();
                case "--features" -> features = Integer.parseInt(Cli.value(args, ++i, "--features", USAGE));
                case "--hidden" -> hidden = java.util.Arrays.stream(Cli.value(args, ++i, "--hidden", USAGE).split(","))
                        .mapToInt(s -> Integer.parseInt(s.strip())).toArray();
                case "--batch" -> batch = Integer.parseInt(Cli.value(args, ++i, "--batch", USAGE));
                case "--skip-mllib" -> mllib = false;
                default -> throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; " + USAGE);
            }
        }
        SparkSession spark = SparkSetup.localSession(master, "sparknn-scale-bench", false);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        try {
            System.out.printf(Locale.ROOT, "sparknn bench-scale: Spark %s, master %s, %d cores; dense rows of %d features, "
                            + "%d classes; model %d-%s-%d, batch %d, one epoch; max heap %.1f GB per JVM%n", spark.version(), master,
                    sc.defaultParallelism(), features, CLASSES, features, join(hidden), CLASSES, batch,
                    Runtime.getRuntime().maxMemory() / 1e9);
            System.out.println("| rows | sparknn fit s (outside the steps, steps) | sparknn train samples/s | sparknn fit rows/s "
                    + "| MLlib MLPC fit s | MLlib fit rows/s | sparknn scoring rows/s | MLlib scoring rows/s | scoring ratio "
                    + "| peak heap sparknn / MLlib |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|");
            for (long n : sizes) {
                org.apache.spark.sql.Dataset<Row> data = generated(spark, n, features, 2 * sc.defaultParallelism()
                        + (int) (n * features / (16L << 20)));
                NeuralNetClassifier estimator = new NeuralNetClassifier().set(MlpShape.HIDDEN_LAYERS, hidden)
                        .set(TrainConfig.EPOCHS, 1).set(TrainConfig.BATCH_SIZE, batch).set(TrainConfig.PROGRESS, false);
                resetPeaks(sc);
                long t0 = System.nanoTime();
                NeuralNetClassificationModel ours = estimator.fit(data);
                double oursFit = (System.nanoTime() - t0) / 1e9;
                double oursPeak = peakHeap(sc);
                Map<String, Object> summary = ours.trainingSummary();
                double trainSeconds = ((Number) summary.get("seconds")).doubleValue();
                double trainRate = ((Number) summary.get("samplesPerSecond")).doubleValue();

                double mllibFit = Double.NaN;
                double mllibPeak = Double.NaN;
                Model<?> theirs = null;
                if (mllib) {
                    resetPeaks(sc);
                    long m0 = System.nanoTime();
                    theirs = new MultilayerPerceptronClassifier().setLayers(layers(features, hidden)).setMaxIter(1)
                            .setBlockSize(batch).setSeed(1).fit(data);
                    mllibFit = (System.nanoTime() - m0) / 1e9;
                    mllibPeak = peakHeap(sc);
                }
                long scored = Math.min(n, SCORED_ROWS);
                org.apache.spark.sql.Dataset<Row> sample = data.limit((int) scored).repartition(sc.defaultParallelism())
                        .persist(StorageLevel.MEMORY_AND_DISK());
                sample.count();
                double oursScore = scoringRate(ours, sample, scored);
                double theirScore = theirs == null ? Double.NaN : scoringRate(theirs, sample, scored);
                sample.unpersist();
                System.out.printf(Locale.ROOT, "| %,d | %.1f (%.1f, %.1f) | %,.0f | %,.0f | %s | %s | %,.0f | %s | %s | %.2f / %s GB |%n",
                        n, oursFit, oursFit - trainSeconds, trainSeconds, trainRate, n / oursFit,
                        figure("%.1f", mllibFit), figure("%,.0f", n / mllibFit), oursScore, figure("%,.0f", theirScore),
                        figure("%.2fx", oursScore / theirScore), oursPeak / 1e9, figure("%.2f", mllibPeak / 1e9));
            }
            System.out.println("sparknn fit s: the whole fit, reading the generated input once and packing the shards included; "
                    + "train samples/s counts the training steps only. Peak heap: the largest heap in use in an executor JVM "
                    + "during the fit, sampled every 20 ms (in local mode the one JVM, driver included).");
        } finally {
            spark.stop();
        }
    }

    private static String figure(String format, double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "-";
    }

    /** Rows (label, features) generated from the row id on the executors, in {@code partitions} partitions. */
    static org.apache.spark.sql.Dataset<Row> generated(SparkSession spark, long n, int features, int partitions) {
        long key = CounterRng.key(7, 0x5343_414CL);
        JavaRDD<Row> rows = spark.range(0, n, 1, partitions).javaRDD().map(id -> {
            double[] x = new double[features];
            double[] score = new double[CLASSES];
            for (int j = 0; j < features; j++) {
                x[j] = CounterRng.uniform(key, id * features + j);
            }
            // a fixed linear rule over 32 features: a learnable label
            for (int c = 0; c < CLASSES; c++) {
                for (int j = 0; j < Math.min(32, features); j++) {
                    score[c] += x[j] * (CounterRng.uniform(key ^ 0x5eed, (long) c * 32 + j) - 0.5);
                }
            }
            int label = 0;
            for (int c = 1; c < CLASSES; c++) {
                if (score[c] > score[label]) {
                    label = c;
                }
            }
            return RowFactory.create((double) label, Vectors.dense(x));
        });
        StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
        return spark.createDataFrame(rows, schema);
    }

    private static double scoringRate(Model<?> model, org.apache.spark.sql.Dataset<Row> data, long rows) {
        double seconds = 0;
        for (int pass = 0; pass < 2; pass++) { // the first pass warms up
            long start = System.nanoTime();
            model.transform(data).write().format("noop").mode("overwrite").save();
            seconds = (System.nanoTime() - start) / 1e9;
        }
        return rows / seconds;
    }

    /** Largest heap in use on any executor JVM since the last reset. */
    private static double peakHeap(JavaSparkContext sc) {
        return onExecutors(sc, false).stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    private static void resetPeaks(JavaSparkContext sc) {
        System.gc();
        onExecutors(sc, true);
    }

    /** One figure per task, tasks spread over the executors: the JVM's sampled peak (or a reset that starts sampling). */
    private static List<Double> onExecutors(JavaSparkContext sc, boolean reset) {
        int tasks = 4 * sc.defaultParallelism();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            ids.add(i);
        }
        return sc.parallelize(ids, tasks).map(i -> reset ? HeapPeak.reset() : HeapPeak.read()).collect();
    }

    /**
     * The heap in use, sampled every 20 ms by a daemon thread of each JVM (the memory pools' own
     * peaks are per pool and taken at different moments, so their sum overstates the peak).
     */
    static final class HeapPeak {
        private static final java.util.concurrent.atomic.AtomicLong PEAK = new java.util.concurrent.atomic.AtomicLong();
        private static Thread sampler;

        static synchronized double reset() {
            if (sampler == null) {
                sampler = new Thread(() -> {
                    java.lang.management.MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
                    while (true) {
                        PEAK.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "sparknn-heap-peak");
                sampler.setDaemon(true);
                sampler.start();
            }
            PEAK.set(0);
            return 0;
        }

        static double read() {
            return PEAK.get();
        }
    }

    private static int[] layers(int features, int[] hidden) {
        int[] l = new int[hidden.length + 2];
        l[0] = features;
        System.arraycopy(hidden, 0, l, 1, hidden.length);
        l[l.length - 1] = CLASSES;
        return l;
    }

    private static String join(int[] xs) {
        StringBuilder b = new StringBuilder();
        for (int x : xs) {
            b.append(b.length() == 0 ? "" : "-").append(x);
        }
        return b.toString();
    }
}
