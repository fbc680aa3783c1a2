package org.sparknn.train;

import org.sparknn.nn.BatchStats;
import org.sparknn.nn.BnPopulation;
import org.sparknn.nn.DenseLayer;
import org.sparknn.nn.Network;
import org.sparknn.nn.ParamBlock;
import org.sparknn.optim.Optimizer;
import org.sparknn.tensor.Finite;

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
        return apply(count, bnStats, null);
    }

    /**
     * {@link #apply(long, List)} on sparse input: {@code touched} (sorted, distinct; null when
     * dense) are the inputs the global batch held, outside whose rows the first layer's weight
     * gradient is zero (see {@link Updater#applySparse}).
     */
    public double apply(long count, List<BatchStats> bnStats, int[] touched) {
        return apply(count, bnStats, touched, null, 0);
    }

    /**
     * {@link #apply(long, List, int[])} with the touched rows' gradient sums in {@code rows}
     * (row k at rowsFrom + k * units, a compact gradient; their places in the grads are zero).
     */
    public double apply(long count, List<BatchStats> bnStats, int[] touched, float[] rows, int rowsFrom) {
        float[] g = net.store().grads();
        float[] w = net.store().values();
        float inv = 1.0f / count;
        double learningRate = updater.nextLearningRate();
        if (touched != null && updater.sparse()) {
            if (!bnStats.isEmpty()) {
                BnPopulation.updateRunning(net.batchNormLayers(), bnStats, net.store().state());
            }
            double penalty = updater.penalty(w);
            lastLearningRate = updater.applySparse(w, g, touched, rows, rowsFrom, inv, (i, v) -> {
                throw diverged("mean gradient", i, v, learningRate, count);
            });
            ((DenseLayer) net.layers().get(0)).noteWrittenInstead(new int[0]); // the rows are zero in the grads now
            return penalty;
        }
        int nonFinite = Finite.scaleAndFind(g, net.store().size(), inv);
        if (!bnStats.isEmpty()) {
            BnPopulation.updateRunning(net.batchNormLayers(), bnStats, net.store().state());
        }
        if (nonFinite >= 0) {
            throw diverged("mean gradient", nonFinite, g[nonFinite], learningRate, count);
        }
        double penalty = updater.penalty(w);
        net.noteAllGradientsWritten(); // the penalty gradient lands everywhere
        lastLearningRate = updater.apply(w, g);
        return penalty;
    }

    /**
     * Whether replicas that share memory may split the step ({@link #beginSliced}, {@link
     * #applySlice} on disjoint slices, {@link #finishSliced}): dense input and an update that
     * acts element by element ({@link Updater#sliceable}).
     */
    public boolean sliceable() {
        int size = net.store().size();
        return !net.sparseInput() && updater.sliceable()
                // slices of the state match the weights' (plain SGD keeps an empty one)
                && updater.optimizer().state().stream().allMatch(a -> a.length == size || a.length == 0);
    }

    /**
     * A step split into slices, part 1, on every replica before its gradient sum is known:
     * returns the penalty of the weights the step starts from and advances the optimizer's step
     * count (each replica's optimizer counts every step; each updates the state of its slice).
     */
    public double beginSliced() {
        double penalty = updater.penalty(net.store().values());
        lastLearningRate = updater.beginSlicedStep();
        return penalty;
    }

    /**
     * Part 2, on each replica for its own slice [lo, hi): g[lo, hi) holds the gradient SUM over
     * {@code count} samples; it becomes the mean and the step is applied to this network's weights
     * in [lo, hi). Returns the first index whose mean gradient is not finite (the slice then left
     * as it was), or -1.
     */
    public int applySlice(long count, float[] g, int lo, int hi) {
        int bad = Finite.scaleAndFind(g, lo, hi, 1.0f / count);
        if (bad < 0) {
            updater.applySlice(net.store().values(), g, lo, hi, lastLearningRate);
        }
        return bad;
    }

    /**
     * Part 3, on every replica once all slices are applied: the BN population update with the
     * global batch's statistics; throws when a slice found a non-finite mean gradient (the first,
     * {@code nonFinite}, whose value was {@code value}), as {@link #apply} would.
     */
    public void finishSliced(long count, List<BatchStats> bnStats, int nonFinite, float value) {
        if (!bnStats.isEmpty()) {
            BnPopulation.updateRunning(net.batchNormLayers(), bnStats, net.store().state());
        }
        if (nonFinite >= 0) {
            Optimizer optimizer = updater.optimizer();
            optimizer.setSteps(optimizer.steps() - 1); // the step was not taken, as apply() would not have counted it
            throw diverged("mean gradient", nonFinite, value, lastLearningRate, count);
        }
        net.noteAllGradientsWritten();
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
        int i = Finite.find(a, net.store().size());
        if (i >= 0) {
            throw diverged(what, i, a[i], learningRate, count);
        }
    }

    private TrainingDivergedException diverged(String what, int index, float value, double learningRate, long count) {
        return new TrainingDivergedException(String.format(java.util.Locale.ROOT,
                "training diverged at step %d: the %s of %s is %s (learning rate %.3g%s); "
                        + "lower learningRate, check the input for extreme values, or add regularization",
                updater.optimizer().steps() + (count > 0 ? 1 : 0), what, blockName(index), value, learningRate,
                count > 0 ? ", " + count + " samples in the batch" : ""));
    }

    private String blockName(int index) {
        for (ParamBlock b : net.store().blocks()) {
            if (index >= b.offset() && index < b.end()) {
                return b.name();
            }
        }
        return "parameter " + index;
    }
}
