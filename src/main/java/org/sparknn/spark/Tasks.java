package org.sparknn.spark;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/** The small, serializable descriptions of the work a task does; bulk data travels in broadcasts. */
final class Tasks {
    private Tasks() {}

    /** Identity of a run and what every worker needs to rebuild the network and the batch plan. */
    record Run(String runId, String specJson, long seed, int[] shardSizes, int globalBatch,
               Map<String, String> settings) implements Serializable {
    }

    /** One synchronous step; failPartition/failStep inject a failure into the first attempt (tests). */
    record Step(Run run, int epoch, long stepInEpoch, long step, int failPartition, long failStep, boolean failEveryAttempt)
            implements Serializable {
    }

    /** One epoch of synchronous steps run inside one barrier stage, gradients all-reduced between the tasks. */
    record Epoch(Run run, int epoch, long firstStep, String rendezvous) implements Serializable {
    }

    /**
     * What an all-reduce epoch task returns: the model after the epoch (partition 0 only; every
     * task holds the same one), the epoch's global sums, and its own timings.
     */
    record EpochResult(int partition, ModelPayload model, double lossSum, double penaltySum, long count, long correct,
                       double learningRate, long computeNanos, long exchangeNanos, long updateNanos) implements Serializable {
    }

    /** One full-batch evaluation of the objective (loss and gradient sums over every cached row). */
    record FullBatch(Run run, long evaluation) implements Serializable {
    }

    /** K local steps from firstStepInEpoch (local SGD), starting at global step {@code step}. */
    record LocalSteps(Run run, int epoch, long firstStepInEpoch, int steps, long step) implements Serializable {
    }

    /** Weights, BN population state and (local SGD, all-reduce) optimizer state shipped between driver and workers. */
    record ModelPayload(byte[] values, byte[] state, long optimizerSteps, List<byte[]> optimizerState) implements Serializable {

        /** The network's weights and BN state, plus the optimizer's state when one is given. */
        static ModelPayload of(org.sparknn.nn.Network net, org.sparknn.optim.Optimizer optimizer) {
            float[] w = net.store().values();
            float[] s = net.store().state();
            List<byte[]> opt = new java.util.ArrayList<>();
            if (optimizer != null) {
                optimizer.state().forEach(a -> opt.add(FloatBytes.encode(a, a.length)));
            }
            return new ModelPayload(FloatBytes.encode(w, w.length), FloatBytes.encode(s, s.length),
                    optimizer == null ? 0 : optimizer.steps(), opt);
        }

        void loadInto(org.sparknn.nn.Network net) {
            FloatBytes.decode(values, net.store().values());
            if (state != null) {
                FloatBytes.decode(state, net.store().state());
            }
        }

        void restoreInto(org.sparknn.optim.Optimizer optimizer) {
            List<float[]> arrays = new java.util.ArrayList<>();
            for (int i = 0; i < optimizerState.size(); i++) {
                float[] a = new float[optimizer.state().get(i).length];
                FloatBytes.decode(optimizerState.get(i), a);
                arrays.add(a);
            }
            optimizer.restore(optimizerSteps, arrays);
        }
    }

    record LocalStepsResult(int partition, ModelPayload model, double lossSum, double penaltySum, long count,
                            long correct, long computeNanos) implements Serializable {
    }

    record EvalResult(double lossSum, long correct, long count, long[][] confusion) implements Serializable {
    }

    record BnPassResult(double[][] sumMeans, double[][] sumUnbiasedVars, long batches) implements Serializable {
    }
}
