package org.sparknn.experiments;

import org.sparknn.data.Dataset;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.train.TrainConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Experiment 3: sparsity of the last hidden layer's activations with and without dropout. */
public final class SparsityExperiment implements Experiment {
    @Override
    public String name() {
        return "sparsity";
    }

    @Override
    public String title() {
        return "Sparsity of hidden activations with and without dropout";
    }

    @Override
    public String claim() {
        return "Notes: dropout makes the hidden units' activations sparser. Srivastava et al. 2014, Fig. 8: with dropout the "
                + "mean activations of the hidden units are lower and far more activations are close to zero.";
    }

    @Override
    public Report run(ExperimentContext ctx) throws Exception {
        double rate = ctx.number("dropoutRate");
        double nearZero = ctx.number("nearZero");
        int bins = ctx.integer("bins");
        List<Long> seeds = ctx.seeds();
        String[] names = {"without dropout", "dropout " + rate};
        ModelSpec[] specs = {Models.withoutDropout(ctx.model()), Models.hiddenDropout(ctx.model(), rate)};
        Dataset test = ctx.testSet();
        Table runs = new Table("variant", "seed", "meanActivation", "shareNearZero", "shareZero", "testError");
        double[][] mean = new double[2][seeds.size()];
        double[][] near = new double[2][seeds.size()];
        double[][] zero = new double[2][seeds.size()];
        double[][] error = new double[2][seeds.size()];
        List<double[]> unitMeans = new ArrayList<>(List.of(new double[0], new double[0]));
        List<double[]> values = new ArrayList<>(List.of(new double[0], new double[0]));
        for (int v = 0; v < 2; v++) {
            int layer = Models.lastHiddenActivation(specs[v]);
            for (int s = 0; s < seeds.size(); s++) {
                ExperimentContext.Run run = ctx.train(names[v] + " seed " + seeds.get(s), specs[v],
                        ctx.training().with(TrainConfig.SEED, seeds.get(s)));
                Network net = run.net();
                float[] a = Models.activations(net, test.features(), test.size(), layer);
                int units = a.length / test.size();
                double sum = 0;
                long nearCount = 0;
                long zeroCount = 0;
                double[] perUnit = new double[units];
                double[] all = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    sum += a[i];
                    all[i] = a[i];
                    perUnit[i % units] += a[i] / test.size();
                    if (Math.abs(a[i]) <= nearZero) {
                        nearCount++;
                    }
                    if (a[i] == 0f) {
                        zeroCount++;
                    }
                }
                mean[v][s] = sum / a.length;
                near[v][s] = (double) nearCount / a.length;
                zero[v][s] = (double) zeroCount / a.length;
                error[v][s] = run.testError();
                unitMeans.set(v, concat(unitMeans.get(v), perUnit));
                values.set(v, concat(values.get(v), all));
                runs.add(names[v], seeds.get(s), mean[v][s], near[v][s], zero[v][s], error[v][s]);
            }
        }
        Table table = new Table("variant", "mean activation", "sd", "share |a| <= " + nearZero, "sd", "share exactly 0", "sd",
                "test error", "sd");
        Stats[][] st = new Stats[4][2];
        for (int v = 0; v < 2; v++) {
            st[0][v] = Stats.of(mean[v]);
            st[1][v] = Stats.of(near[v]);
            st[2][v] = Stats.of(zero[v]);
            st[3][v] = Stats.of(error[v]);
            table.add(names[v], st[0][v].mean(), st[0][v].sd(), st[1][v].mean(), st[1][v].sd(), st[2][v].mean(), st[2][v].sd(),
                    st[3][v].mean(), st[3][v].sd());
        }
        double hiMean = Math.max(max(unitMeans.get(0)), max(unitMeans.get(1)));
        double hiValue = Math.max(quantile(values.get(0), 0.995), quantile(values.get(1), 0.995));
        Map<String, byte[]> plots = new LinkedHashMap<>();
        plots.put("unit-mean-activations.png", Plots.histogram("Mean activation of each unit of the last hidden layer on the "
                + "test set (all seeds)", "mean activation of a unit", List.of(names), unitMeans, bins, 0, hiMean, false));
        plots.put("activations.png", Plots.histogram("Activations of the last hidden layer on the test set (all units, "
                + "rows and seeds; log scale)", "activation", List.of(names), values, bins, 0, hiValue, true));
        return new Report(table, runs, plots, verdict(names, st, nearZero, seeds.size()));
    }

    static String verdict(String[] names, Stats[][] st, double nearZero, int seeds) {
        StringBuilder v = new StringBuilder();
        v.append("Mean activation of the last hidden layer: ").append(st[0][0].text()).append(" ").append(names[0]).append(", ")
                .append(st[0][1].text()).append(" with ").append(names[1]).append("; share of activations with |a| <= ")
                .append(nearZero).append(": ").append(st[1][0].percent()).append(" vs ").append(st[1][1].percent())
                .append(" (").append(seeds).append(" seeds). ");
        boolean lower = st[0][1].clearlyBelow(st[0][0]);
        boolean sparser = st[1][1].clearlyAbove(st[1][0]);
        if (lower && sparser) {
            v.append("With dropout the activations are clearly sparser (more near zero and a lower mean): the claim holds.");
        } else if (sparser) {
            v.append("With dropout more activations are near zero, but the mean activation is not clearly lower: the claim "
                    + "holds only in part.");
        } else if (lower) {
            v.append("With dropout the mean activation is lower, but the share of near-zero activations is not clearly "
                    + "higher: the claim holds only in part.");
        } else if (st[1][1].clearlyBelow(st[1][0])) {
            v.append("With dropout FEWER activations are near zero: the claim does not hold here.");
        } else {
            v.append("The difference is within the seed noise: the claim is not confirmed here.");
        }
        return v.toString();
    }

    private static double[] concat(double[] a, double[] b) {
        double[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static double max(double[] a) {
        return Arrays.stream(a).max().orElse(1);
    }

    static double quantile(double[] a, double q) {
        if (a.length == 0) {
            return Double.NaN;
        }
        double[] s = a.clone();
        Arrays.sort(s);
        double pos = q * (s.length - 1);
        int i = (int) Math.floor(pos);
        int j = Math.min(s.length - 1, i + 1);
        return s[i] + (pos - i) * (s[j] - s[i]);
    }
}
