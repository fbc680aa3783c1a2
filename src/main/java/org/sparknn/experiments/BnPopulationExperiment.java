package org.sparknn.experiments;

import org.sparknn.nn.BnPopulation;
import org.sparknn.spark.SparkTrainer;
import org.sparknn.train.Choices.BnPopulationMode;
import org.sparknn.train.TrainConfig;

import java.util.List;
import java.util.Map;

/**
 * Experiment 5: BN inference statistics of one trained network three ways - the running average
 * kept during training, the exact estimator over the training set with the final weights, and
 * that estimator without the m/(m-1) correction - and the test accuracy of each, per batch size.
 */
public final class BnPopulationExperiment implements Experiment {
    @Override
    public String name() {
        return "bn-population";
    }

    @Override
    public String title() {
        return "BN population statistics: running average vs the exact estimator (and without m/(m-1))";
    }

    @Override
    public String claim() {
        return "Notes and Ioffe & Szegedy 2015, Algorithm 2: at test time BN uses the mean of the training batches' means and "
                + "m/(m-1) times the mean of their variances, computed with the final weights; the running average is the "
                + "common substitute. The correction matters most for small batches.";
    }

    @Override
    public Report run(ExperimentContext ctx) throws Exception {
        int[] batches = ctx.integers("batchSizes");
        List<Long> seeds = ctx.seeds();
        if (ctx.model().layers().stream().noneMatch(l -> l instanceof org.sparknn.nn.LayerSpec.BatchNorm)) {
            throw new IllegalArgumentException("experiment bn-population needs a model with batch_norm layers");
        }
        String[] names = {"running average", "exact (m/(m-1))", "exact without correction"};
        Table runs = new Table("batchSize", "localBatch", "seed", "running", "exact", "uncorrected");
        Table table = new Table("batch size", "local batch m", "running average", "sd", "exact (m/(m-1))", "sd",
                "exact without correction", "sd");
        Stats[][] st = new Stats[batches.length][3];
        int workers = 0;
        for (int b = 0; b < batches.length; b++) {
            double[][] acc = new double[3][seeds.size()];
            int local = 0;
            for (int s = 0; s < seeds.size(); s++) {
                TrainConfig config = ctx.training().with(TrainConfig.SEED, seeds.get(s)).with(TrainConfig.BATCH_SIZE, batches[b])
                        .with(TrainConfig.BN_POPULATION, BnPopulationMode.RUNNING);
                workers = SparkTrainer.workers(config, ctx.sc());
                local = batches[b] / workers;
                final int at = s;
                ctx.train("batch " + batches[b] + " seed " + seeds.get(s), ctx.model(), config, null, (net, shards) -> {
                    acc[0][at] = ExperimentContext.evaluate(net, ctx.testSet()).accuracy(); // the running average training left
                    BnPopulation.Exact exact = SparkTrainer.batchNormPopulation(shards, net, config);
                    exact.writeTo(net.batchNormLayers(), net.store().state(), true);
                    acc[1][at] = ExperimentContext.evaluate(net, ctx.testSet()).accuracy();
                    exact.writeTo(net.batchNormLayers(), net.store().state(), false);
                    acc[2][at] = ExperimentContext.evaluate(net, ctx.testSet()).accuracy();
                });
                runs.add(batches[b], local, seeds.get(s), acc[0][s], acc[1][s], acc[2][s]);
            }
            for (int k = 0; k < 3; k++) {
                st[b][k] = Stats.of(acc[k]);
            }
            table.add(batches[b], local, st[b][0].mean(), st[b][0].sd(), st[b][1].mean(), st[b][1].sd(), st[b][2].mean(), st[b][2].sd());
        }
        double[] x = new double[batches.length];
        for (int b = 0; b < batches.length; b++) {
            x[b] = batches[b];
        }
        List<Plots.Series> series = new java.util.ArrayList<>();
        for (int k = 0; k < 3; k++) {
            final int kk = k;
            series.add(new Plots.Series(names[k], x, java.util.Arrays.stream(st).mapToDouble(r -> r[kk].mean()).toArray(),
                    java.util.Arrays.stream(st).mapToDouble(r -> r[kk].sd()).toArray()));
        }
        byte[] plot = Plots.lines("Test accuracy by BN inference statistics (" + workers + " workers; mean ± sd over "
                + seeds.size() + " seeds)", "global batch size (log scale)", "test accuracy", series, true);
        return new Report(table, runs, Map.of("accuracy-by-estimator.png", plot), verdict(batches, workers, st, seeds.size()));
    }

    static String verdict(int[] batches, int workers, Stats[][] st, int seeds) {
        StringBuilder v = new StringBuilder("Test accuracy with each BN inference estimator (").append(seeds)
                .append(" seeds; BN normalizes each worker's local batch m = batch / ").append(workers).append("): ");
        for (int b = 0; b < batches.length; b++) {
            v.append("batch ").append(batches[b]).append(": running ").append(st[b][0].text()).append(", exact ")
                    .append(st[b][1].text()).append(", uncorrected ").append(st[b][2].text()).append(b + 1 < batches.length ? "; " : ". ");
        }
        for (int b = 0; b < batches.length; b++) {
            v.append("At batch ").append(batches[b]).append(" the exact estimator is ");
            v.append(st[b][1].clearlyAbove(st[b][0]) ? "clearly better than" : st[b][1].clearlyBelow(st[b][0]) ? "clearly worse than"
                    : "within the seed noise of").append(" the running average, and the m/(m-1) correction ");
            v.append(st[b][1].clearlyAbove(st[b][2]) ? "clearly helps" : st[b][1].clearlyBelow(st[b][2]) ? "clearly hurts"
                    : "makes no difference beyond the seed noise").append(". ");
        }
        return v.toString().trim();
    }
}
