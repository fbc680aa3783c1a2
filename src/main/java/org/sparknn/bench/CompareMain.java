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
import org.sparknn.cli.Cli;
import org.sparknn.cli.Inputs;
import org.sparknn.cli.JobConfig;
import org.sparknn.nn.MlpShape;
import org.sparknn.spark.Shards;
import org.sparknn.spark.SparkSetup;
import org.sparknn.spark.SparkTrainer;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.ReferenceTrainer;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trains Spark MLlib's MultilayerPerceptronClassifier and sparknn on the same data, on the same
 * Spark master, in one run, and prints wall time, test accuracy and the time each needed to reach
 * MLlib's best test accuracy.
 *
 * <pre>CompareMain [--master local[2]] [--conf conf/mnist-mlp.conf] [--mllib-iterations 200]</pre>
 */
public final class CompareMain {
    private CompareMain() {}

    record Row3(String name, double seconds, double accuracy, double secondsToTarget) {
    }

    public static void main(String[] args) {
        Cli.exit("compare-mllib", () -> {
            run(args);
            return null;
        });
    }

    static void run(String[] args) throws Exception {
        String master = "local[2]";
        String conf = "conf/mnist-mlp.conf";
        int mllibIterations = 200;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--master" -> master = Cli.value(args, ++i, "--master", "");
                case "--conf" -> conf = Cli.value(args, ++i, "--conf", "");
                case "--mllib-iterations" -> mllibIterations = Integer.parseInt(Cli.value(args, ++i, "--mllib-iterations", ""));
                default -> throw new IllegalArgumentException("unexpected argument '" + args[i]
                        + "'; usage: compare-mllib [--master URL] [--conf FILE] [--mllib-iterations N]");
            }
        }
        JobConfig job = JobConfig.load(conf, List.of());
        Dataset train = Inputs.idx(job.data().train(), "train");
        Dataset test = Inputs.idx(job.data().test(), "test");
        SparkSession spark = SparkSetup.localSession(master, "sparknn-compare", false);
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            org.apache.spark.sql.Dataset<Row> trainFrame = Inputs.cachedFrame(spark, train);
            org.apache.spark.sql.Dataset<Row> testFrame = Inputs.cachedFrame(spark, test);
            System.out.printf("data: %s (%d train, %d test); Spark %s, master %s%n", job.data().train(), train.size(),
                    test.size(), spark.version(), sc.master());

            // MLlib: L-BFGS in chunks of 20 iterations, each continuing from the previous weights.
            MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");
            double mllibSeconds = 0;
            double mllibBest = 0;
            double mllibTimeToBest = 0;
            MultilayerPerceptronClassificationModel model = null;
            for (int done = 0; done < mllibIterations; done += 20) {
                MultilayerPerceptronClassifier mlp = new MultilayerPerceptronClassifier().setLayers(new int[] {784, 128, 10})
                        .setMaxIter(Math.min(20, mllibIterations - done)).setSeed(42).setBlockSize(128);
                if (model != null) {
                    mlp.setInitialWeights(model.weights());
                }
                long start = System.nanoTime();
                model = mlp.fit(trainFrame);
                mllibSeconds += (System.nanoTime() - start) / 1e9;
                double acc = accuracy.evaluate(model.transform(testFrame));
                System.out.printf(Locale.ROOT, "  MLlib MLP 784-128-10 (sigmoid, L-BFGS) after %3d iterations: test accuracy %.4f, %.1fs%n",
                        done + 20, acc, mllibSeconds);
                if (acc > mllibBest) {
                    mllibBest = acc;
                    mllibTimeToBest = mllibSeconds;
                }
            }
            List<Row3> rows = new ArrayList<>();
            rows.add(new Row3("MLlib MultilayerPerceptronClassifier 784-128-10 sigmoid, L-BFGS", mllibSeconds, mllibBest, mllibTimeToBest));

            ModelSpec small = ModelSpec.mlp(784, new MlpShape(new int[] {128}, MlpShape.Activation.SIGMOID, 0, false,
                    LayerSpec.BatchNorm.DEFAULT_MOMENTUM), 10, LossKind.SOFTMAX_CROSS_ENTROPY);
            TrainConfig smallConfig = job.training().with(TrainConfig.LEARNING_RATE, 0.01).with(TrainConfig.EPOCHS, 30)
                    .with(TrainConfig.BATCH_SIZE, 128);
            rows.add(sparknn(sc, "sparknn 784-128-10 sigmoid, Adam, 30 epochs, " + SparkTrainer.workers(smallConfig, sc) + " workers", small, smallConfig, train, test, mllibBest));
            rows.add(sparknn(sc, "sparknn " + describe(job.model()) + " (" + job.file() + "), "
                    + SparkTrainer.workers(job.training(), sc) + " workers", job.model(),
                    job.training(), train, test, mllibBest));
            rows.add(singleJvm("sparknn " + describe(job.model()) + ", single JVM, no Spark (for reference)", job.model(),
                    job.training(), train, test, mllibBest));

            System.out.printf(Locale.ROOT, "%n%-78s %9s %9s %22s%n", "trainer", "wall (s)", "test acc",
                    String.format(Locale.ROOT, "time to %.4f (s)", mllibBest));
            for (Row3 r : rows) {
                System.out.printf(Locale.ROOT, "%-78s %9.1f %9.4f %22s%n", r.name(), r.seconds(), r.accuracy(),
                        Double.isNaN(r.secondsToTarget()) ? "not reached" : String.format(Locale.ROOT, "%.1f", r.secondsToTarget()));
            }
        } finally {
            spark.stop();
        }
    }

    private static Row3 sparknn(JavaSparkContext sc, String name, ModelSpec spec, TrainConfig config, Dataset train, Dataset test,
                                double target) {
        int workers = SparkTrainer.workers(config, sc);
        long seed = config.get(TrainConfig.SEED);
        Shards trainShards = Shards.fromDataset(sc, train, workers, seed);
        Shards testShards = Shards.fromDataset(sc, test, workers, seed);
        try {
            Network net = Network.create(spec, seed);
            long start = System.nanoTime();
            TrainingResult r = SparkTrainer.fit(trainShards, testShards, net, config.with(TrainConfig.WORKERS, workers),
                    m -> System.out.println("  " + name + ": " + m.toLine())).training();
            return new Row3(name, (System.nanoTime() - start) / 1e9, r.finalValidation().accuracy(), timeTo(r, target));
        } finally {
            trainShards.release();
            testShards.release();
        }
    }

    private static Row3 singleJvm(String name, ModelSpec spec, TrainConfig config, Dataset train, Dataset test, double target) {
        Network net = Network.create(spec, config.get(TrainConfig.SEED));
        long start = System.nanoTime();
        TrainingResult r = ReferenceTrainer.fit(net, train, test, config, m -> System.out.println("  " + name + ": " + m.toLine()));
        return new Row3(name, (System.nanoTime() - start) / 1e9, r.finalValidation().accuracy(), timeTo(r, target));
    }

    private static double timeTo(TrainingResult r, double target) {
        for (EpochMetrics m : r.history()) {
            if (m.validationAccuracy() >= target) {
                return m.elapsedSeconds();
            }
        }
        return r.finalValidation().accuracy() >= target ? r.seconds() : Double.NaN;
    }

    private static String describe(ModelSpec spec) {
        StringBuilder sb = new StringBuilder().append(spec.inputSize());
        boolean bn = false;
        boolean dropout = false;
        for (LayerSpec l : spec.layers()) {
            if (l instanceof LayerSpec.Dense d) {
                sb.append('-').append(d.units());
            }
            bn |= l instanceof LayerSpec.BatchNorm;
            dropout |= l instanceof LayerSpec.Dropout;
        }
        return sb + (bn ? " BN" : "") + (dropout ? " dropout" : "");
    }

}
