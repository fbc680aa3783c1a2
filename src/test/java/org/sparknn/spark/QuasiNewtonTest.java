package org.sparknn.spark;

import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparknn.data.Dataset;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.ParamBlock;
import org.sparknn.nn.Pass;
import org.sparknn.train.Evaluation;
import org.sparknn.train.Evaluator;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Full-batch L-BFGS and OWL-QN against Spark MLlib's solutions of the same problems. */
class QuasiNewtonTest {
    private static final ModelSpec SOFTMAX = new ModelSpec(784, List.of(new LayerSpec.Dense(10, "glorot"),
            new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
    private static Dataset train;
    private static Dataset test;
    private static Dataset scaled;
    private static org.apache.spark.sql.Dataset<Row> trainFrame;
    private static org.apache.spark.sql.Dataset<Row> testFrame;
    private static org.apache.spark.sql.Dataset<Row> scaledFrame;

    @BeforeAll
    static void data() {
        train = stride(SparkTestSession.mnistTrain(), 4);
        test = stride(SparkTestSession.mnistTest(), 2);
        scaled = unitVariance(train);
        trainFrame = frame(SparkTestSession.get(), train).cache();
        testFrame = frame(SparkTestSession.get(), test).cache();
        scaledFrame = frame(SparkTestSession.get(), scaled).cache();
    }

    /**
     * Pixels divided by their standard deviation (constant pixels set to 0). On raw pixels the L2
     * problem is so ill-conditioned that MLlib (which optimizes in standardized space) does not
     * converge in hundreds of iterations; on unit-variance features both solvers do.
     */
    private static Dataset unitVariance(Dataset d) {
        int n = d.size();
        float[] x = d.features().clone();
        for (int j = 0; j < 784; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += x[i * 784 + j];
            }
            mean /= n;
            double var = 0;
            for (int i = 0; i < n; i++) {
                var += Math.pow(x[i * 784 + j] - mean, 2);
            }
            double std = Math.sqrt(var / (n - 1));
            for (int i = 0; i < n; i++) {
                x[i * 784 + j] = std == 0 ? 0f : (float) (x[i * 784 + j] / std);
            }
        }
        return new Dataset(d.source() + " (unit variance)", n, 784, x, d.labels());
    }

    private static Dataset stride(Dataset d, int k) {
        int n = d.size() / k;
        float[] x = new float[n * 784];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(d.features(), i * k * 784, x, i * 784, 784);
            y[i] = d.labels()[i * k];
        }
        return new Dataset(d.source() + " every " + k, n, 784, x, y);
    }

    private static org.apache.spark.sql.Dataset<Row> frame(SparkSession spark, Dataset d) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            double[] x = new double[784];
            for (int j = 0; j < 784; j++) {
                x[j] = d.features()[i * 784 + j];
            }
            rows.add(RowFactory.create((double) d.labels()[i], Vectors.dense(x)));
        }
        return spark.createDataFrame(rows, new StructType().add("label", DataTypes.DoubleType)
                .add("features", SQLDataTypes.VectorType()));
    }

    private static Network fit(ModelSpec spec, TrainConfig config) {
        return fit(spec, config, train);
    }

    private static Network fit(ModelSpec spec, TrainConfig config, Dataset data) {
        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), data, 2, config.get(TrainConfig.SEED));
        try {
            Network net = Network.create(spec, config.get(TrainConfig.SEED));
            SparkTrainer.fit(shards, null, net, config, TrainingListener.silent());
            return net;
        } finally {
            shards.release();
        }
    }

    /** Network holding MLlib's multinomial logistic regression coefficients and intercepts. */
    private static Network fromMllib(LogisticRegressionModel m) {
        Network net = Network.create(SOFTMAX, 0);
        float[] w = net.store().values();
        Matrix c = m.coefficientMatrix();
        for (int k = 0; k < 10; k++) {
            for (int j = 0; j < 784; j++) {
                w[k * 784 + j] = (float) c.apply(k, j);
            }
            w[7840 + k] = (float) m.interceptVector().apply(k);
        }
        return net;
    }

    /** Mean cross-entropy over the training set plus the penalty, evaluated in one JVM. */
    private static double objective(Network net, double l1, double l2, Dataset data) {
        float[] out = net.forward(data.features(), data.size(), Pass.inference());
        double loss = net.lossSum(out, data.labels(), data.size()) / data.size();
        ParamBlock weights = net.store().blocks().get(0);
        double abs = 0;
        double sq = 0;
        for (int i = weights.offset(); i < weights.end(); i++) {
            abs += Math.abs(net.store().values()[i]);
            sq += Math.pow(net.store().values()[i], 2);
        }
        return loss + l1 * abs + 0.5 * l2 * sq;
    }

    private static double agreement(Network a, Network b, Dataset data) {
        float[] pa = a.forward(data.features(), data.size(), Pass.inference()).clone();
        float[] pb = b.forward(data.features(), data.size(), Pass.inference());
        int same = 0;
        for (int r = 0; r < data.size(); r++) {
            if (Network.argmax(pa, r * 10, 10) == Network.argmax(pb, r * 10, 10)) {
                same++;
            }
        }
        return (double) same / data.size();
    }

    @Test
    void lbfgsSoftmaxRegressionWithL2MatchesMllib() {
        double reg = 0.01;
        Network ours = fit(SOFTMAX, TrainConfig.defaults().with("solver", "lbfgs").with("l2", reg).with("maxIterations", 300).with("tolerance", 1e-9).with("seed", 1), scaled);
        LogisticRegressionModel mllib = new LogisticRegression().setFamily("multinomial").setStandardization(false)
                .setRegParam(reg).setElasticNetParam(0).setMaxIter(300).setTol(1e-9).fit(scaledFrame);
        Network theirs = fromMllib(mllib);
        double fOurs = objective(ours, 0, reg, scaled);
        double fTheirs = objective(theirs, 0, reg, scaled);
        double[] hist = mllib.summary().objectiveHistory();
        System.out.printf("L2: objective ours %.8f, MLlib %.8f (its own figure %.8f after %d iterations), prediction agreement %.4f%n",
                fOurs, fTheirs, hist[hist.length - 1], mllib.summary().totalIterations(), agreement(ours, theirs, scaled));
        assertEquals(fTheirs, fOurs, 1e-4 * fTheirs);
        assertTrue(agreement(ours, theirs, scaled) > 0.99);
    }

    @Test
    void owlqnSoftmaxRegressionWithL1MatchesMllibLossAndZeros() {
        double reg = 0.002;
        Network ours = fit(SOFTMAX, TrainConfig.defaults().with("solver", "owlqn").with("l1", reg).with("maxIterations", 500).with("tolerance", 1e-10).with("seed", 1));
        LogisticRegressionModel mllib = new LogisticRegression().setFamily("multinomial").setStandardization(false)
                .setRegParam(reg).setElasticNetParam(1).setMaxIter(500).setTol(1e-10).fit(trainFrame);
        Network theirs = fromMllib(mllib);
        double fOurs = objective(ours, reg, 0, train);
        double fTheirs = objective(theirs, reg, 0, train);
        int same = 0;
        int zerosOurs = 0;
        int zerosTheirs = 0;
        for (int i = 0; i < 7840; i++) {
            boolean zo = ours.store().values()[i] == 0f;
            boolean zt = theirs.store().values()[i] == 0f;
            zerosOurs += zo ? 1 : 0;
            zerosTheirs += zt ? 1 : 0;
            same += zo == zt ? 1 : 0;
        }
        System.out.printf("L1: objective ours %.8f, MLlib %.8f; zeros ours %d, MLlib %d, same pattern on %d of 7840%n",
                fOurs, fTheirs, zerosOurs, zerosTheirs, same);
        assertEquals(fTheirs, fOurs, 1e-3 * fTheirs);
        assertTrue(zerosOurs > 3000, "L1 should zero most weights: " + zerosOurs);
        assertTrue(same >= 0.98 * 7840, "zero patterns differ on " + (7840 - same) + " coordinates");
    }

    @Test
    void lbfgsSigmoidMlpMatchesMllibMultilayerPerceptron() {
        int iterations = 50;
        ModelSpec mlp = new ModelSpec(784, List.of(new LayerSpec.Dense(32), new LayerSpec.Sigmoid(), new LayerSpec.Dense(10),
                new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
        Network ours = fit(mlp, TrainConfig.defaults().with("solver", "lbfgs").with("maxIterations", iterations).with("seed", 3));
        Evaluation oursTest = Evaluator.evaluate(ours, test, 512);
        MultilayerPerceptronClassificationModel mllib = new MultilayerPerceptronClassifier().setLayers(new int[] {784, 32, 10})
                .setMaxIter(iterations).setSeed(3).fit(trainFrame);
        double theirs = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(mllib.transform(testFrame));
        System.out.printf("MLP 784-32-10, %d iterations: test accuracy ours %.4f, MLlib %.4f%n", iterations, oursTest.accuracy(), theirs);
        // measured 0.8882 vs 0.8762: ours must stay ahead by at least half a point, not merely tie
        assertTrue(oursTest.accuracy() >= theirs + 0.005, "ours " + oursTest.accuracy() + " vs MLlib " + theirs);
    }

    @Test
    void quasiNewtonRefusesDropoutAndL1WithLbfgs() {
        ModelSpec withDropout = new ModelSpec(784, List.of(new LayerSpec.Dense(16), new LayerSpec.Relu(), new LayerSpec.Dropout(0.3),
                new LayerSpec.Dense(10), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fit(withDropout, TrainConfig.defaults().with("solver", "lbfgs")));
        assertEquals("solver lbfgs needs a deterministic objective, but layer 2 is dropout with rate 0.3; set the rate to 0 "
                + "or use solver=minibatch", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fit(SOFTMAX, TrainConfig.defaults().with("solver", "lbfgs").with("l1", 0.1)));
        assertTrue(e.getMessage().contains("use solver=owlqn"), e.getMessage());
    }
}
