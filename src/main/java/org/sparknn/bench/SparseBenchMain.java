package org.sparknn.bench;

import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.sparknn.cli.Cli;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.spark.RowCheck;
import org.sparknn.spark.Shards;
import org.sparknn.spark.SparkSetup;
import org.sparknn.spark.SparkTrainer;
import org.sparknn.tensor.CounterRng;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Sparse input at click-data shape: a generated DataFrame of --rows rows over 2^18 features with
 * about 40 non-zeros each (SparseVectors; the label is the sign of a hidden linear score). One
 * or more epochs of sparknn (logistic regression 2^18-2, or 2^18-H-2 with --hidden H) with the driver and
 * the all-reduce exchange, then MLlib's LogisticRegression on the same cached rows. Prints rows/s,
 * training accuracy and the peak heap of each run (sampled every 20 ms, reset before it).
 *
 * <pre>SparseBenchMain [--master local[2]] [--rows 100000] [--hidden 0] [--batch 512] [--epochs 1] [--lr 0.01]</pre>
 */
public final class SparseBenchMain {
    private static final String USAGE = "usage: bench-scale --sparse [--master URL] [--rows N] [--hidden H] [--batch B] [--epochs E] [--lr RATE]";
    private static final int FEATURES = 1 << 18;
    private static final int NON_ZEROS = 40;

    private SparseBenchMain() {}

    public static void main(String[] args) {
        Cli.exit("bench-scale --sparse", () -> {
            run(args);
            return null;
        });
    }

    static void run(String[] args) {
        String master = "local[2]";
        int rows = 100_000;
        int hidden = 0;
        int batch = 512;
        int epochs = 1;
        double lr = 0.01;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--master" -> master = Cli.value(args, ++i, "--master", USAGE);
                case "--rows" -> rows = Integer.parseInt(Cli.value(args, ++i, "--rows", USAGE));
                case "--hidden" -> hidden = Integer.parseInt(Cli.value(args, ++i, "--hidden", USAGE));
                case "--batch" -> batch = Integer.parseInt(Cli.value(args, ++i, "--batch", USAGE));
                case "--epochs" -> epochs = Integer.parseInt(Cli.value(args, ++i, "--epochs", USAGE));
                case "--lr" -> lr = Double.parseDouble(Cli.value(args, ++i, "--lr", USAGE));
                default -> throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; " + USAGE);
            }
        }
        SparkSession spark = SparkSetup.localSession(master, "sparknn-sparse-bench", false);
        Dataset<Row> df = generate(spark, rows).persist(StorageLevel.MEMORY_AND_DISK());
        System.out.printf(Locale.ROOT, "data: %d rows, %d features, %d non-zeros per row, cached%n", df.count(), FEATURES, NON_ZEROS);
        List<LayerSpec> layers = new ArrayList<>();
        if (hidden > 0) {
            layers.add(new LayerSpec.Dense(hidden));
            layers.add(new LayerSpec.Relu());
        }
        layers.add(new LayerSpec.Dense(2));
        layers.add(new LayerSpec.Softmax());
        ModelSpec spec = new ModelSpec(FEATURES, layers, LossKind.SOFTMAX_CROSS_ENTROPY);
        for (String exchange : new String[] {"driver", "allreduce"}) {
            TrainConfig config = TrainConfig.defaults().with("exchange", exchange).with("epochs", epochs).with("batchSize", batch)
                    .with("workers", 2).with("learningRate", lr).with("seed", 1L).with("progress", false);
            resetPeaks();
            long t0 = System.nanoTime();
            Shards shards = Shards.fromDataFrame(df, 2, config, new RowCheck("generated", "features", "label", 2, false));
            long t1 = System.nanoTime();
            Network net = Network.create(spec, 1);
            SparkTrainer.Result result = SparkTrainer.fit(shards, null, net, config, TrainingListener.silent());
            long t2 = System.nanoTime();
            shards.release();
            EpochMetrics last = result.training().history().get(result.training().history().size() - 1);
            System.out.printf(Locale.ROOT, "sparknn %s (%s, %d parameters, batch %d): packed in %.1f s, %d epochs in %.1f s = %.0f rows/s,"
                            + " train accuracy %.4f, peak heap %d MB%n", exchange, spec.layers().size() > 2 ? "2^18-" + hidden + "-2" : "2^18-2",
                    net.store().size(), batch, (t1 - t0) / 1e9, epochs, (t2 - t1) / 1e9, (double) rows * epochs / ((t2 - t1) / 1e9), last.trainAccuracy(), peakMb());
            System.out.println("  last epoch " + result.epochTimings().get(result.epochTimings().size() - 1));
        }
        resetPeaks();
        long t0 = System.nanoTime();
        LogisticRegressionModel mllib = new LogisticRegression().fit(df);
        long t1 = System.nanoTime();
        System.out.printf(Locale.ROOT, "MLlib LogisticRegression (maxIter 100, %d iterations): %.1f s = %.0f rows/s over all iterations,"
                        + " train accuracy %.4f, peak heap %d MB%n", mllib.summary().totalIterations(), (t1 - t0) / 1e9,
                (double) rows * Math.max(1, mllib.summary().totalIterations()) / ((t1 - t0) / 1e9), mllib.summary().accuracy(), peakMb());
        spark.stop();
    }

    /** Rows of 40 random features (values 1) with a label from a hidden weight per feature, keyed so any partition builds its rows alone. */
    private static Dataset<Row> generate(SparkSession spark, int rows) {
        StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
        return spark.createDataFrame(spark.range(rows).javaRDD().repartition(2).map(id -> {
            long key = CounterRng.key(7, id, 0x5A);
            java.util.TreeMap<Integer, Double> picked = new java.util.TreeMap<>();
            for (int k = 0; picked.size() < NON_ZEROS; k++) {
                picked.put((int) (CounterRng.uniform(key, k) * FEATURES), 1.0);
            }
            double score = 0;
            for (int j : picked.keySet()) {
                score += CounterRng.gaussian(CounterRng.key(7, -1, 0x5A), j);
            }
            int[] indices = picked.keySet().stream().mapToInt(Integer::intValue).toArray();
            double[] values = picked.values().stream().mapToDouble(Double::doubleValue).toArray();
            return RowFactory.create(score > 0 ? 1.0 : 0.0, Vectors.sparse(FEATURES, indices, values));
        }), schema);
    }

    private static void resetPeaks() {
        System.gc();
        ScaleBenchMain.HeapPeak.reset();
    }

    /** Peak heap in use in this JVM (in local mode the executors' too), sampled every 20 ms. */
    private static long peakMb() {
        return (long) ScaleBenchMain.HeapPeak.read() >> 20;
    }
}
