package org.sparknn.train;

import java.util.List;

/** Outcome of a training run: per-epoch history and final figures. */
public record TrainingResult(List<EpochMetrics> history, Evaluation finalValidation, long steps,
                             double seconds, double samplesPerSecond) {
}
