package org.sparknn.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.sparknn.nn.Network;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;
import org.sparknn.train.TrainingResult;

import java.util.List;

/**
 * Trains a network on cached shards with Spark: mini-batch training ({@link MiniBatchTrainer},
 * with the exchange the settings choose) or the full-batch quasi-Newton solvers
 * ({@link FullBatchTrainer}). The network ends with the trained weights and BN statistics.
 */
public final class SparkTrainer {
    private SparkTrainer() {}

    /** The training result and, for mini-batch training, where each epoch's step time went. */
    public record Result(TrainingResult training, List<StepTimings> epochTimings) {
    }

    public static Result fit(Shards train, Shards validation, Network net, TrainConfig config, TrainingListener listener) {
        for (Shards s : new Shards[] {train, validation}) {
            if (s != null && s.featureSize() != net.inputSize()) {
                throw new IllegalArgumentException((s == train ? "training" : "validation") + " data has " + s.featureSize()
                        + " features per sample, the model expects " + net.inputSize());
            }
        }
        return switch (config.get(TrainConfig.SOLVER)) {
            case MINIBATCH -> MiniBatchTrainer.fit(train, validation, net, config, listener);
            case LBFGS, OWLQN -> new Result(FullBatchTrainer.fit(train, validation, net, config, listener), List.of());
        };
    }

    /** The number of data-parallel workers: the setting, or Spark's default parallelism when it is 0. */
    public static int workers(TrainConfig config, JavaSparkContext sc) {
        int workers = config.get(TrainConfig.WORKERS);
        return workers > 0 ? workers : sc.defaultParallelism();
    }
}
