package org.sparknn.experiments;

import org.sparknn.train.Choices.Solver;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.TrainConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Experiment 8: full-batch L-BFGS vs mini-batch Adam on the same MLP: test accuracy against wall time. */
public final class SolverExperiment implements Experiment {
    @Override
    public String name() {
        return "solvers";
    }

    @Override
    public String title() {
        return "L-BFGS vs Adam on the same MLP: test accuracy against wall time";
    }

    @Override
    public String claim() {
        return "The notes' optimizer section is empty, so this tests the usual expectation: for a neural network on a data "
                + "set of this size, mini-batch Adam reaches a given test accuracy in less wall time than full-batch L-BFGS, "
                + "whose every iteration is a pass over all rows.";
    }

    @Override
    public Report run(ExperimentContext ctx) throws Exception {
        int iterations = ctx.integer("lbfgsIterations");
        List<Long> seeds = ctx.seeds();
        String[] names = {"Adam (mini-batch)", "L-BFGS (full batch)"};
        Table runs = new Table("solver", "seed", "point", "testAccuracy", "elapsedSeconds");
        List<List<List<EpochMetrics>>> histories = List.of(new ArrayList<>(), new ArrayList<>());
        double[][] acc = new double[2][seeds.size()];
        double[][] secs = new double[2][seeds.size()];
        for (int v = 0; v < 2; v++) {
            for (int s = 0; s < seeds.size(); s++) {
                TrainConfig config = ctx.training().with(TrainConfig.SEED, seeds.get(s));
                if (v == 1) {
                    config = config.with(TrainConfig.SOLVER, Solver.LBFGS).with(TrainConfig.MAX_ITERATIONS, iterations);
                }
                ExperimentContext.Run run = ctx.train(names[v] + " seed " + seeds.get(s), ctx.model(), config);
                acc[v][s] = run.testAccuracy();
                secs[v][s] = run.result().seconds();
                histories.get(v).add(run.history());
                for (EpochMetrics m : run.history()) {
                    runs.add(names[v], seeds.get(s), m.epoch(), m.validationAccuracy(), m.elapsedSeconds());
                }
            }
        }
        Stats[] a = {Stats.of(acc[0]), Stats.of(acc[1])};
        Stats[] t = {Stats.of(secs[0]), Stats.of(secs[1])};
        Table table = new Table("solver", "points (epochs / iterations)", "final test accuracy", "sd", "training seconds", "sd",
                "best test accuracy (mean over seeds)", "seconds to 99% of the other solver's final accuracy");
        double[] best = new double[2];
        double[] reach = new double[2];
        for (int v = 0; v < 2; v++) {
            best[v] = histories.get(v).stream().mapToDouble(h -> h.stream().mapToDouble(EpochMetrics::validationAccuracy).max()
                    .orElse(Double.NaN)).average().orElse(Double.NaN);
            double target = 0.99 * a[1 - v].mean();
            reach[v] = histories.get(v).stream().mapToDouble(h -> firstReach(h, target)).average().orElse(Double.NaN);
            table.add(names[v], histories.get(v).get(0).size(), a[v].mean(), a[v].sd(), t[v].mean(), t[v].sd(), best[v],
                    Double.isFinite(reach[v]) ? (Object) reach[v] : "not reached by every seed");
        }
        List<Plots.Series> series = new ArrayList<>();
        for (int v = 0; v < 2; v++) {
            for (int s = 0; s < seeds.size(); s++) {
                List<EpochMetrics> h = histories.get(v).get(s);
                series.add(new Plots.Series(names[v] + " seed " + seeds.get(s), h.stream().mapToDouble(EpochMetrics::elapsedSeconds).toArray(),
                        h.stream().mapToDouble(EpochMetrics::validationAccuracy).toArray()));
            }
        }
        byte[] plot = Plots.lines("Test accuracy against wall time, same MLP", "seconds since the start of training",
                "test accuracy", series, false);
        StringBuilder v = new StringBuilder();
        v.append("Final test accuracy: Adam ").append(a[0].text()).append(" in ").append(String.format(java.util.Locale.ROOT, "%.1f", t[0].mean()))
                .append(" s, L-BFGS (").append(iterations).append(" iterations at most) ").append(a[1].text()).append(" in ")
                .append(String.format(java.util.Locale.ROOT, "%.1f", t[1].mean())).append(" s (").append(seeds.size()).append(" seeds). ");
        if (Double.isFinite(reach[0])) {
            v.append(String.format(java.util.Locale.ROOT, "Adam reaches 99%% of L-BFGS's final accuracy after %.1f s", reach[0]));
        } else {
            v.append("Adam never reaches 99% of L-BFGS's final accuracy");
        }
        v.append(Double.isFinite(reach[1]) ? String.format(java.util.Locale.ROOT, "; L-BFGS reaches 99%% of Adam's after %.1f s. ", reach[1])
                : "; L-BFGS never reaches 99% of Adam's. ");
        boolean adamFaster = Double.isFinite(reach[0]) && (!Double.isFinite(reach[1]) || reach[0] < reach[1]);
        v.append(adamFaster ? "Adam gets there in less wall time, as expected." : "L-BFGS gets there in less wall time, against the expectation.");
        v.append(a[0].clearlyAbove(a[1]) ? " Adam also ends clearly more accurate." : a[0].clearlyBelow(a[1])
                ? " L-BFGS ends clearly more accurate." : " Their final accuracies are within the seed noise.");
        return new Report(table, runs, Map.of("accuracy-by-time.png", plot), v.toString());
    }

    private static double firstReach(List<EpochMetrics> h, double target) {
        for (EpochMetrics m : h) {
            if (m.validationAccuracy() >= target) {
                return m.elapsedSeconds();
            }
        }
        return Double.NaN;
    }
}
