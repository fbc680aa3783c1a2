package org.sparknn.train;

import java.util.List;

/**
 * Inference figures over a data set, as sums: sample count, summed loss, correctly classified
 * count and the confusion matrix (confusion[label][predicted], classifiers only). Parts of a data
 * set merge by addition.
 */
public record Evaluation(long count, double lossSum, long correct, long[][] confusion) implements java.io.Serializable {

    /** Mean loss (NaN for no samples). */
    public double loss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    /** Share of correctly classified samples (NaN for no samples). */
    public double accuracy() {
        return count == 0 ? Double.NaN : (double) correct / count;
    }

    /** Figures of the union of disjoint parts, added in list order. */
    public static Evaluation merge(List<Evaluation> parts) {
        long count = 0;
        double lossSum = 0;
        long correct = 0;
        long[][] confusion = null;
        for (Evaluation e : parts) {
            count += e.count;
            lossSum += e.lossSum;
            correct += e.correct;
            if (confusion == null) {
                confusion = new long[e.confusion.length][];
                for (int i = 0; i < confusion.length; i++) {
                    confusion[i] = e.confusion[i].clone();
                }
            } else {
                for (int i = 0; i < confusion.length; i++) {
                    for (int j = 0; j < confusion[i].length; j++) {
                        confusion[i][j] += e.confusion[i][j];
                    }
                }
            }
        }
        return new Evaluation(count, lossSum, correct, confusion == null ? new long[0][0] : confusion);
    }
}
