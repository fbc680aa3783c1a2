package org.sparknn.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Outcome of a training run: per-epoch history and final figures, and where the time outside
 * the training steps went ({@code phases}: seconds by name, in order; empty when not measured).
 */
public record TrainingResult(List<EpochMetrics> history, Evaluation finalValidation, long steps,
                             double seconds, double samplesPerSecond, Map<String, Double> phases) {

    public TrainingResult(List<EpochMetrics> history, Evaluation finalValidation, long steps, double seconds,
                          double samplesPerSecond) {
        this(history, finalValidation, steps, seconds, samplesPerSecond, Map.of());
    }

    /** The phases as one line: "validation 0.9s, BN pass 0.2s, final evaluation 0.1s". */
    public String phasesLine() {
        StringBuilder b = new StringBuilder();
        phases.forEach((name, s) -> b.append(b.length() == 0 ? "" : ", ").append(name)
                .append(String.format(java.util.Locale.ROOT, " %.1fs", s)));
        return b.toString();
    }

    /** The run's figures as model files and summary.json record them (callers add where it ran). */
    public Map<String, Object> summary() {
        EpochMetrics last = history.get(history.size() - 1);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("epochs", history.size());
        summary.put("steps", steps);
        summary.put("seconds", seconds);
        phases.forEach((name, s) -> summary.put(name.replace(' ', '_') + "_seconds", s));
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
