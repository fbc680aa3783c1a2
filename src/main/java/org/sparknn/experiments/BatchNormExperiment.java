package org.sparknn.experiments;

import org.sparknn.data.Dataset;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Pass;
import org.sparknn.train.TrainConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Experiment 4: the batch-normalization paper's Fig. 1 - test accuracy against training step
 * with and without BN, and the 15th/50th/85th percentiles over training of one last-hidden-layer
 * unit's input to its nonlinearity.
 */
public final class BatchNormExperiment implements Experiment {
    @Override
    public String name() {
        return "batch-norm";
    }

    @Override
    public String title() {
        return "Batch normalization speed-up: test accuracy per step and a hidden unit's input distribution";
    }

    @Override
    public String claim() {
        return "Ioffe & Szegedy 2015, Fig. 1 (3 fully connected hidden layers of 100 sigmoid units, batch 60): with BN the "
                + "network trains faster and reaches higher test accuracy, and the distribution of a unit's input to the "
                + "sigmoid (15/50/85th percentiles) stays stable over training, while without BN it shifts.";
    }

    /** One run's curve: step, test accuracy, and the unit's input percentiles after each epoch (the first point is step 0). */
    private record Curve(List<Double> steps, List<Double> accuracy, List<double[]> percentiles) {
    }

    @Override
    public Report run(ExperimentContext ctx) throws Exception {
        int unit = ctx.integer("unit");
        int probeRows = Math.min(ctx.integer("probeRows"), ctx.testSet().size());
        List<Long> seeds = ctx.seeds();
        Dataset probe = ctx.testSet();
        float[] probeX = java.util.Arrays.copyOf(probe.features(), probeRows * probe.featureSize());
        String[] names = {"without BN", "with BN"};
        ModelSpec[] specs = {ctx.model(), Models.withBatchNorm(ctx.model())};
        List<List<Curve>> curves = new ArrayList<>();
        Table runs = new Table("variant", "seed", "step", "testAccuracy", "p15", "p50", "p85");
        for (int v = 0; v < 2; v++) {
            int input = Models.lastHiddenActivation(specs[v]) - 1; // the layer that feeds the last hidden nonlinearity
            List<Curve> list = new ArrayList<>();
            for (long seed : seeds) {
                Curve c = new Curve(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
                ctx.train(names[v] + " seed " + seed, specs[v], ctx.training().with(TrainConfig.SEED, seed), (m, net) -> {
                    // as a training step sees it: BN normalizes the probe rows with their own mean and variance
                    float[] a = Models.activations(net, probeX, probeRows, input, Pass.bnStatistics());
                    int width = a.length / probeRows;
                    if (unit >= width) {
                        throw new IllegalArgumentException("experiment.unit = " + unit + " but the last hidden layer has " + width + " units");
                    }
                    double[] u = new double[probeRows];
                    for (int r = 0; r < probeRows; r++) {
                        u[r] = a[r * width + unit];
                    }
                    double[] p = {SparsityExperiment.quantile(u, 0.15), SparsityExperiment.quantile(u, 0.50),
                            SparsityExperiment.quantile(u, 0.85)};
                    c.steps().add(m == null ? 0.0 : m.step());
                    // before training (m == null) the test accuracy of the initial weights, measured on the driver
                    c.accuracy().add(m == null ? ExperimentContext.evaluate(net, ctx.testSet()).accuracy() : m.validationAccuracy());
                    c.percentiles().add(p);
                }, null);
                for (int i = 0; i < c.steps().size(); i++) {
                    runs.add(names[v], seed, c.steps().get(i), c.accuracy().get(i), c.percentiles().get(i)[0],
                            c.percentiles().get(i)[1], c.percentiles().get(i)[2]);
                }
                list.add(c);
            }
            curves.add(list);
        }
        // per-step means over seeds (every run of a variant has the same steps)
        int points = curves.get(0).get(0).steps().size();
        Table table = new Table("step", "test accuracy without BN", "sd", "test accuracy with BN", "sd",
                "unit input p15/p50/p85 without BN (seed " + seeds.get(0) + ")", "unit input p15/p50/p85 with BN (seed " + seeds.get(0) + ")");
        Stats[][] acc = new Stats[2][points];
        double[] steps = new double[points];
        for (int i = 0; i < points; i++) {
            for (int v = 0; v < 2; v++) {
                final int at = i;
                acc[v][i] = Stats.of(curves.get(v).stream().mapToDouble(c -> c.accuracy().get(at)).toArray());
            }
            steps[i] = curves.get(0).get(0).steps().get(i);
            table.add(curves.get(0).get(0).steps().get(i).longValue(), acc[0][i].mean(), acc[0][i].sd(), acc[1][i].mean(),
                    acc[1][i].sd(), triple(curves.get(0).get(0).percentiles().get(i)), triple(curves.get(1).get(0).percentiles().get(i)));
        }
        List<Plots.Series> accSeries = new ArrayList<>();
        for (int v = 0; v < 2; v++) {
            double[] m = new double[points];
            double[] sd = new double[points];
            for (int i = 0; i < points; i++) {
                m[i] = acc[v][i].mean();
                sd[i] = acc[v][i].sd();
            }
            accSeries.add(new Plots.Series(names[v], steps, m, sd));
        }
        Map<String, byte[]> plots = new LinkedHashMap<>();
        plots.put("accuracy-by-step.png", Plots.lines("Test accuracy during training (mean ± sd over " + seeds.size() + " seeds)",
                "training step", "test accuracy", accSeries, false));
        List<Plots.Series> q = new ArrayList<>();
        double[] allSteps = curves.get(0).get(0).steps().stream().mapToDouble(Double::doubleValue).toArray();
        String[] pct = {"15th", "50th", "85th"};
        for (int v = 0; v < 2; v++) {
            for (int k = 0; k < 3; k++) {
                final int kk = k;
                q.add(new Plots.Series(names[v] + " " + pct[k], allSteps,
                        curves.get(v).get(0).percentiles().stream().mapToDouble(p -> p[kk]).toArray()));
            }
        }
        plots.put("unit-input-percentiles.png", Plots.lines("Input to the sigmoid of unit " + unit + " of the last hidden layer, "
                + "15/50/85th percentiles (seed " + seeds.get(0) + ")", "training step",
                "input value over " + probeRows + " test rows", q, false));
        return new Report(table, runs, plots, verdict(names, curves, acc, seeds.size()));
    }

    private static String triple(double[] p) {
        return String.format(java.util.Locale.ROOT, "%.3f / %.3f / %.3f", p[0], p[1], p[2]);
    }

    /** Drift of the median over training relative to the 15-85 width: (max p50 - min p50) / mean(p85 - p15), after step 0. */
    private static double drift(List<double[]> p) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        double width = 0;
        for (int i = 1; i < p.size(); i++) {
            lo = Math.min(lo, p.get(i)[1]);
            hi = Math.max(hi, p.get(i)[1]);
            width += p.get(i)[2] - p.get(i)[0];
        }
        width /= Math.max(1, p.size() - 1);
        return width > 0 ? (hi - lo) / width : Double.NaN;
    }

    static String verdict(String[] names, List<List<Curve>> curves, Stats[][] acc, int seeds) {
        int points = acc[0].length;
        Stats finalNo = acc[0][points - 1];
        Stats finalBn = acc[1][points - 1];
        List<Double> steps = curves.get(0).get(0).steps();
        StringBuilder v = new StringBuilder();
        v.append("After ").append(steps.get(points - 1).longValue()).append(" steps the test accuracy is ").append(finalNo.text())
                .append(" without BN and ").append(finalBn.text()).append(" with BN (").append(seeds).append(" seeds). ");
        int reach = -1;
        for (int i = 1; i < points; i++) {
            if (acc[1][i].mean() >= finalNo.mean()) {
                reach = i;
                break;
            }
        }
        if (reach > 0) {
            v.append("The BN network first reaches the plain network's final accuracy after ").append(steps.get(reach).longValue())
                    .append(" steps, ").append(String.format(java.util.Locale.ROOT, "%.1f", steps.get(points - 1) / steps.get(reach)))
                    .append("x fewer. ");
        } else {
            v.append("The BN network never reaches the plain network's final accuracy. ");
        }
        if (finalBn.clearlyAbove(finalNo)) {
            v.append("BN trains faster and ends clearly more accurate, as in the paper's Fig. 1(a). ");
        } else if (reach > 0 && reach < points - 1) {
            v.append("BN trains faster; its final accuracy is not clearly higher (within the seed noise). ");
        } else {
            v.append("BN does not train faster here, unlike the paper's Fig. 1(a). ");
        }
        double[] d = new double[2];
        for (int k = 0; k < 2; k++) {
            double sum = 0;
            for (Curve c : curves.get(k)) {
                sum += drift(c.percentiles());
            }
            d[k] = sum / curves.get(k).size();
        }
        v.append(String.format(java.util.Locale.ROOT, "The median of the tracked unit's input moves over training by %.2f (without BN) "
                + "and %.2f (with BN) times the 15-85 percentile width (mean over seeds); ", d[0], d[1]));
        v.append(d[1] < d[0] ? "its distribution is steadier with BN, as in Fig. 1(b, c)."
                : "its distribution is not steadier with BN, unlike Fig. 1(b, c).");
        return v.toString();
    }
}
