package org.sparknn.spark.ml;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.MlpShape;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.spark.SparkSetup;
import org.sparknn.train.Evaluator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Monte-Carlo dropout scoring through the Spark ML model (param mcSamples): each row's
 * probabilities are the mean of k thinned networks' ({@link Evaluator#predictMonteCarlo} with the
 * row's feature hash as sample id), independent of partitioning; 0 is the weight-scaled network.
 */
class MonteCarloScoringTest {
    private static final double TOLERANCE = 1e-5;
    private static final long SEED = 7;
    private static SparkSession spark;
    private static List<Row> rows;

    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() {
        spark = SparkSetup.localSession("local[2]", "sparknn-mc-tests", false);
        Random rnd = new Random(3);
        rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            rows.add(RowFactory.create((long) i, Vectors.dense(rnd.doubles(784).toArray())));
        }
    }

    private static NeuralNetClassificationModel model(double dropout) {
        ModelSpec spec = ModelSpec.mlp(784, new MlpShape(new int[] {64, 64}, MlpShape.Activation.RELU, dropout, false,
                LayerSpec.BatchNorm.DEFAULT_MOMENTUM), 10, LossKind.SOFTMAX_CROSS_ENTROPY);
        Network net = Network.create(spec, 1);
        TrainedNetwork t = new TrainedNetwork(spec.toJson(), net.store().values().clone(), net.store().state().clone(),
                Map.of("seed", SEED), Map.of());
        return NeuralNetClassificationModel.fromTrained(t, 10);
    }

    private static Dataset<Row> frame(int partitions) {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("features", SQLDataTypes.VectorType());
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, partitions), schema);
    }

    private static double[][] probabilities(NeuralNetClassificationModel m, Dataset<Row> data) {
        List<Row> out = m.transform(data).orderBy("id").select("probability").collectAsList();
        double[][] p = new double[out.size()][];
        for (int i = 0; i < p.length; i++) {
            p[i] = ((Vector) out.get(i).get(0)).toArray();
        }
        return p;
    }

    @Test
    void zeroIsTheDefaultAndNegativeCountsAreRefused() {
        NeuralNetClassificationModel m = model(0.5);
        assertEquals(0, m.getMcSamples());
        assertThrows(IllegalArgumentException.class, () -> m.setMcSamples(-1));
        assertThrows(IllegalArgumentException.class, () -> m.setMcSamples(Integer.MAX_VALUE));
    }

    @Test
    void eachRowIsTheMeanOfKThinnedNetworksWhateverThePartitioning() {
        NeuralNetClassificationModel m = model(0.5);
        double[][] scaled = probabilities(m, frame(3));
        m.setMcSamples(20);
        double[][] mc = probabilities(m, frame(3));
        double[][] mcOnePartition = probabilities(m, frame(1));
        Network net = m.trainedNetwork().network();
        double largestChange = 0;
        for (int i = 0; i < rows.size(); i++) {
            double[] xd = ((Vector) rows.get(i).get(1)).toArray();
            float[] x = new float[xd.length];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) xd[j];
            }
            float[] expected = Evaluator.predictMonteCarlo(net, x, 1, new long[] {BatchScorer.featureHash(x, 0, x.length)}, 20, SEED);
            double sum = 0;
            for (int k = 0; k < 10; k++) {
                assertEquals(expected[k], mc[i][k], TOLERANCE, "row " + i + " class " + k);
                assertEquals(mc[i][k], mcOnePartition[i][k], TOLERANCE, "row " + i + ": the partitioning changed its masks");
                largestChange = Math.max(largestChange, Math.abs(mc[i][k] - scaled[i][k]));
                sum += mc[i][k];
            }
            assertEquals(1.0, sum, 1e-6);
        }
        assertTrue(largestChange > 1e-3, "Monte-Carlo averaging gave the weight-scaled probabilities: " + largestChange);
    }

    @Test
    void withoutDropoutEverySampleIsTheWeightScaledNetwork() {
        NeuralNetClassificationModel m = model(0);
        double[][] scaled = probabilities(m, frame(2));
        double[][] mc = probabilities(m.setMcSamples(3), frame(2));
        for (int i = 0; i < rows.size(); i++) {
            for (int k = 0; k < 10; k++) {
                assertEquals(scaled[i][k], mc[i][k], TOLERANCE);
            }
        }
    }

    @Test
    void theParamIsSavedAndLoaded() throws java.io.IOException {
        String path = dir.resolve("mc-model").toString();
        model(0.5).setMcSamples(5).write().overwrite().save(path);
        assertEquals(5, NeuralNetClassificationModel.load(path).getMcSamples());
    }
}
