package org.sparknn.train;

/** Receives progress of a training run. */
@FunctionalInterface
public interface TrainingListener {
    void onEpoch(EpochMetrics metrics);

    static TrainingListener silent() {
        return m -> { };
    }
}
