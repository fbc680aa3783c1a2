package org.sparknn.spark;

import org.sparknn.train.Choices.BnPopulationMode;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.EpochTracker;
import org.sparknn.train.Evaluation;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;
import org.sparknn.train.TrainingResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mini-batch training on Spark, epoch by epoch: resume from a checkpoint when there is one, let
 * the {@link Exchange} the settings choose train each epoch, evaluate on the validation shards,
 * report and checkpoint; at the end the exact BN population pass (when asked) and a final
 * validation.
 */
final class MiniBatchTrainer {
    private MiniBatchTrainer() {}

    static SparkTrainer.Result fit(Shards train, Shards validation, org.sparknn.nn.Network net, TrainConfig config,
                                   TrainingListener listener) {
        TrainingRun run = new TrainingRun(train, net, config);
        List<StepTimings> epochTimings = new ArrayList<>();
        List<EpochMetrics> history = new ArrayList<>();
        try (Exchange exchange = Exchange.create(run)) {
            Checkpoints checkpoints = new Checkpoints(run);
            Checkpoints.Resumed resumed = checkpoints.resume();
            long step = 0;
            int firstEpoch = 0;
            if (resumed != null) {
                history.addAll(resumed.history());
                step = resumed.step();
                firstEpoch = Math.min(resumed.epochsDone(), run.epochs());
                System.out.println("sparknn: resuming from the checkpoint in " + config.get(TrainConfig.CHECKPOINT_DIR)
                        + " after epoch " + firstEpoch);
            }
            EpochTracker tracker = new EpochTracker(run.epochs(), firstEpoch);
            long validating = 0;
            for (int epoch = firstEpoch; epoch < run.epochs(); epoch++) {
                run.timings = new StepTimings();
                exchange.trainEpoch(epoch, step, tracker);
                run.globalStep.requireFiniteWeights();
                step += run.plan.stepsPerEpoch();
                epochTimings.add(run.timings);
                long v0 = System.nanoTime();
                Evaluation val = validation == null ? null
                        : ShardJobs.evaluate(run.sc, run.tasks, run.payload(false), validation, "validation after epoch " + (epoch + 1));
                validating += System.nanoTime() - v0;
                EpochMetrics m = tracker.finish(epoch + 1, step, val, exchange.learningRate(), net);
                history.add(m);
                listener.onEpoch(m);
                checkpoints.save(epoch + 1, step, history);
            }
            Map<String, Double> phases = new LinkedHashMap<>();
            if (validation != null) {
                phases.put("validation (within training)", validating / 1e9);
            }
            long b0 = System.nanoTime();
            if (config.get(TrainConfig.BN_POPULATION) == BnPopulationMode.EXACT && !net.batchNormLayers().isEmpty()) {
                ShardJobs.estimateBatchNormPopulation(run.sc, run.tasks, net, train);
                phases.put("BN pass", (System.nanoTime() - b0) / 1e9);
            }
            double seconds = tracker.elapsedSeconds();
            long e0 = System.nanoTime();
            Evaluation finalValidation = validation == null ? null
                    : ShardJobs.evaluate(run.sc, run.tasks, run.payload(false), validation, "final validation");
            if (validation != null) {
                phases.put("final evaluation", (System.nanoTime() - e0) / 1e9);
            }
            return new SparkTrainer.Result(new TrainingResult(history, finalValidation, step, seconds,
                    tracker.samplesSeen() / seconds, phases), epochTimings);
        } finally {
            ShardJobs.release(train, validation, run.tasks.runId());
        }
    }
}
