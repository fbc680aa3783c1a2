package org.sparknn.experiments;

import java.util.List;

/** The experiments, in the order {@code all} runs them. */
public final class Experiments {
    private Experiments() {}

    public static final List<Experiment> ALL = List.of(new DropoutRateExperiment(), new McDropoutExperiment(),
            new SparsityExperiment(), new BatchNormExperiment(), new BnPopulationExperiment(), new RegularizationExperiment(),
            new DistributedExperiment(), new SolverExperiment());

    public static Experiment named(String name) {
        return ALL.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown experiment '" + name + "'; experiments: " + String.join(", ", ALL.stream().map(Experiment::name).toList())
                        + " (or all)"));
    }
}
