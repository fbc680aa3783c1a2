package org.sparknn.train;

import org.sparknn.nn.BatchStats;
import org.sparknn.nn.BnPopulation;
import org.sparknn.nn.Network;
import org.sparknn.nn.ParamBlock;

import java.util.List;

/**
 * What happens once per global step after the gradient sum of the global batch is known,
 * wherever it was computed: divide by the sample count, fold the batch's BN statistics into the
 * running population average, then the regularized optimizer update.
 */
public final class GlobalStep {
    private final Network net;
    private final Updater updater;
    private double lastLearningRate;

    public GlobalStep(Network net, TrainConfig config, long stepsPerEpoch) {
        this.net = net;
        this.updater = new Updater(config, net.store(), stepsPerEpoch);
    }

    public Updater updater() {
        return updater;
    }

    public double lastLearningRate() {
        return lastLearningRate;
    }

    /**
     * Applies a step from the gradient SUM left in the network's grads, over {@code count}
     * samples, with the BN statistics of the whole global batch (one per BN layer). Returns the
     * penalty of the weights the step started from.
     */
    public double apply(long count, List<BatchStats> bnStats) {
        float[] g = net.store().grads();
        float inv = 1.0f / count;
        for (int i = 0; i < g.length; i++) {
            g[i] *= inv;
        }
        if (!bnStats.isEmpty()) {
            BnPopulation.updateRunning(net.batchNormLayers(), bnStats, net.store().state());
        }
        requireFinite(g, "gradient", count);
        float[] w = net.store().values();
        double penalty = updater.penalty(w);
        lastLearningRate = updater.apply(w, g);
        requireFinite(w, "update", count);
        return penalty;
    }

    /** Stops the run at the first non-finite value, naming the step, the parameter block and the learning rate. */
    private void requireFinite(float[] a, String what, long count) {
        for (ParamBlock b : net.store().blocks()) {
            for (int i = b.offset(); i < b.end(); i++) {
                if (!Float.isFinite(a[i])) {
                    long step = updater.optimizer().steps() - (what.equals("update") ? 1 : 0);
                    throw new TrainingDivergedException(String.format(java.util.Locale.ROOT,
                            "training diverged at step %d: the %s of %s is %s (learning rate %.3g, %d samples in the batch); "
                                    + "lower learningRate, check the input for extreme values, or add regularization",
                            step + 1, what.equals("update") ? "weights after the update" : "mean gradient", b.name(),
                            a[i], what.equals("update") ? lastLearningRate : updater.nextLearningRate(), count));
                }
            }
        }
    }
}
