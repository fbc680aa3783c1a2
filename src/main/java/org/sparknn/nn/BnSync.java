package org.sparknn.nn;

/**
 * Synchronized batch normalization: how a BN layer reaches the other workers of a step, so that
 * it normalizes with the statistics of the GLOBAL batch and its backward pass uses the global
 * sums, and P workers with local batch b compute what one worker computes on the union batch.
 * Every worker calls both methods once per BN layer and step, in network order forward and in
 * reverse order backward (a worker without rows in a step calls them through
 * {@link Network#skipBatchNormSync}); implementations combine in partition order, so every
 * worker gets the same figures bit for bit.
 */
public interface BnSync {
    /** The statistics of the global batch from this worker's statistics of its rows (count 0: no rows). */
    BatchStats globalStats(BatchStats local);

    /** The element-wise sum over all workers of {@code local} (per feature: the sum of dy, then the sum of dy * xhat). */
    double[] globalSums(double[] local);

    /** The layout {@link #globalSums} takes: per feature the sums of dy, then per feature the sums of dy * xhat. */
    static double[] join(double[] sumDy, double[] sumDyXhat) {
        double[] both = java.util.Arrays.copyOf(sumDy, sumDy.length + sumDyXhat.length);
        System.arraycopy(sumDyXhat, 0, both, sumDy.length, sumDyXhat.length);
        return both;
    }
}
