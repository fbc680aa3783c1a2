package org.sparknn.spark;

import org.apache.spark.broadcast.Broadcast;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.Network;
import org.sparknn.train.EpochTracker;
import org.sparknn.train.TrainConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The driver-side aggregator: every step is one Spark job over the cached shards. The driver
 * broadcasts the weights, every task returns the gradient sum of its share of the global batch
 * with its figures and BN statistics (after a sparse batch only the first layer's weight columns
 * it touched, see {@link GradientBytes}), and the driver adds the gradients in partition order,
 * merges the BN statistics exactly, and applies the regularized update once.
 */
final class DriverExchange implements Exchange {
    private final TrainingRun run;
    /** On sparse input, the union of the inputs the last step's partitions held (null: dense). */
    private int[] lastRows;

    DriverExchange(TrainingRun run) {
        this.run = run;
    }

    @Override
    public void trainEpoch(int epoch, long firstStep, EpochTracker tracker) {
        for (long s = 0; s < run.plan.stepsPerEpoch(); s++) {
            BatchResult global = gradientSum(epoch, s, firstStep + s);
            long t0 = System.nanoTime();
            double penalty = run.globalStep.apply(global.count(), global.bnStats(), lastRows);
            run.timings.updateNanos += System.nanoTime() - t0;
            tracker.addStep(global.lossSum(), penalty, global.correct(), global.count());
        }
    }

    @Override
    public long stepsPerEpoch() {
        return run.plan.stepsPerEpoch();
    }

    @Override
    public double learningRate() {
        return run.globalStep.lastLearningRate();
    }

    /**
     * Runs one step's job and leaves the sum of the partitions' gradient sums in the network's
     * grads, added in partition order whatever order the tasks finished in.
     */
    BatchResult gradientSum(int epoch, long stepInEpoch, long step) {
        StepTimings timings = run.timings;
        long t0 = System.nanoTime();
        float[] w = run.net.store().values();
        Broadcast<byte[]> weights = run.sc.broadcast(FloatBytes.encode(w, w.length));
        long t1 = System.nanoTime();
        Tasks.Step task = new Tasks.Step(run.tasks, epoch, stepInEpoch, step);
        run.sc.setJobDescription(String.format(Locale.ROOT, "sparknn train epoch %d/%d step %d/%d", epoch + 1,
                run.epochs(), stepInEpoch + 1, run.plan.stepsPerEpoch()));
        List<StepResult> results;
        try {
            results = run.train.withBlocks(() -> run.train.shards().map(b -> Worker.step(b, task, weights)).collect());
        } finally {
            weights.destroy();
        }
        long t2 = System.nanoTime();
        float[] g = run.net.store().grads();
        run.net.zeroGrads();
        List<BatchResult> parts = new ArrayList<>();
        List<int[]> rows = new ArrayList<>();
        boolean dense = !run.net.sparseInput();
        long slowestLoad = 0;
        long slowestCompute = 0;
        for (StepResult r : results) {
            slowestLoad = Math.max(slowestLoad, r.loadNanos());
            slowestCompute = Math.max(slowestCompute, r.computeNanos());
            parts.add(r.batch());
            if (r.gradientSum() != null) {
                int[] held = GradientBytes.addTo(r.gradientSum(), run.net, g);
                if (held == null) {
                    dense = true;
                } else {
                    rows.add(held);
                }
            }
        }
        BatchResult global = BatchResult.merge(parts);
        lastRows = dense ? null : TouchedRows.union(rows, run.net.inputSize());
        long t3 = System.nanoTime();
        timings.steps++;
        timings.shipNanos += t1 - t0;
        timings.jobNanos += t2 - t1;
        timings.slowestLoadNanos += slowestLoad;
        timings.slowestComputeNanos += slowestCompute;
        timings.aggregateNanos += t3 - t2;
        return global;
    }

    /**
     * The aggregated gradient SUM of one global step (epoch, step in epoch, global step) computed
     * on the shards with the network's current weights, left in the network's grads; for checking
     * against the single-JVM reference.
     */
    static BatchResult stepGradient(Shards train, Network net, TrainConfig config, int epoch, long stepInEpoch, long step) {
        TrainingRun run = new TrainingRun(train, net, config);
        try {
            return new DriverExchange(run).gradientSum(epoch, stepInEpoch, step);
        } finally {
            ShardJobs.release(train, null, run.tasks.runId());
        }
    }
}
