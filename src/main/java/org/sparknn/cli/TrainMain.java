package org.sparknn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparknn.data.Dataset;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.spark.RowCheck;
import org.sparknn.spark.Shards;
import org.sparknn.spark.SparkTrainer;
import org.sparknn.spark.ml.NeuralNetClassificationModel;
import org.sparknn.spark.ml.NeuralNetRegressionModel;
import org.sparknn.spark.ml.TrainedNetwork;
import org.sparknn.train.DataChecks;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.ReferenceTrainer;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;
import org.sparknn.train.TrainingResult;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The train job: trains the model a configuration file describes, data-parallel on Spark (an
 * embedded local Spark unless launched by spark-submit) or in one JVM with --single-jvm, prints
 * the resolved configuration and progress, and leaves in the output directory (which appears
 * only when complete): model/ (loadable with NeuralNetClassificationModel.load), metrics.jsonl,
 * loss/accuracy/learning-rate PNG charts, the test confusion matrix, summary.json and the
 * resolved configuration.
 */
public final class TrainMain {
    static final String USAGE = "usage: train [--conf FILE] [--out DIR] [--overwrite] [--master URL] [--single-jvm] [key=value ...]";

    private TrainMain() {}

    public static void main(String[] args) {
        Cli.exit("train", () -> run(args));
    }

    public static TrainingResult run(String[] args) throws Exception {
        String conf = "conf/mnist-mlp.conf";
        String out = null;
        boolean overwrite = false;
        String master = null;
        boolean singleJvm = false;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--conf" -> conf = Cli.value(args, ++i, "--conf", USAGE);
                case "--out" -> out = Cli.value(args, ++i, "--out", USAGE);
                case "--overwrite" -> overwrite = true;
                case "--master" -> master = Cli.value(args, ++i, "--master", USAGE);
                case "--single-jvm" -> singleJvm = true;
                default -> {
                    if (args[i].startsWith("--") || !args[i].contains("=")) {
                        throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; " + USAGE);
                    }
                    overrides.add(args[i]);
                }
            }
        }
        JobConfig job = JobConfig.load(conf, overrides);
        if (out != null || overwrite) {
            job = job.withOutput(out == null ? job.outputDir() : out, overwrite || job.overwrite());
        }
        LossKind loss = job.model().loss();
        if (loss == LossKind.BINARY_CROSS_ENTROPY) {
            throw new IllegalArgumentException(conf + ": the train job trains softmax_cross_entropy, mse and mae models");
        }
        if (singleJvm && !job.data().format().equals("idx")) {
            throw new IllegalArgumentException("--single-jvm reads IDX data only (data.format = idx)");
        }
        SparkSession spark = Cli.session(job, master, singleJvm ? "local[1]" : null);
        if (singleJvm && !job.training().get(TrainConfig.CHECKPOINT_DIR).isEmpty()) {
            throw new IllegalArgumentException("checkpointDir is a setting of the distributed trainer; drop --single-jvm or the setting");
        }
        try (OutputDir output = OutputDir.prepare(job.outputDir(), job.overwrite(),
                spark.sparkContext().hadoopConfiguration())) {
            return train(job, spark, singleJvm, output);
        } finally {
            Cli.stopIfEmbedded(spark);
        }
    }

    private static TrainingResult train(JobConfig job, SparkSession spark, boolean singleJvm, OutputDir output) throws Exception {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        long seed = job.training().get(TrainConfig.SEED);
        Network net = Network.create(job.model(), seed);
        int workers = SparkTrainer.workers(job.training(), sc);
        System.out.println("sparknn train");
        System.out.println("resolved configuration (" + job.file() + " with overrides):");
        System.out.println(job.render().indent(2).stripTrailing());
        System.out.println("parameters: " + net.store().size());

        TrainingListener listener = job.training().get(TrainConfig.PROGRESS) ? m -> System.out.println(m.toLine())
                : TrainingListener.silent();
        TrainingResult result;
        if (job.data().format().equals("idx") && singleJvm) {
            Dataset train = Inputs.idx(job.data().train(), "train");
            Dataset test = Inputs.idx(job.data().test(), "test");
            if (job.training().get(TrainConfig.DROP_NON_FINITE_ROWS)) {
                train = finiteRows(train);
                test = finiteRows(test);
            }
            DataChecks.requireCompatible(net, train, "training");
            DataChecks.requireCompatible(net, test, "test");
            System.out.println("data: " + train.size() + " training and " + test.size() + " test samples of "
                    + train.featureSize() + " features (" + job.data().train() + ")");
            System.out.println("trainer: single JVM (reference), no Spark");
            result = ReferenceTrainer.fit(net, train, test, job.training(), listener);
        } else if (job.data().format().equals("idx")) {
            // read by the executors: IDX images are float32 or bytes, both checked finite as they are read
            LossKind loss = job.model().loss();
            long t0 = System.nanoTime();
            Shards trainShards = Shards.fromIdx(sc, job.data().train(), "train", workers, job.training(), loss, net.outputSize());
            Shards testShards;
            try {
                requireInputs(net, trainShards, job.data().train());
                testShards = Shards.fromIdx(sc, job.data().test(), "test", workers, job.training(), loss, net.outputSize());
                requireInputs(net, testShards, job.data().test());
            } catch (RuntimeException e) {
                trainShards.release();
                throw e;
            }
            System.out.printf(Locale.ROOT, "data: %d training and %d test samples of %d features (%s), read and packed by the "
                    + "executors in %.1fs: %s; %s%n", trainShards.totalRows(), testShards.totalRows(), trainShards.featureSize(),
                    job.data().train(), (System.nanoTime() - t0) / 1e9, trainShards.layout(), trainShards.storage());
            result = distributed(sc, job, net, workers, trainShards, testShards, listener);
        } else {
            String bound = "data.features=" + job.data().features();
            long t0 = System.nanoTime();
            org.apache.spark.sql.Dataset<Row> train = Inputs.frame(spark, job.data().format(), job.data().train(), "train",
                    job.data().features(), bound, false);
            org.apache.spark.sql.Dataset<Row> test = Inputs.frame(spark, job.data().format(), job.data().test(), "test",
                    job.data().features(), bound, false);
            System.out.println("data: " + job.data().format() + " " + job.data().train() + " (train), " + job.data().test() + " (test)");
            int classes = job.model().loss() == LossKind.SOFTMAX_CROSS_ENTROPY ? net.outputSize() : 0;
            boolean drop = job.training().get(TrainConfig.DROP_NON_FINITE_ROWS);
            Shards trainShards = shards(train, workers, job.training(), new RowCheck(job.data().train(), "features", "label", classes, drop));
            Shards testShards;
            try {
                testShards = shards(test, workers, job.training(), new RowCheck(job.data().test(), "features", "label", classes, drop));
            } catch (RuntimeException e) {
                trainShards.release();
                throw e;
            }
            System.out.printf(Locale.ROOT, "data: %d training and %d test samples of %d features, read once and packed by the "
                    + "executors in %.1fs: %s; %s%n", trainShards.totalRows(), testShards.totalRows(), trainShards.featureSize(),
                    (System.nanoTime() - t0) / 1e9, trainShards.layout(), trainShards.storage());
            ModelSpec spec = job.training().specFor(job.model(), trainShards.sparse());
            if (spec.sparseInput()) {
                net = Network.create(spec, seed);
                System.out.println("sparse input: the first layer's weights are stored by feature and a step updates only the "
                        + "features its batch held (sparseUpdate=lazy)");
            }
            result = distributed(sc, job, net, workers, trainShards, testShards, listener);
        }

        EpochMetrics last = result.history().get(result.history().size() - 1);
        String bnPopulation = job.training().get(TrainConfig.BN_POPULATION).key();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("finishedAt", Instant.now().toString());
        summary.put("master", singleJvm ? "single JVM" : sc.master());
        summary.put("workers", singleJvm ? 1 : workers);
        summary.put("parameters", net.store().size());
        summary.putAll(result.summary());
        summary.put("bnPopulation", bnPopulation);
        TrainedNetwork trained = new TrainedNetwork(net.spec().toJson(), net.store().values().clone(),
                net.store().state().clone(), job.training().toMap(), summary);
        MLWritable model = job.model().loss() == LossKind.SOFTMAX_CROSS_ENTROPY
                ? NeuralNetClassificationModel.fromTrained(trained, net.outputSize())
                : NeuralNetRegressionModel.fromTrained(trained, job.model().loss() == LossKind.MAE ? "mae" : "mse");
        model.write().save(new org.apache.hadoop.fs.Path(output.tmp(), "model").toString());

        StringBuilder metricsLines = new StringBuilder();
        result.history().forEach(m -> metricsLines.append(m.toJson()).append('\n')); // includes epochs before a resume
        output.writeString("metrics.jsonl", metricsLines.toString());
        output.writeString("config.conf", job.render());
        output.writeBytes("loss.png", Reports.lossChart(result.history()));
        output.writeBytes("accuracy.png", Reports.accuracyChart(result.history()));
        output.writeBytes("learning-rate.png", Reports.learningRateChart(result.history()));
        if (result.finalValidation().confusion().length > 0) {
            output.writeString("confusion-matrix.csv", Reports.confusionCsv(result.finalValidation().confusion()));
        }
        output.writeString("evaluation.txt", Reports.evaluationText(result.finalValidation()));
        output.writeString("summary.json", new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(summary));
        output.publish();

        System.out.print("test set: " + Reports.evaluationText(result.finalValidation()));
        System.out.printf(Locale.ROOT, "final: test accuracy %.4f  test loss %.4f  (BN population: %s)  %.1fs  %,.0f samples/s  train loss %.4f%n",
                result.finalValidation().accuracy(), result.finalValidation().loss(), bnPopulation,
                result.seconds(), result.samplesPerSecond(), last.trainLoss());
        if (!result.phases().isEmpty()) {
            System.out.println("time outside the training steps: " + result.phasesLine());
        }
        System.out.println("model, metrics, charts and summary written to " + output.target());
        return result;
    }

    private static Shards shards(org.apache.spark.sql.Dataset<Row> df, int workers, TrainConfig config, RowCheck check) {
        Shards shards = Shards.fromDataFrame(df, workers, config, check);
        if (check.dropsNonFinite()) {
            printDropped(shards.dropped(), check.source());
        }
        return shards;
    }

    private static Dataset finiteRows(Dataset data) {
        Dataset kept = DataChecks.finiteRows(data);
        printDropped(data.size() - kept.size(), data.source());
        return kept;
    }

    private static void requireInputs(Network net, Shards data, String source) {
        DataChecks.requireOneLabelPerSample(net);
        if (data.featureSize() != net.inputSize()) {
            throw new IllegalArgumentException(source + " has " + data.featureSize() + " features per sample, the model expects "
                    + net.inputSize());
        }
    }

    private static void printDropped(long rows, String source) {
        System.out.println("sparknn: dropped " + rows + " rows with non-finite values from " + source);
    }

    private static TrainingResult distributed(JavaSparkContext sc, JobConfig job, Network net, int workers, Shards train,
                                              Shards test, TrainingListener listener) {
        int syncEvery = job.training().get(TrainConfig.SYNC_EVERY);
        System.out.println("trainer: Spark " + sc.version() + ", master " + sc.master() + ", " + workers + " workers"
                + (syncEvery > 1 ? ", local SGD every " + syncEvery + " steps"
                        : ", synchronous, " + job.training().get(TrainConfig.EXCHANGE).key() + " exchange"));
        try {
            return SparkTrainer.fit(train, test, net, job.training(), listener).training();
        } finally {
            train.release();
            test.release();
        }
    }
}
