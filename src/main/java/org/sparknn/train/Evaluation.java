package org.sparknn.train;

import java.util.List;

/**
 * Inference figures over a data set: mean loss, accuracy and confusion matrix
 * (confusion[label][predicted]) for classifiers.
 */
public record Evaluation(long count, double loss, double accuracy, long[][] confusion) {

    public long correct() {
        return Math.round(accuracy * count);
    }

    /** Figures of the union of disjoint parts, merged in list order. */
    public static Evaluation merge(List<Evaluation> parts) {
        long count = 0;
        double lossSum = 0;
        long correct = 0;
        long[][] confusion = null;
        for (Evaluation e : parts) {
            count += e.count;
            lossSum += e.loss * e.count;
            correct += e.correct();
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
        return new Evaluation(count, count == 0 ? Double.NaN : lossSum / count,
                count == 0 ? Double.NaN : (double) correct / count, confusion == null ? new long[0][0] : confusion);
    }
}
