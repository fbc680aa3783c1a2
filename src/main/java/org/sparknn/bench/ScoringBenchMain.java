package org.sparknn.bench;

import org.apache.spark.ml.Model;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.sparknn.cli.Cli;
import org.sparknn.cli.Inputs;
import org.sparknn.cli.JobConfig;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.spark.SparkSetup;
import org.sparknn.spark.ml.NeuralNetClassificationModel;
import org.sparknn.spark.ml.TrainedNetwork;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * Scoring throughput of transform, in one run on the same cached data and Spark master: sparknn's
 * bundled network (the layers of conf/mnist-mlp.conf) and MLlib's
 * MultilayerPerceptronClassificationModel of the same layer sizes, in rows/s, and their ratio.
 * The data is the bundled training images repeated up to --rows rows. Weights do not change the
 * speed, so sparknn's are its initial ones and MLlib's come from a fit with maxIter=1 on a
 * sample. Each transform writes every column to Spark's noop sink; the first pass of each model
 * warms up the JIT, the second is timed.
 *
 * <pre>ScoringBenchMain [--master local[2]] [--rows 200000]</pre>
 */
public final class ScoringBenchMain {
    private static final String USAGE = "usage: bench-scoring [--master URL] [--rows N]";

    private ScoringBenchMain() {}

    public static void main(String[] args) {
        Cli.exit("bench-scoring", () -> {
            run(args);
            return null;
        });
    }

    static void run(String[] args) throws Exception {
        String master = "local[2]";
        long rows = 200_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--master" -> master = Cli.value(args, ++i, "--master", USAGE);
                case "--rows" -> rows = Long.parseLong(Cli.value(args, ++i, "--rows", USAGE));
                default -> throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; " + USAGE);
            }
        }
        JobConfig job = JobConfig.load("conf/mnist-mlp.conf", List.of());
        ModelSpec spec = job.model();
        SparkSession spark = SparkSetup.localSession(master, "sparknn-scoring-bench", false);
        try {
            org.apache.spark.sql.Dataset<Row> images = Inputs.cachedFrame(spark, Inputs.idx(job.data().train(), "train"));
            org.apache.spark.sql.Dataset<Row> data = repeated(spark, images, rows);
            System.out.printf(Locale.ROOT, "data: %d rows of %d features in %d partitions; Spark %s, master %s%n", rows,
                    spec.inputSize(), data.javaRDD().getNumPartitions(), spark.version(), master);

            Network net = Network.create(spec, 42);
            NeuralNetClassificationModel ours = NeuralNetClassificationModel.fromTrained(new TrainedNetwork(spec.toJson(),
                    net.store().values(), net.store().state(), Map.of(), Map.of()), spec.outputSize());
            int[] layers = layerSizes(spec);
            Model<?> mllib = new MultilayerPerceptronClassifier().setLayers(layers).setMaxIter(1).setSeed(42)
                    .fit(images.sample(0.125, 1));

            double oursRate = rowsPerSecond(ours, data, rows);
            System.out.printf(Locale.ROOT, "sparknn %s transform: %,.0f rows/s%n", describe(spec, layers), oursRate);
            double mllibRate = rowsPerSecond(mllib, data, rows);
            System.out.printf(Locale.ROOT, "MLlib MultilayerPerceptronClassificationModel %s transform: %,.0f rows/s%n",
                    join(layers), mllibRate);
            System.out.printf(Locale.ROOT, "sparknn / MLlib: %.2fx%n", oursRate / mllibRate);
        } finally {
            spark.stop();
        }
    }

    /** The images repeated until there are {@code rows} rows, cached (spilling to disk when needed). */
    private static org.apache.spark.sql.Dataset<Row> repeated(SparkSession spark, org.apache.spark.sql.Dataset<Row> images, long rows) {
        long n = images.count();
        org.apache.spark.sql.Dataset<Row> copies = spark.range((rows + n - 1) / n).withColumnRenamed("id", "copy");
        org.apache.spark.sql.Dataset<Row> data = images.crossJoin(copies)
                .where(col("copy").multiply(n).plus(col("id")).lt(rows))
                .select(col("copy").multiply(n).plus(col("id")).as("id"), col("label"), col("features"))
                .repartition(2 * spark.sparkContext().defaultParallelism())
                .persist(StorageLevel.MEMORY_AND_DISK());
        data.count();
        return data;
    }

    private static double rowsPerSecond(Model<?> model, org.apache.spark.sql.Dataset<Row> data, long rows) {
        double seconds = 0;
        for (int pass = 0; pass < 2; pass++) {
            long start = System.nanoTime();
            model.transform(data).write().format("noop").mode("overwrite").save();
            seconds = (System.nanoTime() - start) / 1e9;
        }
        return rows / seconds;
    }

    private static int[] layerSizes(ModelSpec spec) {
        List<Integer> sizes = new ArrayList<>(List.of(spec.inputSize()));
        for (LayerSpec l : spec.layers()) {
            if (l instanceof LayerSpec.Dense d) {
                sizes.add(d.units());
            }
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String describe(ModelSpec spec, int[] layers) {
        boolean bn = spec.layers().stream().anyMatch(l -> l instanceof LayerSpec.BatchNorm);
        return join(layers) + (bn ? " BN" : "");
    }

    private static String join(int[] layers) {
        StringBuilder sb = new StringBuilder();
        for (int size : layers) {
            sb.append(sb.length() == 0 ? "" : "-").append(size);
        }
        return sb.toString();
    }
}
