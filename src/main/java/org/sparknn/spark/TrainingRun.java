package org.sparknn.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.sparknn.nn.Network;
import org.sparknn.train.BatchPlan;
import org.sparknn.train.DataChecks;
import org.sparknn.train.GlobalStep;
import org.sparknn.train.TrainConfig;

import java.util.UUID;

/**
 * What the driver side of one mini-batch training run shares between its parts (the trainer,
 * the exchange, checkpoints): the data, the network, the settings, the batch plan, the global
 * step that updates the driver's copy of the model, and the timings of the current epoch.
 */
final class TrainingRun {
    final JavaSparkContext sc;
    final Shards train;
    final Network net;
    final TrainConfig config;
    final BatchPlan plan;
    final Tasks.Run tasks;
    final GlobalStep globalStep;
    StepTimings timings = new StepTimings();

    TrainingRun(Shards train, Network net, TrainConfig config) {
        this.sc = JavaSparkContext.fromSparkContext(train.shards().context());
        this.train = train;
        this.net = net;
        this.config = config;
        int batch = (int) Math.min(config.get(TrainConfig.BATCH_SIZE), train.totalRows());
        this.plan = new BatchPlan(config.get(TrainConfig.SEED), batch, train.layout());
        DataChecks.requireBatchNormBatches(net, plan);
        if (train.sparse()) {
            net.sparseInputLayer(); // refuses a first layer other than Dense before any task runs
        }
        this.tasks = new Tasks.Run("sparknn-" + UUID.randomUUID(), net.spec().toJson(), config, train.layout(), batch);
        this.globalStep = new GlobalStep(net, config, plan.stepsPerEpoch());
    }

    int epochs() {
        return config.get(TrainConfig.EPOCHS);
    }

    /** The driver's model (and optionally optimizer state) as tasks receive it. */
    Tasks.ModelPayload payload(boolean withOptimizer) {
        return Tasks.ModelPayload.of(net, withOptimizer ? globalStep.updater().optimizer() : null);
    }
}
