package org.sparknn.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.sparknn.nn.Network;
import org.sparknn.train.Augmentation;
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
        Augmentation.of(config, net.spec(), train.sparse()); // refuses augmentation a model or its data cannot take
        return switch (config.get(TrainConfig.SOLVER)) {
            case MINIBATCH -> MiniBatchTrainer.fit(train, validation, net, config, listener);
            case LBFGS, OWLQN -> new Result(FullBatchTrainer.fit(train, validation, net, config, listener), List.of());
        };
    }

    /**
     * The exact BN population estimator (mean of batch means, m/(m-1) * mean of batch variances;
     * the uncorrected mean of batch variances as well) over the training shards with the
     * network's current weights, in the local batches training used: the pass
     * {@code bnPopulation=exact} runs after training, returned instead of written into the
     * network, so that callers can compare estimators on one trained network.
     */
    public static org.sparknn.nn.BnPopulation.Exact batchNormPopulation(Shards train, Network net, TrainConfig config) {
        int batch = (int) Math.min(config.get(TrainConfig.BATCH_SIZE), train.totalRows());
        Tasks.Run run = new Tasks.Run("sparknn-" + java.util.UUID.randomUUID(), net.spec().toJson(), config, train.layout(), batch);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(train.shards().context());
        try {
            return ShardJobs.batchNormPopulation(sc, run, net, train);
        } finally {
            ShardJobs.release(train, null, run.runId());
        }
    }

    /** The number of data-parallel workers: the setting, or Spark's default parallelism when it is 0. */
    public static int workers(TrainConfig config, JavaSparkContext sc) {
        int workers = config.get(TrainConfig.WORKERS);
        return workers > 0 ? workers : sc.defaultParallelism();
    }
}
