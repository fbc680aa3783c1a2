package org.sparknn.train;

import org.sparknn.nn.Network;
import org.sparknn.optim.Regularization;

/** Accumulates the figures of an epoch's steps and turns them into {@link EpochMetrics}. */
public final class EpochTracker {
    private final int epochs;
    private final int firstEpoch;
    private final long start = System.nanoTime();
    private long samplesSeen;
    private double lossSum;
    private double penaltySum;
    private long correct;
    private long count;

    public EpochTracker(int epochs) {
        this(epochs, 0);
    }

    /** For a run that starts after {@code firstEpoch} epochs done earlier (resumed from a checkpoint). */
    public EpochTracker(int epochs, int firstEpoch) {
        this.epochs = epochs;
        this.firstEpoch = firstEpoch;
    }

    public void addStep(double stepLossSum, double penalty, long stepCorrect, long stepCount) {
        lossSum += stepLossSum;
        penaltySum += penalty * stepCount;
        correct += stepCorrect;
        count += stepCount;
    }

    /** Closes an epoch (1-based) and resets the per-epoch sums. */
    public EpochMetrics finish(int epoch, long step, Evaluation validation, double learningRate, Network net) {
        samplesSeen += count;
        double elapsed = (System.nanoTime() - start) / 1e9;
        EpochMetrics m = new EpochMetrics(epoch, step, (lossSum + penaltySum) / count, (double) correct / count,
                validation == null ? Double.NaN : validation.loss(),
                validation == null ? Double.NaN : validation.accuracy(), learningRate,
                samplesSeen / elapsed, elapsed, elapsed / (epoch - firstEpoch) * (epochs - epoch),
                Regularization.sparsity(net.store().values(), net.store().blocks()));
        lossSum = 0;
        penaltySum = 0;
        correct = 0;
        count = 0;
        return m;
    }

    public double elapsedSeconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    public long samplesSeen() {
        return samplesSeen;
    }
}
