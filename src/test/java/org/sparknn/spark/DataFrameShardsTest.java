package org.sparknn.spark;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.data.Dataset;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shards built from a DataFrame (here read by Spark's LibSVM source) hold the right rows under the right ids. */
class DataFrameShardsTest {
    private static final int N = 500;

    private static Path writeLibSvm(Path dir, Dataset data) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < data.size(); r++) {
            sb.append((int) data.labels()[r]);
            for (int j = 0; j < data.featureSize(); j++) {
                float v = data.features()[r * data.featureSize() + j];
                if (v != 0f) {
                    sb.append(' ').append(j + 1).append(':').append(String.format(Locale.ROOT, "%.9g", v));
                }
            }
            sb.append('\n');
        }
        Path file = dir.resolve("digits.libsvm");
        Files.writeString(file, sb.toString());
        return file;
    }

    private static Dataset subset() {
        Dataset all = SparkTestSession.mnistTrain();
        // every 16th row, so all classes are present
        float[] x = new float[N * 784];
        float[] y = new float[N];
        for (int i = 0; i < N; i++) {
            System.arraycopy(all.features(), i * 16 * 784, x, i * 784, 784);
            y[i] = all.labels()[i * 16];
        }
        return new Dataset("subset", N, 784, x, y);
    }

    @Test
    void libSvmDataFrameGivesTheSameShardsAndGradientAsTheInMemoryPath(@TempDir Path dir) throws IOException {
        SparkSession spark = SparkTestSession.get();
        Dataset data = subset();
        org.apache.spark.sql.Dataset<Row> df = spark.read().format("libsvm").option("numFeatures", "784")
                .load(writeLibSvm(dir, data).toString()).repartition(1);
        Shards fromFrame = Shards.fromDataFrame(df, "features", "label", 3, 7);
        Shards fromMemory = Shards.fromDataset(SparkTestSession.jsc(), data, 3, 7);
        try {
            assertArrayEquals(fromMemory.sizes(), fromFrame.sizes());
            assertEquals(N, fromFrame.totalRows());
            assertEquals(784, fromFrame.featureSize());
            for (int s : fromFrame.sizes()) {
                assertTrue(Math.abs(s - N / 3.0) <= 1, "unbalanced shard " + s);
            }
            assertTrue(fromFrame.sparse(), "LibSVM rows stay sparse");
            for (ShardBlock b : fromFrame.blocks().collect()) {
                float[] features = b.sparse().toDense(784);
                for (int k = 0; k < b.rows(); k++) {
                    int id = (int) b.ids()[k];
                    assertEquals(b.shard(), Shards.shardOf(id, N, 3, 7));
                    assertEquals(data.labels()[id], b.labels()[k]);
                    for (int j = 0; j < 784; j++) {
                        assertEquals(data.features()[id * 784 + j], features[k * 784 + j], 1e-6f);
                    }
                }
            }
            ModelSpec spec = new ModelSpec(784, List.of(new LayerSpec.Dense(16), new LayerSpec.Relu(),
                    new LayerSpec.Dropout(0.5), new LayerSpec.Dense(10), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
            TrainConfig config = TrainConfig.defaults().with("batchSize", 60).with("seed", 7);
            Network a = Network.create(spec, 7);
            DriverExchange.stepGradient(fromFrame, a, config, 0, 1, 1);
            Network b = Network.create(spec, 7);
            DriverExchange.stepGradient(fromMemory, b, config, 0, 1, 1);
            assertArrayEquals(b.store().grads(), a.store().grads(), 1e-5f);
        } finally {
            fromFrame.release();
            fromMemory.release();
        }
    }

    @Test
    void missingColumnIsAClearError() {
        SparkSession spark = SparkTestSession.get();
        org.apache.spark.sql.Dataset<Row> df = spark.range(10).toDF("x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Shards.fromDataFrame(df, "features", "label", 2, 1));
        assertTrue(e.getMessage().contains("no column 'features'") && e.getMessage().contains("[x]"), e.getMessage());
    }

    /** Columns label and features, in two partitions that keep the rows' order. */
    private static org.apache.spark.sql.Dataset<Row> frame(double[] labels, double[][] features) {
        List<Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            rows.add(org.apache.spark.sql.RowFactory.create(labels[i], Vectors.dense(features[i])));
        }
        StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
        return SparkTestSession.get().createDataFrame(SparkTestSession.jsc().parallelize(rows, 2), schema);
    }

    @Test
    void droppedRowsAreCountedAndTheKeptOnesNumberedWithoutGaps() {
        double inf = Double.POSITIVE_INFINITY;
        // rows 2, 3, 4, 6 hold a non-finite label or feature (1e39 overflows a float); they sit in both partitions
        double[] labels = {0, 1, Double.NaN, 1, 0, 1, 0, 1};
        double[][] x = {{0, 0}, {1, 1}, {2, 2}, {3, Double.NaN}, {4, 1e39}, {5, 5}, {-inf, 6}, {7, 7}};
        org.apache.spark.sql.Dataset<Row> df = frame(labels, x);
        Shards shards = Shards.fromDataFrame(df, 2, 3, new RowCheck("dirty", "features", "label", 2, true));
        try {
            assertEquals(4, shards.dropped());
            assertEquals(4, shards.totalRows());
            long[] idToInputRow = {0, 1, 5, 7};
            int seen = 0;
            for (ShardBlock b : shards.blocks().collect()) {
                for (int k = 0; k < b.rows(); k++) {
                    int id = (int) b.ids()[k];
                    assertEquals(b.shard(), Shards.shardOf(id, 4, 2, 3));
                    int row = (int) idToInputRow[id];
                    assertEquals(labels[row], b.labels()[k]);
                    assertEquals(x[row][1], b.features()[k * 2 + 1]);
                    seen++;
                }
            }
            assertEquals(4, seen);
        } finally {
            shards.release();
        }

        org.apache.spark.sql.Dataset<Row> one = frame(new double[] {0, 1}, new double[][] {{Double.NaN, 0}, {1, 1}});
        Throwable e = rootCause(assertThrows(Exception.class, () -> Shards.fromDataFrame(one, 1, 3,
                new RowCheck("dirty", "features", "label", 2, false))));
        assertEquals("dirty: column 'features' of row 0 holds NaN at index 0; features must be finite numbers", e.getMessage(),
                "dropping is opt-in");
        // a finite label outside the classes is an error even when dropping
        e = rootCause(assertThrows(Exception.class, () -> Shards.fromDataFrame(one, 1, 3,
                new RowCheck("dirty", "features", "label", 1, true))));
        assertEquals("dirty: column 'label' of row 1 is 1.0, which is not a class index of the model's 1 classes (0..0)",
                e.getMessage());
    }

    private static Throwable rootCause(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        return e;
    }

    @Test
    void fewerRowsThanWorkersOrABatchSmallerThanTheWorkersNameTheSetting() {
        double[][] x = {{0, 0}, {1, 1}, {2, 2}};
        org.apache.spark.sql.Dataset<Row> df = frame(new double[] {0, 1, 0}, x);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Shards.fromDataFrame(df, 4, 1, new RowCheck("three.libsvm", "features", "label", 2, false)));
        assertEquals("workers must be in 1..3 for three.libsvm (3 rows), got 4", e.getMessage());

        Shards shards = Shards.fromDataFrame(df, 3, 1, new RowCheck("three.libsvm", "features", "label", 2, false));
        try {
            Network net = Network.create(new ModelSpec(2, List.of(new LayerSpec.Dense(2), new LayerSpec.Softmax()),
                    LossKind.SOFTMAX_CROSS_ENTROPY), 1);
            e = assertThrows(IllegalArgumentException.class, () -> SparkTrainer.fit(shards, null, net,
                    TrainConfig.defaults().with("batchSize", 2).with("epochs", 1), TrainingListener.silent()));
            assertEquals("batchSize 2 is smaller than the number of workers 3; every worker needs at least one sample per step",
                    e.getMessage());
        } finally {
            shards.release();
        }
    }
}
