package org.sparknn.experiments;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an experiment leaves: the summary table, the figures of every run (one row per run and
 * seed), PNG plots by file name (the first is the key plot), and a verdict computed from the numbers.
 */
public record Report(Table table, Table runs, Map<String, byte[]> plots, String verdict) {
    public Report {
        plots = new LinkedHashMap<>(plots);
        if (plots.isEmpty()) {
            throw new IllegalArgumentException("a report needs at least one plot");
        }
    }

    public String keyPlot() {
        return plots.keySet().iterator().next();
    }
}
