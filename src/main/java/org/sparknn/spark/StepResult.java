package org.sparknn.spark;

import java.io.Serializable;

/**
 * What one task returns for one synchronous step: the gradient SUM over its local batch (as
 * bytes; null when it had no rows this step), loss sum, counts, the BN statistics of its local
 * batch, how long loading the weights took and how long its compute took.
 */
public record StepResult(int partition, byte[] gradientSum, double lossSum, long count, long correct,
                         BnStatsWire bnStats, long loadNanos, long computeNanos) implements Serializable {
}
