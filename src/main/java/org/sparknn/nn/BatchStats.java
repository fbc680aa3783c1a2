package org.sparknn.nn;

import java.util.List;

/**
 * Sufficient statistics of one BN layer's input over a set of samples: count, per-feature mean
 * and M2 (sum of squared deviations from the mean), in double. Statistics of disjoint sets merge
 * exactly into those of their union (parallel-variance formula), so per-partition batches can be
 * combined into the statistics of the global batch.
 */
public record BatchStats(long count, double[] mean, double[] m2) implements java.io.Serializable {

    public int features() {
        return mean.length;
    }

    /** Biased (1/n) variance of feature j: what the training forward pass normalizes with. */
    public double variance(int j) {
        return m2[j] / count;
    }

    /** Unbiased (1/(n-1)) variance of feature j. */
    public double unbiasedVariance(int j) {
        return count > 1 ? m2[j] / (count - 1) : 0.0;
    }

    /** Pooled statistics of the union of two disjoint sample sets. */
    public static BatchStats merge(BatchStats a, BatchStats b) {
        if (a.features() != b.features()) {
            throw new IllegalArgumentException("cannot merge BN statistics of " + a.features() + " and " + b.features() + " features");
        }
        if (a.count == 0) {
            return b;
        }
        if (b.count == 0) {
            return a;
        }
        long n = a.count + b.count;
        double[] mean = new double[a.features()];
        double[] m2 = new double[a.features()];
        double wb = (double) b.count / n;
        double cross = (double) a.count * b.count / n;
        for (int j = 0; j < mean.length; j++) {
            double delta = b.mean[j] - a.mean[j];
            mean[j] = a.mean[j] + delta * wb;
            m2[j] = a.m2[j] + b.m2[j] + delta * delta * cross;
        }
        return new BatchStats(n, mean, m2);
    }

    /** Merges in list order (callers pass a fixed order, e.g. by partition index). */
    public static BatchStats mergeAll(List<BatchStats> parts) {
        BatchStats acc = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            acc = merge(acc, parts.get(i));
        }
        return acc;
    }
}
