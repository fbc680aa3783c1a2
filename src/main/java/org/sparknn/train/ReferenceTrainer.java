package org.sparknn.train;

import org.sparknn.data.Dataset;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.Network;
import org.sparknn.train.Choices.BnPopulationMode;

import java.util.ArrayList;
import java.util.List;

/**
 * Single-JVM synchronous mini-batch training: the reference the distributed trainers are tested
 * against. It is the one-shard case of the same {@link BatchPlan}, {@link LocalStepper} and
 * {@link GlobalStep}: each step computes the gradient sum of one mini-batch and applies the
 * global step.
 */
public final class ReferenceTrainer {
    private ReferenceTrainer() {}

    public static TrainingResult fit(Network net, Dataset train, Dataset validation, TrainConfig config,
                                     TrainingListener listener) {
        if (!config.get(TrainConfig.CHECKPOINT_DIR).isEmpty()) {
            throw new IllegalArgumentException("checkpointDir is a setting of the distributed trainer; the single-JVM trainer does not checkpoint");
        }
        DataChecks.requireCompatible(net, train, "training");
        if (validation != null) {
            DataChecks.requireCompatible(net, validation, "validation");
        }
        Augmentation augmentation = Augmentation.of(config, net.spec(), false); // a Dataset's rows are dense
        long seed = config.get(TrainConfig.SEED);
        int batchSize = Math.min(config.get(TrainConfig.BATCH_SIZE), train.size());
        DatasetShard shard = DatasetShard.whole(train, seed, config.get(TrainConfig.BLOCK_ROWS));
        BatchPlan plan = new BatchPlan(seed, batchSize, shard.layout());
        DataChecks.requireBatchNormBatches(net, plan);
        GlobalStep globalStep = new GlobalStep(net, config, plan.stepsPerEpoch());
        LocalStepper stepper = new LocalStepper(net, plan, 0, seed, augmentation);
        int epochs = config.get(TrainConfig.EPOCHS);
        EpochTracker tracker = new EpochTracker(epochs);
        List<EpochMetrics> history = new ArrayList<>();
        long step = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (long s = 0; s < plan.stepsPerEpoch(); s++) {
                BatchResult r = stepper.gradientSum(shard, epoch, s, step);
                double penalty = globalStep.apply(r.count(), r.bnStats(), net.sparseStepRows());
                tracker.addStep(r.lossSum(), penalty, r.correct(), r.count());
                step++;
            }
            globalStep.requireFiniteWeights();
            Evaluation val = validation == null ? null : Evaluator.evaluate(net, validation, 512);
            EpochMetrics m = tracker.finish(epoch + 1, step, val, globalStep.lastLearningRate(), net);
            history.add(m);
            listener.onEpoch(m);
        }
        if (config.get(TrainConfig.BN_POPULATION) == BnPopulationMode.EXACT && !net.batchNormLayers().isEmpty()) {
            Evaluator.estimateBatchNormPopulation(net, shard, plan, seed);
        }
        double seconds = tracker.elapsedSeconds();
        Evaluation finalValidation = validation == null ? null : Evaluator.evaluate(net, validation, 512);
        return new TrainingResult(history, finalValidation, step, seconds, tracker.samplesSeen() / seconds);
    }
}
