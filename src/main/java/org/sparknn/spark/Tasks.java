package org.sparknn.spark;

import org.sparknn.nn.Network;
import org.sparknn.optim.Optimizer;
import org.sparknn.train.TrainConfig;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** The small, serializable descriptions of the work a task does; bulk data travels in broadcasts. */
final class Tasks {
    private Tasks() {}

    /** Identity of a run and what every worker needs to rebuild the network, the batch plan and the update. */
    record Run(String runId, String specJson, TrainConfig config, org.sparknn.train.ShardLayout layout, int globalBatch) implements Serializable {
        long seed() {
            return config.get(TrainConfig.SEED);
        }
    }

    /** One synchronous step of the driver exchange. */
    record Step(Run run, int epoch, long stepInEpoch, long step) implements Serializable {
    }

    /**
     * Epochs {@code epoch} to {@code toEpoch} (exclusive) of synchronous steps run inside one
     * barrier stage, gradients all-reduced between the tasks; {@code secret} is the run's secret
     * every connection between them proves, {@code generation} numbers the barrier jobs of the run
     * (a job run again is a new one), and {@code encrypt} says whether the tasks encrypt what they
     * exchange. A job run again from a {@link StateCopy} starts its first epoch after its
     * {@code stepsDone} steps with the copy's sums. {@code validation}: the validation shards
     * (null for none), which the tasks evaluate after each epoch, task p the shards p, p + P, ...
     */
    record Epoch(Run run, int epoch, int toEpoch, long firstStep, long stepsDone, EpochSums sums, String rendezvous,
                 byte[] secret, int generation, boolean encrypt, List<CachedShard> validation) implements Serializable {
    }

    /** An all-reduce epoch's global sums over the steps done so far. */
    record EpochSums(double lossSum, double penaltySum, long count, long correct) implements Serializable {
        static final EpochSums NONE = new EpochSums(0, 0, 0, 0);
    }

    /** K local steps from firstStepInEpoch (local SGD), starting at global step {@code step}. */
    record LocalSteps(Run run, int epoch, long firstStepInEpoch, int steps, long step) implements Serializable {
    }

    record LocalStepsResult(int partition, ModelPayload model, double lossSum, double penaltySum, long count,
                            long correct) implements Serializable {
    }

    /** Weights, BN population state and (local SGD, all-reduce) optimizer state shipped between driver and workers. */
    record ModelPayload(byte[] values, byte[] state, long optimizerSteps, List<byte[]> optimizerState) implements Serializable {

        /** The network's weights and BN state, plus the optimizer's state when one is given. */
        static ModelPayload of(Network net, Optimizer optimizer) {
            float[] w = net.store().values();
            float[] s = net.store().state();
            List<byte[]> opt = new ArrayList<>();
            if (optimizer != null) {
                optimizer.state().forEach(a -> opt.add(FloatBytes.encode(a, a.length)));
            }
            return new ModelPayload(FloatBytes.encode(w, w.length), FloatBytes.encode(s, s.length),
                    optimizer == null ? 0 : optimizer.steps(), opt);
        }

        void loadInto(Network net) {
            FloatBytes.decode(values, net.store().values());
            FloatBytes.decode(state, net.store().state());
        }

        /** Decodes the optimizer state straight into the optimizer's own arrays (a model's worth of copies fewer). */
        void restoreInto(Optimizer optimizer) {
            List<float[]> own = optimizer.state();
            if (own.size() != optimizerState.size()) {
                throw new IllegalArgumentException(optimizer.name() + " has " + own.size() + " state arrays, got " + optimizerState.size());
            }
            for (int i = 0; i < own.size(); i++) {
                if (optimizerState.get(i).length != 4L * own.get(i).length) {
                    throw new IllegalArgumentException(optimizer.name() + " state array " + i + " has length " + own.get(i).length
                            + ", got " + optimizerState.get(i).length / 4);
                }
                FloatBytes.decode(optimizerState.get(i), own.get(i));
            }
            optimizer.setSteps(optimizerSteps);
        }
    }
}
