package org.sparknn.spark;

import org.apache.spark.broadcast.Broadcast;
import org.sparknn.optim.Optimizer;
import org.sparknn.train.EpochTracker;
import org.sparknn.train.TrainConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Local SGD (syncEvery = K > 1): each job runs K local steps on every worker from the driver's
 * model, then the driver averages parameters, optimizer state and BN statistics, weighted by the
 * samples each worker trained on, in partition order. Fewer Spark jobs; a different algorithm
 * from synchronous training.
 */
final class LocalSgdExchange implements Exchange {
    private final TrainingRun run;
    private final int syncEvery;

    LocalSgdExchange(TrainingRun run) {
        this.run = run;
        this.syncEvery = run.config.get(TrainConfig.SYNC_EVERY);
        System.out.println("sparknn: local SGD on: each worker takes " + syncEvery
                + " local steps, then parameters, optimizer state and BN statistics are averaged");
    }

    @Override
    public void trainEpoch(int epoch, long firstStep, EpochTracker tracker) {
        long steps = run.plan.stepsPerEpoch();
        for (long s = 0; s < steps; s += syncEvery) {
            int k = (int) Math.min(syncEvery, steps - s);
            localSteps(epoch, s, k, firstStep + s, tracker);
        }
    }

    /** The rate the next period starts with (every worker used the schedule from the same step count). */
    @Override
    public long stepsPerEpoch() {
        return run.plan.stepsPerEpoch();
    }

    @Override
    public double learningRate() {
        return run.globalStep.updater().nextLearningRate();
    }

    private void localSteps(int epoch, long first, int k, long step, EpochTracker tracker) {
        Optimizer optimizer = run.globalStep.updater().optimizer();
        Broadcast<Tasks.ModelPayload> model = run.sc.broadcast(run.payload(true));
        Tasks.LocalSteps task = new Tasks.LocalSteps(run.tasks, epoch, first, k, step);
        run.sc.setJobDescription(String.format(Locale.ROOT, "sparknn train (local SGD) epoch %d/%d steps %d-%d/%d",
                epoch + 1, run.epochs(), first + 1, first + k, run.plan.stepsPerEpoch()));
        List<Tasks.LocalStepsResult> results;
        try {
            results = run.train.withBlocks(() -> run.train.shards().map(b -> Worker.localSteps(b, task, model)).collect());
        } finally {
            model.destroy();
        }
        float[] w = run.net.store().values();
        float[] state = run.net.store().state();
        List<float[]> opt = optimizer.state();
        double[] wSum = new double[w.length];
        double[] sSum = new double[state.length];
        List<double[]> oSum = new ArrayList<>();
        opt.forEach(a -> oSum.add(new double[a.length]));
        long count = 0;
        long correct = 0;
        double lossSum = 0;
        double penaltySum = 0;
        long steps = 0;
        for (Tasks.LocalStepsResult r : results) {
            if (r.count() == 0) {
                continue;
            }
            addScaled(wSum, r.model().values(), r.count());
            addScaled(sSum, r.model().state(), r.count());
            for (int i = 0; i < opt.size(); i++) {
                addScaled(oSum.get(i), r.model().optimizerState().get(i), r.count());
            }
            count += r.count();
            correct += r.correct();
            lossSum += r.lossSum();
            penaltySum += r.penaltySum();
            steps = Math.max(steps, r.model().optimizerSteps());
        }
        copyMean(wSum, count, w);
        copyMean(sSum, count, state);
        for (int i = 0; i < opt.size(); i++) {
            copyMean(oSum.get(i), count, opt.get(i));
        }
        optimizer.setSteps(steps);
        tracker.addStep(lossSum, count == 0 ? 0 : penaltySum / count, correct, count);
    }

    private static void addScaled(double[] sum, byte[] bytes, long weight) {
        float[] a = new float[sum.length];
        FloatBytes.decode(bytes, a);
        for (int i = 0; i < a.length; i++) {
            sum[i] += (double) a[i] * weight;
        }
    }

    private static void copyMean(double[] sum, long count, float[] into) {
        if (count == 0) {
            return;
        }
        for (int i = 0; i < into.length; i++) {
            into[i] = (float) (sum[i] / count);
        }
    }
}
