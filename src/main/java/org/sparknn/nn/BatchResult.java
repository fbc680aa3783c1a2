package org.sparknn.nn;

import java.util.List;

/**
 * What one forward/backward pass over a batch yields besides the gradient sum (which is left in
 * the store's grads): summed loss, sample count, correctly classified count, and the
 * statistics of every BN layer in network order.
 */
public record BatchResult(double lossSum, long count, long correct, List<BatchStats> bnStats) {
}
