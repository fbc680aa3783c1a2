package org.sparknn.nn;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What a forward/backward pass over a batch yields besides the gradient sum (which is left in
 * the store's grads): summed loss, sample count, correctly classified count, and the
 * statistics of every BN layer in network order. Results of disjoint batches merge into the
 * result of their union.
 */
public record BatchResult(double lossSum, long count, long correct, List<BatchStats> bnStats) implements Serializable {
    public static final BatchResult EMPTY = new BatchResult(0, 0, 0, List.of());

    /**
     * The result of the union of the parts, merged in list order (callers pass partition order,
     * never completion order, so sums are reproducible); empty parts are skipped.
     */
    public static BatchResult merge(List<BatchResult> parts) {
        double loss = 0;
        long count = 0;
        long correct = 0;
        List<BatchResult> nonEmpty = new ArrayList<>();
        for (BatchResult r : parts) {
            if (r.count() == 0) {
                continue;
            }
            loss += r.lossSum();
            count += r.count();
            correct += r.correct();
            nonEmpty.add(r);
        }
        List<BatchStats> merged = new ArrayList<>();
        if (!nonEmpty.isEmpty()) {
            for (int l = 0; l < nonEmpty.get(0).bnStats().size(); l++) {
                List<BatchStats> layer = new ArrayList<>();
                for (BatchResult r : nonEmpty) {
                    layer.add(r.bnStats().get(l));
                }
                merged.add(BatchStats.mergeAll(layer));
            }
        }
        return new BatchResult(loss, count, correct, merged);
    }
}
