package org.sparknn.spark;

import org.sparknn.nn.BatchResult;

import java.io.Serializable;

/**
 * What one task returns for one synchronous step or one full-batch evaluation: the gradient SUM
 * over its rows (as bytes; null when it had no rows this step), the figures and BN statistics of
 * its batch, how long loading the weights took and how long its compute took.
 */
record StepResult(int partition, byte[] gradientSum, BatchResult batch, long loadNanos, long computeNanos)
        implements Serializable {
}
