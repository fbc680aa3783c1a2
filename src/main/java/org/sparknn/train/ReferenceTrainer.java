package org.sparknn.train;

import org.sparknn.data.Dataset;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;

import java.util.ArrayList;
import java.util.List;

/**
 * Single-JVM synchronous mini-batch training: the reference the distributed trainer is tested
 * against (it is the one-shard case of the same {@link BatchPlan} and {@link GlobalStep}). Each
 * step computes the gradient sum of one mini-batch and applies the global step.
 */
public final class ReferenceTrainer {
    private ReferenceTrainer() {}

    public static TrainingResult fit(Network net, Dataset train, Dataset validation, TrainConfig config,
                                     TrainingListener listener) {
        if (!config.checkpointDir().isEmpty()) {
            throw new IllegalArgumentException("checkpointDir is a setting of the distributed trainer; the single-JVM trainer does not checkpoint");
        }
        DataChecks.requireCompatible(net, train, "training");
        if (validation != null) {
            DataChecks.requireCompatible(net, validation, "validation");
        }
        int batchSize = Math.min(config.batchSize(), train.size());
        BatchPlan plan = new BatchPlan(config.seed(), batchSize, new int[] {train.size()});
        DataChecks.requireBatchNormBatches(net, plan);
        GlobalStep globalStep = new GlobalStep(net, config, plan.stepsPerEpoch());
        Batches batch = new Batches(batchSize, net.inputSize(), net.labelWidth());
        EpochTracker tracker = new EpochTracker(config.epochs());
        List<EpochMetrics> history = new ArrayList<>();
        long step = 0;
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
            int[] order = plan.order(epoch, 0);
            for (long s = 0; s < plan.stepsPerEpoch(); s++) {
                int n = plan.count(0, s);
                batch.gather(train, order, plan.from(0, s), n);
                BatchResult r = net.gradientSum(batch.x, batch.labels, n, Pass.train(config.seed(), step, batch.ids));
                double penalty = globalStep.apply(n, r.bnStats());
                tracker.addStep(r.lossSum(), penalty, r.correct(), n);
                step++;
            }
            Evaluation val = validation == null ? null : Evaluator.evaluate(net, validation, 512);
            EpochMetrics m = tracker.finish(epoch + 1, step, val, globalStep.lastLearningRate(), net);
            history.add(m);
            listener.onEpoch(m);
        }
        if (config.bnPopulation().equals("exact") && !net.batchNormLayers().isEmpty()) {
            Evaluator.estimateBatchNormPopulation(net, train, batchSize, config.seed());
        }
        double seconds = tracker.elapsedSeconds();
        Evaluation finalValidation = validation == null ? null : Evaluator.evaluate(net, validation, 512);
        return new TrainingResult(history, finalValidation, step, seconds, tracker.samplesSeen() / seconds);
    }
}
