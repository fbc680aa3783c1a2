package org.sparknn.bench;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparknn.data.Dataset;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.optim.Regularization;
import org.sparknn.cli.Inputs;
import org.sparknn.nn.MlpShape;
import org.sparknn.spark.Shards;
import org.sparknn.spark.SparkTrainer;
import org.sparknn.train.Choices.Solver;
import org.sparknn.spark.SparkSetup;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;
import org.sparknn.train.TrainingResult;

import java.util.List;
import java.util.Locale;

/**
 * Full-batch solver figures, in one run on the bundled data and an embedded local[2] Spark: wall
 * time and test accuracy of sparknn's lbfgs and of MLlib's MultilayerPerceptronClassifier for
 * 784-128-10 (sigmoid) at 50 iterations, then OWL-QN softmax regression at three L1 strengths
 * with the share of exact-zero weights and the test accuracy.
 */
public final class SolverBenchMain {
    private SolverBenchMain() {}

    public static void main(String[] args) throws Exception {
        Dataset train = Inputs.idx("data/mnist", "train");
        Dataset test = Inputs.idx("data/mnist", "test");
        SparkSession spark = SparkSetup.localSession("local[2]", "sparknn-solvers", false);
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            org.apache.spark.sql.Dataset<Row> trainFrame = Inputs.cachedFrame(spark, train);
            org.apache.spark.sql.Dataset<Row> testFrame = Inputs.cachedFrame(spark, test);
            int iterations = 50;

            long start = System.nanoTime();
            MultilayerPerceptronClassificationModel mlp = new MultilayerPerceptronClassifier().setLayers(new int[] {784, 128, 10})
                    .setMaxIter(iterations).setSeed(42).fit(trainFrame);
            double mllibSeconds = (System.nanoTime() - start) / 1e9;
            double mllibAccuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(mlp.transform(testFrame));

            ModelSpec spec = ModelSpec.mlp(784, new MlpShape(new int[] {128}, MlpShape.Activation.SIGMOID, 0, false,
                    LayerSpec.BatchNorm.DEFAULT_MOMENTUM), 10, LossKind.SOFTMAX_CROSS_ENTROPY);
            TrainConfig lbfgs = TrainConfig.defaults().with(TrainConfig.SOLVER, Solver.LBFGS)
                    .with(TrainConfig.MAX_ITERATIONS, iterations).with(TrainConfig.WORKERS, 2);
            start = System.nanoTime();
            TrainingResult ours = fit(sc, spec, lbfgs, train, test);
            double oursSeconds = (System.nanoTime() - start) / 1e9;

            System.out.printf(Locale.ROOT, "%n784-128-10 sigmoid, %d iterations, local[2], %d train / %d test rows%n", iterations,
                    train.size(), test.size());
            System.out.printf(Locale.ROOT, "  MLlib MultilayerPerceptronClassifier (L-BFGS): %6.1f s  test accuracy %.4f%n",
                    mllibSeconds, mllibAccuracy);
            System.out.printf(Locale.ROOT, "  sparknn solver=lbfgs, 2 workers:               %6.1f s  test accuracy %.4f  (%d objective evaluations)%n",
                    oursSeconds, ours.finalValidation().accuracy(), ours.steps());

            ModelSpec softmax = new ModelSpec(784, List.of(new LayerSpec.Dense(10, "glorot"), new LayerSpec.Softmax()),
                    LossKind.SOFTMAX_CROSS_ENTROPY);
            System.out.printf(Locale.ROOT, "%nsoftmax regression with OWL-QN (solver=owlqn, 200 iterations at most):%n");
            for (double l1 : new double[] {1e-4, 1e-3, 1e-2}) {
                Network net = Network.create(softmax, 42);
                start = System.nanoTime();
                TrainConfig owlqn = TrainConfig.defaults().with(TrainConfig.SOLVER, Solver.OWLQN).with(TrainConfig.L1, l1)
                        .with(TrainConfig.MAX_ITERATIONS, 200).with(TrainConfig.WORKERS, 2);
                TrainingResult r = fit(sc, net, owlqn, train, test);
                System.out.printf(Locale.ROOT, "  l1 = %-7s exact zeros %5.1f%% of weights   test accuracy %.4f   %5.1f s%n", l1,
                        100 * Regularization.sparsity(net.store().values(), net.store().blocks()),
                        r.finalValidation().accuracy(), (System.nanoTime() - start) / 1e9);
            }
        } finally {
            spark.stop();
        }
    }

    private static TrainingResult fit(JavaSparkContext sc, ModelSpec spec, TrainConfig config, Dataset train, Dataset test) {
        return fit(sc, Network.create(spec, config.get(TrainConfig.SEED)), config, train, test);
    }

    private static TrainingResult fit(JavaSparkContext sc, Network net, TrainConfig config, Dataset train, Dataset test) {
        int workers = SparkTrainer.workers(config, sc);
        Shards trainShards = Shards.fromDataset(sc, train, workers, config.get(TrainConfig.SEED));
        Shards testShards = Shards.fromDataset(sc, test, workers, config.get(TrainConfig.SEED));
        try {
            return SparkTrainer.fit(trainShards, testShards, net, config, TrainingListener.silent()).training();
        } finally {
            trainShards.release();
            testShards.release();
        }
    }
}
