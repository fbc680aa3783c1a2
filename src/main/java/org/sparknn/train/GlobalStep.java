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
        requireFinite(g, "mean gradient", updater.nextLearningRate(), count);
        float[] w = net.store().values();
        double penalty = updater.penalty(w);
        lastLearningRate = updater.apply(w, g);
        return penalty;
    }

    /**
     * Checks the weights (once per epoch, and before a model is kept): a step that overflowed them
     * is otherwise caught by the next step's gradient.
     */
    public void requireFiniteWeights() {
        requireFinite(net.store().values(), "weights after the update", lastLearningRate, 0);
    }

    /** Stops the run at the first non-finite value, naming the step, the parameter block and the learning rate. */
    private void requireFinite(float[] a, String what, double learningRate, long count) {
        for (ParamBlock b : net.store().blocks()) {
            for (int i = b.offset(); i < b.end(); i++) {
                if (!Float.isFinite(a[i])) {
                    throw new TrainingDivergedException(String.format(java.util.Locale.ROOT,
                            "training diverged at step %d: the %s of %s is %s (learning rate %.3g%s); "
                                    + "lower learningRate, check the input for extreme values, or add regularization",
                            updater.optimizer().steps() + (count > 0 ? 1 : 0), what, b.name(), a[i], learningRate,
                            count > 0 ? ", " + count + " samples in the batch" : ""));
                }
            }
        }
    }
}
