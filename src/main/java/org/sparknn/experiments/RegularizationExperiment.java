package org.sparknn.experiments;

import org.sparknn.nn.ParamBlock;
import org.sparknn.nn.ParamGroup;
import org.sparknn.optim.Regularization;
import org.sparknn.train.TrainConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Experiment 6: no penalty vs L1 (proximal) vs L2: weight histograms, share of exactly-zero weights, test error. */
public final class RegularizationExperiment implements Experiment {
    @Override
    public String name() {
        return "regularization";
    }

    @Override
    public String title() {
        return "L1 vs L2 vs no penalty: weights, exact zeros, test error";
    }

    @Override
    public String claim() {
        return "Notes: the L1 penalty subtracts a constant from each weight's magnitude at every update, so only the important "
                + "weights survive (a sparse network; with the proximal step, exact zeros); L2 shrinks every weight in "
                + "proportion and leaves none exactly zero.";
    }

    @Override
    public Report run(ExperimentContext ctx) throws Exception {
        double l1 = ctx.number("l1");
        double l2 = ctx.number("l2");
        List<Long> seeds = ctx.seeds();
        String[] names = {"none", "L1 " + l1 + " (proximal)", "L2 " + l2};
        Table runs = new Table("variant", "seed", "testError", "zeroShare", "meanAbsWeight");
        Stats[][] st = new Stats[3][3];
        List<double[]> weights = new ArrayList<>();
        for (int v = 0; v < 3; v++) {
            double[] err = new double[seeds.size()];
            double[] zeros = new double[seeds.size()];
            double[] meanAbs = new double[seeds.size()];
            double[] firstSeedWeights = null;
            for (int s = 0; s < seeds.size(); s++) {
                TrainConfig config = ctx.training().with(TrainConfig.SEED, seeds.get(s))
                        .with(TrainConfig.L1, v == 1 ? l1 : 0.0).with(TrainConfig.L2, v == 2 ? l2 : 0.0);
                ExperimentContext.Run run = ctx.train(names[v] + " seed " + seeds.get(s), ctx.model(), config);
                float[] w = run.net().store().values();
                List<ParamBlock> blocks = run.net().store().blocks();
                double[] ws = weightValues(w, blocks);
                err[s] = run.testError();
                zeros[s] = Regularization.sparsity(w, blocks);
                meanAbs[s] = Arrays.stream(ws).map(Math::abs).average().orElse(Double.NaN);
                if (s == 0) {
                    firstSeedWeights = ws;
                }
                runs.add(names[v], seeds.get(s), err[s], zeros[s], meanAbs[s]);
            }
            st[v][0] = Stats.of(err);
            st[v][1] = Stats.of(zeros);
            st[v][2] = Stats.of(meanAbs);
            weights.add(firstSeedWeights);
        }
        Table table = new Table("penalty", "test error", "sd", "share of weights exactly 0", "sd", "mean |w|", "sd");
        for (int v = 0; v < 3; v++) {
            table.add(names[v], st[v][0].mean(), st[v][0].sd(), st[v][1].mean(), st[v][1].sd(), st[v][2].mean(), st[v][2].sd());
        }
        double hi = 0;
        for (double[] w : weights) {
            hi = Math.max(hi, SparsityExperiment.quantile(Arrays.stream(w).map(Math::abs).toArray(), 0.999));
        }
        Map<String, byte[]> plots = new LinkedHashMap<>();
        plots.put("weight-histogram.png", Plots.histogram("Weights (biases and BN excluded) after training, seed " + seeds.get(0)
                + " (log scale)", "weight", List.of(names), weights, 101, -hi, hi, true));
        plots.put("zero-share.png", Plots.lines("Share of weights exactly zero (mean ± sd over " + seeds.size() + " seeds)",
                "variant (0 = none, 1 = L1, 2 = L2)", "share of weights exactly 0", List.of(new Plots.Series("share exactly 0",
                        new double[] {0, 1, 2}, new double[] {st[0][1].mean(), st[1][1].mean(), st[2][1].mean()},
                        new double[] {st[0][1].sd(), st[1][1].sd(), st[2][1].sd()})), false));
        return new Report(table, runs, plots, verdict(names, st, seeds.size()));
    }

    private static double[] weightValues(float[] w, List<ParamBlock> blocks) {
        int n = 0;
        for (ParamBlock b : blocks) {
            if (b.group() == ParamGroup.WEIGHT) {
                n += b.length();
            }
        }
        double[] out = new double[n];
        int at = 0;
        for (ParamBlock b : blocks) {
            if (b.group() == ParamGroup.WEIGHT) {
                for (int i = b.offset(); i < b.end(); i++) {
                    out[at++] = w[i];
                }
            }
        }
        return out;
    }

    static String verdict(String[] names, Stats[][] st, int seeds) {
        StringBuilder v = new StringBuilder("Share of weights exactly zero: ");
        for (int k = 0; k < 3; k++) {
            v.append(names[k]).append(" ").append(st[k][1].percent()).append(k < 2 ? ", " : "; ");
        }
        v.append("test error: ");
        for (int k = 0; k < 3; k++) {
            v.append(names[k]).append(" ").append(st[k][0].percent()).append(k < 2 ? ", " : " (" + seeds + " seeds). ");
        }
        if (st[1][1].clearlyAbove(st[0][1]) && st[1][1].clearlyAbove(st[2][1])) {
            v.append("Proximal L1 leaves clearly more exact zeros than L2 or no penalty, as the notes say. ");
        } else {
            v.append("L1 does not leave clearly more exact zeros than the others here, against the notes' claim. ");
        }
        if (st[2][1].mean() <= st[0][1].mean() + st[0][1].sd()) {
            v.append("L2 leaves no more exact zeros than no penalty");
        } else {
            v.append("L2 leaves more exact zeros than no penalty");
        }
        double shrink = 1 - st[2][2].mean() / st[0][2].mean();
        // "clearly" needs both: beyond the seed noise and at least 1% (mean |w| barely varies between seeds)
        v.append(st[2][2].clearlyBelow(st[0][2]) && shrink >= 0.01 ? " but clearly shrinks the weights" : ", and does not clearly shrink the weights")
                .append(String.format(java.util.Locale.ROOT, " (mean |w| %s vs %s, %.1f%% smaller). ", st[2][2].text(), st[0][2].text(),
                        100 * shrink));
        for (int k = 1; k < 3; k++) {
            v.append(names[k]).append(st[k][0].clearlyBelow(st[0][0]) ? " clearly lowers the test error"
                    : st[k][0].clearlyAbove(st[0][0]) ? " clearly raises the test error" : " leaves the test error within the seed noise")
                    .append(k == 1 ? "; " : ".");
        }
        return v.toString();
    }
}
