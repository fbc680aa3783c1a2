package org.sparknn.train;

/**
 * Inference figures over a data set: mean loss, accuracy and confusion matrix
 * (confusion[label][predicted]) for classifiers.
 */
public record Evaluation(long count, double loss, double accuracy, long[][] confusion) {
}
