package org.sparknn.spark.ml;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.MlpShape;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.spark.SparkSetup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * transform scores in batches; its columns must be what the per-row API (predictRaw,
 * predictProbability, predict) gives for each row. Batched logits are NOT bit-identical to the
 * per-row ones: the pure-Java BLAS sums the dot products of a 784 x 256 layer in another order
 * for a batch than for one row (up to 1.6e-7 relative to 1 + |logit| seen here), so logits and
 * probabilities are compared with a tight tolerance and predictions exactly.
 */
class BatchScoringTest {
    private static final double TOLERANCE = 1e-6;
    private static SparkSession spark;
    private static NeuralNetClassificationModel classifier;
    private static List<Row> rows;
    private static Dataset<Row> data;

    @BeforeAll
    static void setUp() {
        spark = SparkSetup.localSession("local[2]", "sparknn-ml-tests", false);
        ModelSpec spec = ModelSpec.mlp(784, new MlpShape(new int[] {256, 256}, MlpShape.Activation.RELU, 0.2, true,
                LayerSpec.BatchNorm.DEFAULT_MOMENTUM), 10, LossKind.SOFTMAX_CROSS_ENTROPY);
        classifier = NeuralNetClassificationModel.fromTrained(randomNetwork(spec, 1), 10);
        rows = randomRows(400, 784, 2);
        // partitions of 300 (a full batch and a partial one), 0, 50 and 50 rows
        data = frame(rows.subList(0, 300), 1, rows.subList(300, 400), 2);
    }

    /** The bundled model's shape with random weights and random BN population statistics. */
    private static TrainedNetwork randomNetwork(ModelSpec spec, long seed) {
        Network net = Network.create(spec, seed);
        float[] state = net.store().state().clone();
        Random rnd = new Random(seed);
        for (int i = 0; i < state.length; i++) {
            state[i] = 0.5f + rnd.nextFloat();
        }
        return new TrainedNetwork(spec.toJson(), net.store().values().clone(), state, Map.of(), Map.of());
    }

    /** Rows (id, name, features): every third features vector sparse, the others dense. */
    private static List<Row> randomRows(int n, int size, long seed) {
        Random rnd = new Random(seed);
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Vector v;
            if (i % 3 == 0) {
                int[] idx = rnd.ints(0, size).distinct().limit(size / 8).sorted().toArray();
                v = Vectors.sparse(size, idx, rnd.doubles(idx.length).toArray());
            } else {
                v = Vectors.dense(rnd.doubles(size).toArray());
            }
            out.add(RowFactory.create((long) i, "row-" + i, v));
        }
        return out;
    }

    /** {@code first} in {@code firstSlices} partitions, one empty partition, then {@code rest} in {@code restSlices}. */
    private static Dataset<Row> frame(List<Row> first, int firstSlices, List<Row> rest, int restSlices) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Row> rdd = jsc.parallelize(first, firstSlices).union(jsc.parallelize(List.<Row>of(), 1))
                .union(jsc.parallelize(rest, restSlices));
        StructType schema = new StructType().add("id", DataTypes.LongType).add("name", DataTypes.StringType)
                .add("features", SQLDataTypes.VectorType());
        return spark.createDataFrame(rdd, schema);
    }

    private static void assertClose(Vector expected, Vector actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.apply(i), actual.apply(i), TOLERANCE * (1 + Math.abs(expected.apply(i))));
        }
    }

    /** The input columns, unchanged and in order, then the added ones as the model's transformSchema types them. */
    private static void assertSchema(StructType input, StructType expectedTypes, StructType actual, String... added) {
        List<StructField> expected = new ArrayList<>(Arrays.asList(input.fields()));
        for (String name : added) {
            expected.add(expectedTypes.apply(name));
        }
        assertEquals(expected, Arrays.asList(actual.fields()));
    }

    @Test
    void batchedTransformMatchesPerRowScoringCachedOrNot() {
        assertEquals(4, data.javaRDD().getNumPartitions());
        assertMatchesPerRowScoring(classifier.transform(data));
        try {
            assertMatchesPerRowScoring(classifier.transform(data.cache()));
        } finally {
            data.unpersist();
        }
    }

    private static void assertMatchesPerRowScoring(Dataset<Row> out) {
        assertSchema(data.schema(), classifier.transformSchema(data.schema()), out.schema(), "rawPrediction", "probability", "prediction");
        List<Row> scored = out.collectAsList();
        assertEquals(rows.size(), scored.size());
        for (int i = 0; i < rows.size(); i++) {
            Row in = rows.get(i);
            Row r = scored.get(i);
            assertEquals(in, RowFactory.create(r.get(0), r.get(1), r.get(2)), "row " + i + " keeps its place and columns");
            Vector features = in.getAs(2);
            Vector raw = r.getAs(3);
            assertClose(classifier.predictRaw(features), raw);
            assertClose(classifier.predictProbability(features), r.getAs(4));
            // within a row the columns agree exactly, as Spark derives them from rawPrediction
            assertArrayEquals(classifier.raw2probabilityInPlace(raw.copy()).toArray(), ((Vector) r.getAs(4)).toArray(), 0.0);
            assertEquals(raw.argmax(), r.getDouble(5));
            assertEquals(classifier.predict(features), r.getDouble(5), "row " + i);
        }
    }

    @Test
    void thresholdsAndEmptyColumnNamesFollowSparksRules() {
        double[] thresholds = new double[10];
        Arrays.fill(thresholds, 1.0);
        thresholds[7] = 0.02; // favours class 7
        NeuralNetClassificationModel m = classifier.copy(ParamMap.empty())
                .setThresholds(thresholds).setProbabilityCol("");
        Dataset<Row> out = m.transform(data);
        assertSchema(data.schema(), m.transformSchema(data.schema()), out.schema(), "rawPrediction", "prediction");
        List<Row> scored = out.collectAsList();
        int moved = 0;
        for (int i = 0; i < rows.size(); i++) {
            Vector features = rows.get(i).getAs(2);
            Vector raw = scored.get(i).getAs(3);
            double prediction = scored.get(i).getDouble(4);
            assertEquals(m.predict(features), prediction, "row " + i);
            moved += prediction != raw.argmax() ? 1 : 0;
        }
        assertTrue(moved > 0, "the thresholds change some predictions");

        // without rawPrediction, the prediction is taken from the probability, thresholds still applied
        NeuralNetClassificationModel noRaw = m.copy(ParamMap.empty())
                .setProbabilityCol("p").setRawPredictionCol("");
        List<Row> fromProbability = noRaw.transform(data).select("id", "p", "prediction").collectAsList();
        for (int i = 0; i < rows.size(); i++) {
            Row r = fromProbability.get(i);
            assertEquals(noRaw.predict(rows.get(i).getAs(2)), r.getDouble(2), "row " + i);
            assertEquals(m.probability2prediction(r.getAs(1)), r.getDouble(2));
        }

        NeuralNetClassificationModel none = m.copy(ParamMap.empty())
                .setRawPredictionCol("").setPredictionCol("");
        assertEquals(data.schema(), none.transform(data).schema());

        // setThresholds checks the length; a value set directly is caught by transform, as in Spark
        NeuralNetClassificationModel wrong = classifier.copy(ParamMap.empty());
        wrong.set(wrong.thresholds(), new double[] {1, 1});
        Exception e = assertThrows(IllegalArgumentException.class, () -> wrong.transform(data));
        assertTrue(e.getMessage().contains("numClasses=10, but thresholds has length 2"), e.getMessage());
    }

    @Test
    void scoresInsideAPipeline() {
        Dataset<Row> pixels = data.withColumnRenamed("features", "pixels").withColumnRenamed("name", "row.name");
        VectorAssembler assembler = new VectorAssembler().setInputCols(new String[] {"pixels"}).setOutputCol("features");
        PipelineModel pipeline = new Pipeline().setStages(new PipelineStage[] {assembler, classifier}).fit(pixels);
        Dataset<Row> scored = pipeline.transform(pixels);
        assertEquals(List.of("id", "row.name", "pixels", "features", "rawPrediction", "probability", "prediction"),
                List.of(scored.columns()));
        List<Row> out = scored.select("id", "pixels", "prediction").collectAsList();
        assertEquals(rows.size(), out.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals((long) i, out.get(i).getLong(0));
            assertEquals(classifier.predict(out.get(i).getAs(1)), out.get(i).getDouble(2), "row " + i);
        }
    }

    @Test
    void regressionModelScoresInBatchesToo() {
        ModelSpec spec = ModelSpec.mlp(784, new MlpShape(new int[] {64}, MlpShape.Activation.TANH, 0, false,
                LayerSpec.BatchNorm.DEFAULT_MOMENTUM), 1, LossKind.MSE);
        NeuralNetRegressionModel regressor = NeuralNetRegressionModel.fromTrained(randomNetwork(spec, 3), "mse");
        Dataset<Row> out = regressor.transform(data);
        assertSchema(data.schema(), regressor.transformSchema(data.schema()), out.schema(), "prediction");
        List<Row> scored = out.collectAsList();
        for (int i = 0; i < rows.size(); i++) {
            double expected = regressor.predict(rows.get(i).getAs(2));
            assertEquals(expected, scored.get(i).getDouble(3), TOLERANCE * (1 + Math.abs(expected)), "row " + i);
        }
        assertEquals(data.schema(), regressor.setPredictionCol("").transform(data).schema());
    }

    @Test
    void wrongOrMissingFeaturesAreNamed() {
        List<Row> bad = new ArrayList<>(rows.subList(0, 10));
        bad.add(RowFactory.create(10L, "short", Vectors.dense(new double[783])));
        assertTaskError(frame(bad, 1, List.of(), 1), "column 'features' holds a vector of size 783; the model expects size 784");
        List<Row> missing = new ArrayList<>(rows.subList(0, 10));
        missing.add(RowFactory.create(10L, "none", null));
        assertTaskError(frame(missing, 1, List.of(), 1), "column 'features' holds a null");
    }

    /** The job fails with an IllegalArgumentException (wrapped by Spark) whose message contains {@code text}. */
    private static void assertTaskError(Dataset<Row> input, String text) {
        Exception e = assertThrows(Exception.class, () -> classifier.transform(input).collectAsList());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException && t.getMessage().contains(text)) {
                return;
            }
        }
        throw new AssertionError("no IllegalArgumentException with '" + text + "' in " + e, e);
    }
}
