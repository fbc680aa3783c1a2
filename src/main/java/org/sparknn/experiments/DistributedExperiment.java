package org.sparknn.experiments;

import org.sparknn.train.EpochMetrics;
import org.sparknn.train.TrainConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Experiment 7: the same model and global batch trained synchronously with 1, 2 and 4 workers,
 * and with local SGD (syncEvery = K): test accuracy per epoch and against wall time.
 */
public final class DistributedExperiment implements Experiment {
    @Override
    public String name() {
        return "distributed";
    }

    @Override
    public String title() {
        return "Distributed equivalence (1, 2, 4 workers, same global batch) and what local SGD costs";
    }

    @Override
    public String claim() {
        return "sparknn's design: synchronous data-parallel training with P workers computes the gradient of the same global "
                + "batch, so P = 1, 2, 4 reach the same test accuracy within seed noise (only per-worker BN statistics and "
                + "the shard layout differ). Local SGD (syncEvery = K) runs fewer exchanges, a different algorithm: faster per "
                + "epoch, possibly less accurate.";
    }

    private record Variant(String name, int workers, int syncEvery) {
    }

    @Override
    public Report run(ExperimentContext ctx) throws Exception {
        int[] workerCounts = ctx.integers("workers");
        int[] syncs = ctx.integers("syncEvery");
        int syncWorkers = ctx.integer("syncWorkers");
        List<Long> seeds = ctx.seeds();
        List<Variant> variants = new ArrayList<>();
        for (int p : workerCounts) {
            variants.add(new Variant(p + (p == 1 ? " worker" : " workers") + ", synchronous", p, 1));
        }
        for (int k : syncs) {
            if (k > 1) {
                variants.add(new Variant(syncWorkers + " workers, local SGD syncEvery=" + k, syncWorkers, k));
            }
        }
        Table runs = new Table("variant", "workers", "syncEvery", "seed", "epoch", "testAccuracy", "elapsedSeconds");
        Table table = new Table("variant", "workers", "syncEvery", "final test accuracy", "sd", "training seconds", "sd");
        Map<Variant, List<List<EpochMetrics>>> histories = new LinkedHashMap<>();
        Map<Variant, Stats[]> stats = new LinkedHashMap<>();
        for (Variant v : variants) {
            List<List<EpochMetrics>> hs = new ArrayList<>();
            double[] acc = new double[seeds.size()];
            double[] secs = new double[seeds.size()];
            for (int s = 0; s < seeds.size(); s++) {
                TrainConfig config = ctx.training().with(TrainConfig.SEED, seeds.get(s)).with(TrainConfig.WORKERS, v.workers())
                        .with(TrainConfig.SYNC_EVERY, v.syncEvery());
                ExperimentContext.Run run = ctx.train(v.name() + " seed " + seeds.get(s), ctx.model(), config);
                acc[s] = run.testAccuracy();
                secs[s] = run.result().seconds();
                hs.add(run.history());
                for (EpochMetrics m : run.history()) {
                    runs.add(v.name(), v.workers(), v.syncEvery(), seeds.get(s), m.epoch(), m.validationAccuracy(), m.elapsedSeconds());
                }
            }
            Stats a = Stats.of(acc);
            Stats t = Stats.of(secs);
            table.add(v.name(), v.workers(), v.syncEvery(), a.mean(), a.sd(), t.mean(), t.sd());
            histories.put(v, hs);
            stats.put(v, new Stats[] {a, t});
        }
        List<Plots.Series> byEpoch = new ArrayList<>();
        List<Plots.Series> byTime = new ArrayList<>();
        for (Variant v : variants) {
            List<List<EpochMetrics>> hs = histories.get(v);
            int epochs = hs.get(0).size();
            double[] x = new double[epochs];
            double[] y = new double[epochs];
            double[] sd = new double[epochs];
            double[] t = new double[epochs];
            for (int e = 0; e < epochs; e++) {
                final int at = e;
                Stats a = Stats.of(hs.stream().mapToDouble(h -> h.get(at).validationAccuracy()).toArray());
                x[e] = e + 1;
                y[e] = a.mean();
                sd[e] = a.sd();
                t[e] = hs.stream().mapToDouble(h -> h.get(at).elapsedSeconds()).average().orElse(Double.NaN);
            }
            if (v.syncEvery() == 1) {
                byEpoch.add(new Plots.Series(v.name(), x, y, sd));
            }
            if (v.workers() == syncWorkers) {
                byTime.add(new Plots.Series(v.name(), t, y, sd));
            }
        }
        Map<String, byte[]> plots = new LinkedHashMap<>();
        plots.put("accuracy-by-workers.png", Plots.lines("Test accuracy per epoch, same global batch (mean ± sd over "
                + seeds.size() + " seeds)", "epoch", "test accuracy", byEpoch, false));
        plots.put("local-sgd-accuracy-by-time.png", Plots.lines("Test accuracy against wall time, " + syncWorkers
                + " workers (mean ± sd over " + seeds.size() + " seeds)", "seconds since the start of training", "test accuracy",
                byTime, false));
        return new Report(table, runs, plots, verdict(variants, stats, syncWorkers, seeds.size()));
    }

    static String verdict(List<Variant> variants, Map<Variant, Stats[]> stats, int syncWorkers, int seeds) {
        StringBuilder v = new StringBuilder();
        List<Variant> sync = variants.stream().filter(x -> x.syncEvery() == 1).toList();
        Variant ref = sync.get(0);
        v.append("Final test accuracy, synchronous: ");
        for (Variant x : sync) {
            v.append(x.workers()).append(x.workers() == 1 ? " worker " : " workers ").append(stats.get(x)[0].text()).append(", ");
        }
        v.setLength(v.length() - 2);
        v.append(" (").append(seeds).append(" seeds). ");
        List<String> differ = new ArrayList<>();
        for (Variant x : sync) {
            if (x != ref && !stats.get(x)[0].within(stats.get(ref)[0])) {
                differ.add(String.valueOf(x.workers()));
            }
        }
        v.append(differ.isEmpty() ? "Every worker count is within the seed noise of " + ref.workers() + " worker(s): the distributed "
                + "runs are equivalent, as designed. " : "Worker counts " + differ + " differ from " + ref.workers()
                + " worker(s) by more than the seed noise: the equivalence does not hold there. ");
        Variant base = sync.stream().filter(x -> x.workers() == syncWorkers).findFirst().orElse(null);
        List<Variant> local = variants.stream().filter(x -> x.syncEvery() > 1).toList();
        if (base != null && !local.isEmpty()) {
            Stats[] b = stats.get(base);
            for (Variant x : local) {
                Stats[] s = stats.get(x);
                v.append(String.format(java.util.Locale.ROOT, "Local SGD syncEvery=%d on %d workers: %.2fx the synchronous "
                                + "run's training time, accuracy %s vs %s (", x.syncEvery(), syncWorkers, s[1].mean() / b[1].mean(),
                        s[0].text(), b[0].text()));
                v.append(s[0].clearlyBelow(b[0]) ? "clearly lower" : s[0].clearlyAbove(b[0]) ? "clearly higher" : "within the noise")
                        .append("). ");
            }
        }
        return v.toString().trim();
    }
}
