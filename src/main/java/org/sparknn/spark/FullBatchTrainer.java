package org.sparknn.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparknn.nn.BnPopulation;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.ParamBlock;
import org.sparknn.optim.Regularization;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.Evaluation;
import org.sparknn.train.Choices.Solver;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;
import org.sparknn.train.TrainingResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Full-batch quasi-Newton training: Breeze's L-BFGS (solver=lbfgs) or OWL-QN (solver=owlqn) runs
 * on the driver; every evaluation of the objective is one Spark job over the cached shards that
 * returns loss and gradient sums, added in partition order. Objective: mean loss over all rows +
 * l2/2 * sum w^2 (added on the driver) + l1 * sum |w| (OWL-QN's own term), on the regularized
 * blocks (weights; biases and BN gamma/beta when asked). It must be deterministic, so dropout must
 * be off; BN uses each cached block's own statistics, the same at every evaluation, and the
 * population statistics for inference are the mean of the block means and the m/(m-1)-corrected
 * mean of the block variances.
 */
final class FullBatchTrainer {
    private FullBatchTrainer() {}

    static TrainingResult fit(Shards train, Shards validation, Network net, TrainConfig config, TrainingListener listener) {
        requireDeterministic(net, config);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(train.shards().context());
        Solver solver = config.get(TrainConfig.SOLVER);
        double l2 = config.get(TrainConfig.L2);
        int maxIterations = config.get(TrainConfig.MAX_ITERATIONS);
        Tasks.Run run = new Tasks.Run("sparknn-" + UUID.randomUUID(), net.spec().toJson(), config, train.layout(),
                (int) Math.min(config.get(TrainConfig.BATCH_SIZE), train.totalRows()));
        float[] w = net.store().values();
        List<ParamBlock> blocks = net.store().blocks();
        Regularization reg = config.regularization();
        double[] l1 = new double[w.length];
        boolean[] penalized = new boolean[w.length];
        for (ParamBlock b : blocks) {
            for (int i = b.offset(); i < b.end(); i++) {
                penalized[i] = reg.applies(b);
                l1[i] = penalized[i] && solver == Solver.OWLQN ? config.get(TrainConfig.L1) : 0;
            }
        }
        long total = train.totalRows();
        long start = System.nanoTime();
        long[] evaluations = {0};
        double[] lastAccuracy = {Double.NaN};

        BreezeSolvers.Objective objective = (x, gradient) -> {
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) x[i];
            }
            Sums a = fullBatch(sc, run, train, net, ++evaluations[0]);
            float[] g = net.store().grads();
            double value = a.lossSum() / total;
            for (int i = 0; i < w.length; i++) {
                gradient[i] = (double) g[i] / total;
                if (penalized[i] && l2 > 0) {
                    value += 0.5 * l2 * x[i] * x[i];
                    gradient[i] += l2 * x[i];
                }
            }
            lastAccuracy[0] = (double) a.correct() / total;
            return value;
        };
        List<EpochMetrics> history = new ArrayList<>();
        BreezeSolvers.Progress progress = (iteration, value, gradientNorm, x) -> {
            if (iteration == 0) {
                return;
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) x[i];
            }
            Evaluation val = validation == null ? null : ShardJobs.evaluate(sc, run, payload(net), validation,
                    "validation after iteration " + iteration);
            double elapsed = (System.nanoTime() - start) / 1e9;
            EpochMetrics m = new EpochMetrics(iteration, evaluations[0], value, lastAccuracy[0],
                    val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(), Double.NaN,
                    total * (double) evaluations[0] / elapsed, elapsed,
                    elapsed / iteration * Math.max(0, maxIterations - iteration),
                    Regularization.sparsity(w, blocks));
            history.add(m);
            listener.onEpoch(m);
            System.out.printf(Locale.ROOT, "  %s iteration %d: objective %.6f, |gradient| %.3e, %d evaluations%n",
                    solver.key(), iteration, value, gradientNorm, evaluations[0]);
        };
        double[] x0 = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            x0[i] = w[i];
        }
        System.out.println("sparknn: " + solver.key() + " on " + total + " rows in " + train.partitions()
                + " partitions, at most " + maxIterations + " iterations");
        BreezeSolvers.Result result;
        String runId = run.runId();
        try {
            result = BreezeSolvers.minimize(objective, x0, l1, maxIterations, config.get(TrainConfig.HISTORY_SIZE),
                    config.get(TrainConfig.TOLERANCE), progress);
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) result.x()[i];
            }
            if (!net.batchNormLayers().isEmpty()) {
                fullBatch(sc, run, train, net, ++evaluations[0]); // BN population statistics at the final weights
            }
        } finally {
            ShardJobs.release(train, validation, runId);
        }
        System.out.println("sparknn: " + solver.key() + " stopped after " + result.iterations() + " iterations ("
                + result.reason() + "), objective " + result.value());
        Evaluation finalValidation = validation == null ? null
                : ShardJobs.evaluate(sc, run, payload(net), validation, "final validation");
        double seconds = (System.nanoTime() - start) / 1e9;
        ShardJobs.release(validation != null ? validation : train, null, runId);
        return new TrainingResult(history, finalValidation, evaluations[0], seconds, total * (double) evaluations[0] / seconds);
    }

    private static void requireDeterministic(Network net, TrainConfig config) {
        List<LayerSpec> layers = net.spec().layers();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof LayerSpec.Dropout d && d.rate() > 0) {
                throw new IllegalArgumentException("solver " + config.get(TrainConfig.SOLVER).key() + " needs a deterministic objective, but layer "
                        + i + " is dropout with rate " + d.rate() + "; set the rate to 0 or use solver=minibatch");
            }
        }
        String solver = config.get(TrainConfig.SOLVER).key();
        if (config.get(TrainConfig.SOLVER) == Solver.LBFGS && config.get(TrainConfig.L1) > 0) {
            throw new IllegalArgumentException("solver lbfgs cannot minimize an L1 penalty (l1=" + config.get(TrainConfig.L1)
                    + "); use solver=owlqn");
        }
        if (config.get(TrainConfig.BATCH_NORM_SYNC)) {
            throw new IllegalArgumentException("batchNormSync=true belongs to mini-batch training; solver " + solver
                    + " evaluates each shard as one batch; set batchNormSync=false or use solver=minibatch");
        }
        if (config.get(TrainConfig.AUGMENT_FLIP) || config.get(TrainConfig.AUGMENT_SHIFT) > 0) {
            throw new IllegalArgumentException("augmentFlip and augmentShift transform each mini-batch's images at random, but solver "
                    + solver + " needs a deterministic objective; set augmentFlip=false and augmentShift=0 or use solver=minibatch");
        }
        if (!config.get(TrainConfig.CHECKPOINT_DIR).isEmpty()) {
            throw new IllegalArgumentException("checkpointDir is not supported by solver " + solver
                    + " (checkpoints are taken at epoch boundaries of mini-batch training)");
        }
        if (config.get(TrainConfig.MAX_NORM) > 0 || config.get(TrainConfig.WEIGHT_DECAY) > 0) {
            throw new IllegalArgumentException("maxNorm and weightDecay belong to the mini-batch optimizers; with solver "
                    + solver + " use l2 (and l1 with owlqn)");
        }
    }

    /** Sums of one full-batch evaluation. */
    record Sums(double lossSum, long correct) {
    }

    /**
     * One evaluation at the network's current weights: the gradient SUM over all rows is left in
     * the network's grads (added in partition order), and with BN the population statistics
     * estimated from the blocks are written into its state.
     */
    private static Sums fullBatch(JavaSparkContext sc, Tasks.Run run, Shards train, Network net, long evaluation) {
        float[] w = net.store().values();
        Broadcast<byte[]> weights = sc.broadcast(FloatBytes.encode(w, w.length));
        sc.setJobDescription("sparknn full-batch evaluation " + evaluation);
        List<StepResult> results;
        try {
            results = train.withBlocks(() -> train.shards().map(b -> Worker.fullBatch(b, run, weights)).collect());
        } finally {
            weights.destroy();
        }
        float[] g = net.store().grads();
        java.util.Arrays.fill(g, 0f);
        float[] part = new float[g.length];
        double lossSum = 0;
        long correct = 0;
        BnPopulation.Exact population = new BnPopulation.Exact(net.batchNormLayers());
        for (StepResult r : results) {
            FloatBytes.decode(r.gradientSum(), part);
            for (int i = 0; i < g.length; i++) {
                g[i] += part[i];
            }
            lossSum += r.batch().lossSum();
            correct += r.batch().correct();
            if (!net.batchNormLayers().isEmpty()) {
                population.add(r.batch().bnStats());
            }
        }
        if (!net.batchNormLayers().isEmpty()) {
            population.writeTo(net.batchNormLayers(), net.store().state());
        }
        return new Sums(lossSum, correct);
    }

    private static Tasks.ModelPayload payload(Network net) {
        return Tasks.ModelPayload.of(net, null);
    }
}
