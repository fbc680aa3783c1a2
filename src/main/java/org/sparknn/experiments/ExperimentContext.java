package org.sparknn.experiments;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparknn.data.Dataset;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.spark.Shards;
import org.sparknn.spark.SparkTrainer;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.Evaluation;
import org.sparknn.train.Evaluator;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an experiment works with: the Spark session, the model and training settings of its conf
 * file, the {@code experiment} section's own settings, and the training and test sets. Every run
 * trains through {@link SparkTrainer} on shards of the training set, with the test set as the
 * per-epoch validation set, exactly as the train job does.
 */
public final class ExperimentContext {
    private final String source;
    private final SparkSession spark;
    private final ModelSpec model;
    private final TrainConfig training;
    private final Config settings;
    private final Dataset train;
    private final Dataset test;
    private final Set<String> read = new TreeSet<>();

    public ExperimentContext(String source, SparkSession spark, ModelSpec model, TrainConfig training, Config settings,
                             Dataset train, Dataset test) {
        this.source = source;
        this.spark = spark;
        this.model = model;
        this.training = training;
        this.settings = settings;
        this.train = train;
        this.test = test;
    }

    public SparkSession spark() {
        return spark;
    }

    public JavaSparkContext sc() {
        return JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    /** The model of the conf file. */
    public ModelSpec model() {
        return model;
    }

    /** The training settings of the conf file. */
    public TrainConfig training() {
        return training;
    }

    public Dataset trainSet() {
        return train;
    }

    public Dataset testSet() {
        return test;
    }

    /** experiment.seeds: the seeds each compared variant is trained with. */
    public List<Long> seeds() {
        List<Long> seeds = get("seeds", () -> settings.getLongList("seeds"));
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException(source + ": experiment.seeds is empty; give at least one seed");
        }
        return seeds;
    }

    public double number(String key) {
        return get(key, () -> settings.getDouble(key));
    }

    public int integer(String key) {
        return get(key, () -> settings.getInt(key));
    }

    public double[] numbers(String key) {
        double[] v = get(key, () -> settings.getDoubleList(key)).stream().mapToDouble(Double::doubleValue).toArray();
        if (v.length == 0) {
            throw new IllegalArgumentException(source + ": experiment." + key + " is empty");
        }
        return v;
    }

    public int[] integers(String key) {
        int[] v = get(key, () -> settings.getIntList(key)).stream().mapToInt(Integer::intValue).toArray();
        if (v.length == 0) {
            throw new IllegalArgumentException(source + ": experiment." + key + " is empty");
        }
        return v;
    }

    private <T> T get(String key, java.util.function.Supplier<T> value) {
        read.add(key);
        try {
            return value.get();
        } catch (ConfigException.Missing e) {
            throw new IllegalArgumentException(source + ": missing experiment." + key);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(source + ": experiment." + key + ": " + e.getMessage());
        }
    }

    /** Keys of the experiment section the experiment never read (typos, or settings of another experiment). */
    public List<String> unusedSettings() {
        List<String> unused = new ArrayList<>();
        for (String k : settings.root().keySet()) {
            if (!read.contains(k) && !k.equals("trainRows") && !k.equals("testRows") && !k.equals("dataSeed")) {
                unused.add(k);
            }
        }
        return unused;
    }

    /** Called after each epoch (mini-batch) or iteration (full-batch solvers) with the network at that point. */
    @FunctionalInterface
    public interface EpochHook {
        void after(EpochMetrics metrics, Network net);
    }

    /** Called after training, while the training shards are still cached. */
    @FunctionalInterface
    public interface AfterFit {
        void after(Network net, Shards trainShards) throws Exception;
    }

    /** A finished run: the trained network, the trainer's result (per-epoch history, final test figures) and its wall time. */
    public record Run(String label, Network net, TrainingResult result, double seconds) {
        public List<EpochMetrics> history() {
            return result.history();
        }

        public double testAccuracy() {
            return result.finalValidation().accuracy();
        }

        public double testError() {
            return 1 - testAccuracy();
        }
    }

    public Run train(String label, ModelSpec spec, TrainConfig config) throws Exception {
        return train(label, spec, config, null, null);
    }

    /**
     * Trains {@code spec} with {@code config} on the training set (sharded over the configured
     * workers) with the test set as validation set, through {@link SparkTrainer#fit}.
     */
    public Run train(String label, ModelSpec spec, TrainConfig config, EpochHook hook, AfterFit after) throws Exception {
        int workers = SparkTrainer.workers(config, sc());
        Network net = Network.create(spec, config.get(TrainConfig.SEED));
        if (hook != null) {
            hook.after(null, net);
        }
        long t0 = System.nanoTime();
        Shards trainShards = Shards.fromDataset(sc(), train, workers, config);
        Shards testShards = Shards.fromDataset(sc(), test, workers, config);
        try {
            TrainingResult result = SparkTrainer.fit(trainShards, testShards, net, config,
                    m -> {
                        if (hook != null) {
                            hook.after(m, net);
                        }
                    }).training();
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (after != null) {
                after.after(net, trainShards);
            }
            System.out.printf(Locale.ROOT, "  %-40s test accuracy %.4f  (%d workers, %.1fs)%n", label,
                    result.finalValidation().accuracy(), workers, seconds);
            return new Run(label, net, result, seconds);
        } finally {
            trainShards.release();
            testShards.release();
        }
    }

    /** Inference figures of the network on a data set (dropout off, BN on population statistics), on the driver. */
    public static Evaluation evaluate(Network net, Dataset data) {
        return Evaluator.evaluate(net, data, 500);
    }
}
