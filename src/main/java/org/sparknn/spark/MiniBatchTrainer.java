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
 * the {@link Exchange} the settings choose train the epochs, and after each evaluate on the
 * validation shards (unless the exchange did within its job), report and checkpoint; at the end the exact BN population pass (when asked) and a final
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
            double[] validating = {0};
            long[] stepAfter = {step};
            Evaluation[] lastValidation = {null};
            run.timings = new StepTimings();
            exchange.trainEpochs(firstEpoch, run.epochs(), step, tracker, validation, (epoch, inJob, inJobSeconds) -> {
                run.globalStep.requireFiniteWeights();
                stepAfter[0] += run.plan.stepsPerEpoch();
                epochTimings.add(run.timings);
                run.timings = new StepTimings();
                long v0 = System.nanoTime();
                Evaluation val = inJob != null || validation == null ? inJob
                        : ShardJobs.evaluate(run.sc, run.tasks, run.payload(false), validation, "validation after epoch " + (epoch + 1));
                validating[0] += inJob != null ? inJobSeconds : (System.nanoTime() - v0) / 1e9;
                lastValidation[0] = val;
                EpochMetrics m = tracker.finish(epoch + 1, stepAfter[0], val, exchange.learningRate(), net);
                history.add(m);
                listener.onEpoch(m);
                checkpoints.save(epoch + 1, stepAfter[0], history);
            });
            step = stepAfter[0];
            Map<String, Double> phases = new LinkedHashMap<>();
            if (validation != null) {
                phases.put("validation (within training)", validating[0]);
            }
            long b0 = System.nanoTime();
            boolean bnPass = config.get(TrainConfig.BN_POPULATION) == BnPopulationMode.EXACT && !net.batchNormLayers().isEmpty();
            if (bnPass) {
                ShardJobs.estimateBatchNormPopulation(run.sc, run.tasks, net, train);
                phases.put("BN pass", (System.nanoTime() - b0) / 1e9);
            }
            double seconds = tracker.elapsedSeconds();
            long e0 = System.nanoTime();
            // Without a BN pass the model is the last epoch's, whose figures the last validation holds.
            Evaluation finalValidation = validation == null ? null : !bnPass && lastValidation[0] != null ? lastValidation[0]
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
