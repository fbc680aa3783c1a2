package org.sparknn.experiments;

import org.sparknn.nn.ModelSpec;
import org.sparknn.train.TrainConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Experiment 1: final train and test error, and their gap, per hidden-layer drop rate. */
public final class DropoutRateExperiment implements Experiment {
    @Override
    public String name() {
        return "dropout-rate";
    }

    @Override
    public String title() {
        return "Dropout rate sweep: train error, test error and their gap per hidden drop rate";
    }

    @Override
    public String claim() {
        return "Notes: a drop rate above about 0.6 underfits, below about 0.2 overfitting returns. Srivastava et al. 2014, "
                + "Fig. 9: at fixed width the test error is flat for retention 0.4-0.8 (drop rate 0.2-0.6).";
    }

    @Override
    public Report run(ExperimentContext ctx) throws Exception {
        double[] rates = ctx.numbers("dropoutRates");
        List<Long> seeds = ctx.seeds();
        Table runs = new Table("dropRate", "seed", "trainError", "testError", "gap", "seconds");
        Stats[] train = new Stats[rates.length];
        Stats[] test = new Stats[rates.length];
        Stats[] gap = new Stats[rates.length];
        for (int r = 0; r < rates.length; r++) {
            ModelSpec spec = Models.hiddenDropout(ctx.model(), rates[r]);
            double[] tr = new double[seeds.size()];
            double[] te = new double[seeds.size()];
            double[] gp = new double[seeds.size()];
            for (int s = 0; s < seeds.size(); s++) {
                ExperimentContext.Run run = ctx.train("drop rate " + rates[r] + " seed " + seeds.get(s), spec,
                        ctx.training().with(TrainConfig.SEED, seeds.get(s)));
                tr[s] = 1 - ExperimentContext.evaluate(run.net(), ctx.trainSet()).accuracy();
                te[s] = run.testError();
                gp[s] = te[s] - tr[s];
                runs.add(rates[r], seeds.get(s), tr[s], te[s], gp[s], run.seconds());
            }
            train[r] = Stats.of(tr);
            test[r] = Stats.of(te);
            gap[r] = Stats.of(gp);
        }
        Table table = new Table("drop rate", "retention p", "train error", "train error sd", "test error", "test error sd",
                "gap (test - train)", "gap sd");
        for (int r = 0; r < rates.length; r++) {
            table.add(rates[r], 1 - rates[r], train[r].mean(), train[r].sd(), test[r].mean(), test[r].sd(), gap[r].mean(), gap[r].sd());
        }
        byte[] errors = Plots.lines("Error after training per hidden drop rate (mean ± sd over " + seeds.size() + " seeds)",
                "drop rate", "error", List.of(
                        new Plots.Series("test error", rates, means(test), sds(test)),
                        new Plots.Series("train error (inference)", rates, means(train), sds(train)),
                        new Plots.Series("gap (test - train)", rates, means(gap), sds(gap))), false);
        return new Report(table, runs, Map.of("errors-by-drop-rate.png", errors), verdict(rates, train, test, gap, seeds.size()));
    }

    static double[] means(Stats[] s) {
        return java.util.Arrays.stream(s).mapToDouble(Stats::mean).toArray();
    }

    static double[] sds(Stats[] s) {
        return java.util.Arrays.stream(s).mapToDouble(Stats::sd).toArray();
    }

    static String verdict(double[] rates, Stats[] train, Stats[] test, Stats[] gap, int seeds) {
        int best = 0;
        for (int r = 1; r < rates.length; r++) {
            if (test[r].mean() < test[best].mean()) {
                best = r;
            }
        }
        StringBuilder v = new StringBuilder();
        v.append("Lowest mean test error ").append(test[best].percent()).append(" at drop rate ").append(rates[best])
                .append(" (").append(seeds).append(" seeds; \"clearly\" below means the difference of means exceeds the sum of "
                        + "the two standard deviations). ");
        // underfitting: rates above 0.6
        List<String> under = new ArrayList<>();
        List<String> notUnder = new ArrayList<>();
        for (int r = 0; r < rates.length; r++) {
            if (rates[r] > 0.6 + 1e-9) {
                boolean underfits = train[r].clearlyAbove(train[best]) && test[r].clearlyAbove(test[best]);
                (underfits ? under : notUnder).add(String.valueOf(rates[r]));
            }
        }
        if (under.isEmpty() && notUnder.isEmpty()) {
            v.append("No rate above 0.6 was run, so the underfitting claim is not tested. ");
        } else if (notUnder.isEmpty()) {
            v.append("Above 0.6 (rates ").append(under).append(") both train and test error are clearly higher than at the "
                    + "best rate: these rates underfit, as the notes say. ");
        } else {
            v.append("Above 0.6, rates ").append(under).append(" underfit (train and test error clearly above the best rate's) "
                    + "but ").append(notUnder).append(" do not: the notes' underfitting threshold does not hold there. ");
        }
        List<String> over = new ArrayList<>();
        List<String> notOver = new ArrayList<>();
        for (int r = 0; r < rates.length; r++) {
            if (rates[r] < 0.2 - 1e-9 && r != best) {
                boolean overfits = gap[r].clearlyAbove(gap[best]) && test[r].clearlyAbove(test[best]);
                (overfits ? over : notOver).add(String.valueOf(rates[r]));
            }
        }
        if (rates[best] < 0.2 - 1e-9) {
            v.append("The best rate is itself below 0.2, which contradicts the notes' claim that overfitting returns there. ");
        }
        if (!over.isEmpty() || !notOver.isEmpty()) {
            if (notOver.isEmpty()) {
                v.append("Below 0.2 (rates ").append(over).append(") the train-test gap and the test error are clearly larger "
                        + "than at the best rate: overfitting returns, as the notes say. ");
            } else if (over.isEmpty()) {
                v.append("Below 0.2, rates ").append(notOver).append(" do not clearly overfit (their train-test gap and test "
                        + "error are not both clearly larger than at the best rate): the claim that overfitting returns below 0.2 "
                        + "does not hold here. ");
            } else {
                v.append("Below 0.2, rates ").append(over).append(" clearly overfit (larger gap and test error than the best rate) "
                        + "but ").append(notOver).append(" do not: the overfitting claim holds only in part. ");
            }
        }
        int last = rates.length - 1;
        v.append("The train-test gap goes from ").append(Stats.pct(gap[0].mean())).append(" at drop rate ").append(rates[0])
                .append(" to ").append(Stats.pct(gap[last].mean())).append(" at ").append(rates[last]).append(". ");
        // paper: flat for retention 0.4-0.8 = drop rate 0.2-0.6
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        double maxSd = 0;
        int inRange = 0;
        for (int r = 0; r < rates.length; r++) {
            if (rates[r] >= 0.2 - 1e-9 && rates[r] <= 0.6 + 1e-9) {
                lo = Math.min(lo, test[r].mean());
                hi = Math.max(hi, test[r].mean());
                maxSd = Math.max(maxSd, test[r].sd());
                inRange++;
            }
        }
        if (inRange >= 2) {
            boolean flat = hi - lo <= 2 * maxSd;
            v.append("Over drop rates 0.2-0.6 (retention 0.4-0.8) the mean test error spans ").append(Stats.pct(lo))
                    .append(" to ").append(Stats.pct(hi)).append(" (range ").append(Stats.pct(hi - lo))
                    .append(", largest sd ").append(Stats.pct(maxSd)).append("): ")
                    .append(flat ? "flat within the seed noise, as in the paper's Fig. 9."
                            : "not flat within the seed noise (the range exceeds twice the largest sd), unlike the paper's Fig. 9.");
        }
        return v.toString().trim();
    }
}
