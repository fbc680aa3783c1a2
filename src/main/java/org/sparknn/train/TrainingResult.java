package org.sparknn.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Outcome of a training run: per-epoch history and final figures. */
public record TrainingResult(List<EpochMetrics> history, Evaluation finalValidation, long steps,
                             double seconds, double samplesPerSecond) {

    /** The run's figures as model files and summary.json record them (callers add where it ran). */
    public Map<String, Object> summary() {
        EpochMetrics last = history.get(history.size() - 1);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("epochs", history.size());
        summary.put("steps", steps);
        summary.put("seconds", seconds);
        summary.put("samplesPerSecond", samplesPerSecond);
        summary.put("finalTrainLoss", last.trainLoss());
        summary.put("finalTrainAccuracy", last.trainAccuracy());
        if (finalValidation != null) {
            summary.put("testLoss", finalValidation.loss());
            summary.put("testAccuracy", finalValidation.accuracy());
        }
        return summary;
    }
}
