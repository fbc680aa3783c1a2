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
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.sparknn.nn.MlpShape;
import org.sparknn.spark.SparkSetup;
import org.sparknn.spark.ml.NeuralNetClassificationModel;
import org.sparknn.spark.ml.NeuralNetClassifier;
import org.sparknn.tensor.CounterRng;
import org.sparknn.train.Choices.ExchangeMode;
import org.sparknn.train.Choices.SparseUpdate;
import org.sparknn.train.TrainConfig;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sparse input at click-data shape: a generated DataFrame of --rows rows over 2^18 features with
 * about 40 non-zeros each (SparseVectors; the label is the sign of a hidden linear score). One
 * or more epochs of sparknn's estimator (2^18-H-2, default H = 64; logistic regression 2^18-2 with
 * --hidden 0) on each exchange asked for, then MLlib's LogisticRegression on the same cached rows.
 * Prints rows/s (of the whole fit and of the training steps), training accuracy and AUC, and the
 * peak heap of each run (sampled every 20 ms, reset before it).
 *
 * <pre>SparseBenchMain [--master local[2]] [--rows 100000] [--hidden 64] [--batch 512] [--epochs 1] [--lr 0.01]
 *                 [--sparse-update lazy|dense] [--exchanges allreduce,driver]</pre>
 */
public final class SparseBenchMain {
    private static final String USAGE = "usage: bench-scale --sparse [--master URL] [--rows N] [--hidden H] [--batch B] [--epochs E] "
            + "[--lr RATE] [--sparse-update lazy|dense] [--exchanges allreduce,driver]";
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
        int hidden = 64;
        int batch = 512;
        int epochs = 1;
        double lr = 0.01;
        String update = "lazy";
        List<String> exchanges = List.of("allreduce");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--master" -> master = Cli.value(args, ++i, "--master", USAGE);
                case "--rows" -> rows = Integer.parseInt(Cli.value(args, ++i, "--rows", USAGE));
                case "--hidden" -> hidden = Integer.parseInt(Cli.value(args, ++i, "--hidden", USAGE));
                case "--batch" -> batch = Integer.parseInt(Cli.value(args, ++i, "--batch", USAGE));
                case "--epochs" -> epochs = Integer.parseInt(Cli.value(args, ++i, "--epochs", USAGE));
                case "--lr" -> lr = Double.parseDouble(Cli.value(args, ++i, "--lr", USAGE));
                case "--sparse-update" -> update = Cli.value(args, ++i, "--sparse-update", USAGE);
                case "--exchanges" -> exchanges = List.of(Cli.value(args, ++i, "--exchanges", USAGE).split(","));
                default -> throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; " + USAGE);
            }
        }
        SparkSession spark = SparkSetup.localSession(master, "sparknn-sparse-bench", false);
        Dataset<Row> df = generate(spark, rows).persist(StorageLevel.MEMORY_AND_DISK());
        System.out.printf(Locale.ROOT, "data: %d rows, %d features, %d non-zeros per row, cached%n", df.count(), FEATURES, NON_ZEROS);
        String shape = hidden > 0 ? "2^18-" + hidden + "-2" : "2^18-2";
        BinaryClassificationEvaluator auc = new BinaryClassificationEvaluator().setMetricName("areaUnderROC");
        for (String exchange : exchanges) {
            resetPeaks();
            long t0 = System.nanoTime();
            NeuralNetClassificationModel model = new NeuralNetClassifier().set(MlpShape.HIDDEN_LAYERS, hidden > 0 ? new int[] {hidden} : new int[0])
                    .set(TrainConfig.EXCHANGE, ExchangeMode.valueOf(exchange.toUpperCase(Locale.ROOT))).set(TrainConfig.EPOCHS, epochs)
                    .set(TrainConfig.BATCH_SIZE, batch).set(TrainConfig.WORKERS, 2).set(TrainConfig.LEARNING_RATE, lr)
                    .set(TrainConfig.SEED, 1L).set(TrainConfig.PROGRESS, false)
                    .set(TrainConfig.SPARSE_UPDATE, SparseUpdate.valueOf(update.toUpperCase(Locale.ROOT))).fit(df);
            long t1 = System.nanoTime();
            Map<String, Object> summary = model.trainingSummary();
            double trainSeconds = ((Number) summary.get("seconds")).doubleValue();
            long peak = peakMb();
            double area = auc.evaluate(model.transform(df));
            System.out.printf(Locale.ROOT, "sparknn %s (estimator, %s, %d parameters, batch %d, sparseUpdate=%s): fit %.1f s = %.0f rows/s;"
                            + " %d epochs of training steps %.1f s = %.0f rows/s; train accuracy %.4f, train AUC %.4f; peak heap %d MB%n",
                    exchange, shape, model.trainedNetwork().weights().length, batch, update, (t1 - t0) / 1e9,
                    (double) rows * epochs / ((t1 - t0) / 1e9), epochs, trainSeconds, ((Number) summary.get("samplesPerSecond")).doubleValue(),
                    ((Number) summary.get("finalTrainAccuracy")).doubleValue(), area, peak);
        }
        resetPeaks();
        long t0 = System.nanoTime();
        LogisticRegressionModel mllib = new LogisticRegression().fit(df);
        long t1 = System.nanoTime();
        long peak = peakMb();
        System.out.printf(Locale.ROOT, "MLlib LogisticRegression (maxIter 100, %d iterations): %.1f s = %.0f rows/s over all iterations,"
                        + " train accuracy %.4f, train AUC %.4f, peak heap %d MB%n", mllib.summary().totalIterations(), (t1 - t0) / 1e9,
                (double) rows * Math.max(1, mllib.summary().totalIterations()) / ((t1 - t0) / 1e9), mllib.summary().accuracy(),
                auc.evaluate(mllib.transform(df)), peak);
        spark.stop();
    }

    /** Rows of 40 random features (values 1) with a label from a hidden weight per feature, keyed so any partition builds its rows alone. */
    static Dataset<Row> generate(SparkSession spark, int rows) {
        return generate(spark, 0, rows, 2);
    }

    /** Rows with ids first..first+rows-1 (the same id gives the same row), in the given number of partitions. */
    static Dataset<Row> generate(SparkSession spark, long first, long rows, int partitions) {
        StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
        return spark.createDataFrame(spark.range(first, first + rows, 1, partitions).javaRDD().map(id -> {
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
