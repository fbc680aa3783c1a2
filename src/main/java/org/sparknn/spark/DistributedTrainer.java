package org.sparknn.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparknn.nn.BatchStats;
import org.sparknn.nn.BnPopulation;
import org.sparknn.nn.Network;
import org.sparknn.optim.Optimizer;
import org.sparknn.train.BatchPlan;
import org.sparknn.train.DataChecks;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.EpochTracker;
import org.sparknn.train.Evaluation;
import org.sparknn.train.GlobalStep;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;
import org.sparknn.train.TrainingResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Synchronous data-parallel training on Spark. Each step is one Spark job over the cached
 * shards: the driver broadcasts the weights, every task computes the gradient sum of its share
 * of the global batch (dropout masks keyed by global sample id, BN on its local batch) and
 * returns it with its loss, counts and BN statistics; the driver adds the gradients in
 * partition order, merges the BN statistics exactly, and applies the regularized update once.
 * With syncEvery = K > 1 each job instead runs K local steps per worker and the driver averages
 * parameters, optimizer state and BN statistics (local SGD).
 */
public final class DistributedTrainer {

    /** Run options that are not training settings. */
    public static final class Options {
        int failPartition = -1;
        long failStep = -1;
        boolean failEveryAttempt;
        long logEverySteps = 0;
        long timeFromStep = 0;
        String metricsPath;

        /** Leaves the first n steps (JIT warm-up) out of the step timings. */
        public Options timeFromStep(long n) {
            this.timeFromStep = n;
            return this;
        }

        /** Makes the first attempt of one task fail (to test recovery). */
        public Options injectFailure(int partition, long step) {
            this.failPartition = partition;
            this.failStep = step;
            return this;
        }

        /** Makes every attempt of one task fail, so the job and the run fail (to test resuming). */
        public Options injectFatalFailure(int partition, long step) {
            injectFailure(partition, step);
            this.failEveryAttempt = true;
            return this;
        }

        /** Also prints a progress line every N steps (0 = once per epoch only). */
        public Options logEverySteps(long n) {
            this.logEverySteps = n;
            return this;
        }

        /** Writes the per-epoch metrics as JSON lines to this Hadoop path. */
        public Options metricsPath(String path) {
            this.metricsPath = path;
            return this;
        }
    }

    public record Result(TrainingResult training, StepTimings timings) {
    }

    private final JavaSparkContext sc;
    private final Shards train;
    private final Shards validation;
    private final Network net;
    private final TrainConfig config;
    private final Options options;
    private final BatchPlan plan;
    private final Tasks.Run run;
    private final StepTimings timings = new StepTimings();
    private float[] scratch;

    private DistributedTrainer(Shards train, Shards validation, Network net, TrainConfig config, Options options) {
        this.sc = JavaSparkContext.fromSparkContext(train.blocks().context());
        this.train = train;
        this.validation = validation;
        this.net = net;
        this.config = config;
        this.options = options;
        for (Shards s : new Shards[] {train, validation}) {
            if (s != null && s.featureSize() != net.inputSize()) {
                throw new IllegalArgumentException((s == train ? "training" : "validation") + " data has " + s.featureSize()
                        + " features per sample, the model expects " + net.inputSize());
            }
        }
        int batch = (int) Math.min(config.batchSize(), train.totalRows());
        this.plan = new BatchPlan(config.seed(), batch, train.sizes());
        DataChecks.requireBatchNormBatches(net, plan);
        if (config.exchange().equals("allreduce") && config.syncEvery() > 1) {
            throw new IllegalArgumentException("exchange=allreduce runs synchronous steps; it cannot be combined with syncEvery="
                    + config.syncEvery());
        }
        Map<String, String> settings = new HashMap<>();
        config.toMap().forEach((k, v) -> settings.put(k, String.valueOf(v)));
        this.run = new Tasks.Run("sparknn-" + UUID.randomUUID(), net.spec().toJson(), config.seed(), train.sizes(),
                batch, settings);
    }

    public static Result fit(Shards train, Shards validation, Network net, TrainConfig config,
                             TrainingListener listener, Options options) {
        if (!config.solver().equals("minibatch")) {
            return new Result(FullBatchTrainer.fit(train, validation, net, config, listener), new StepTimings());
        }
        return new DistributedTrainer(train, validation, net, config, options).fit(listener);
    }

    private Result fit(TrainingListener listener) {
        if (config.syncEvery() > 1) {
            System.out.println("sparknn: local SGD on: each worker takes " + config.syncEvery()
                    + " local steps, then parameters, optimizer state and BN statistics are averaged");
        }
        GlobalStep globalStep = new GlobalStep(net, config, plan.stepsPerEpoch());
        MetricsFile metrics = options.metricsPath == null ? null : new MetricsFile(options.metricsPath, sc.hadoopConfiguration());
        List<EpochMetrics> history = new ArrayList<>();
        long step = 0;
        int firstEpoch = 0;
        Checkpoints.State resumed = latestCheckpoint();
        if (resumed != null) {
            net.store().setValues(resumed.values());
            net.store().setState(resumed.bnState());
            globalStep.updater().optimizer().restore(resumed.optimizerSteps(), resumed.optimizerState());
            history.addAll(resumed.history());
            step = resumed.step();
            firstEpoch = Math.min(resumed.epochsDone(), config.epochs());
            System.out.println("sparknn: resuming from the checkpoint in " + config.checkpointDir() + " after epoch " + firstEpoch);
            if (metrics != null) {
                history.forEach(m -> metrics.append(m.toJson()));
            }
        }
        EpochTracker tracker = new EpochTracker(config.epochs(), firstEpoch);
        try {
            for (int epoch = firstEpoch; epoch < config.epochs(); epoch++) {
                long s = 0;
                if (config.exchange().equals("allreduce")) {
                    allReduceEpoch(globalStep, tracker, epoch, step);
                    s = plan.stepsPerEpoch();
                    step += plan.stepsPerEpoch();
                }
                while (s < plan.stepsPerEpoch()) {
                    int k = (int) Math.min(config.syncEvery(), plan.stepsPerEpoch() - s);
                    if (config.syncEvery() == 1) {
                        synchronousStep(globalStep, tracker, epoch, s, step);
                    } else {
                        localSteps(globalStep, tracker, epoch, s, k, step);
                    }
                    s += k;
                    step += k;
                    if (options.logEverySteps > 0 && step % options.logEverySteps == 0) {
                        System.out.printf(Locale.ROOT, "  epoch %d step %d/%d (global %d)  %.1fs elapsed%n",
                                epoch + 1, s, plan.stepsPerEpoch(), step, tracker.elapsedSeconds());
                    }
                }
                Evaluation val = validation == null ? null : evaluate(validation, "validation after epoch " + (epoch + 1));
                double lr = config.exchange().equals("allreduce") ? allReduceLearningRate
                        : config.syncEvery() == 1 ? globalStep.lastLearningRate()
                        : globalStep.updater().nextLearningRate(); // local SGD: the rate the next period starts with
                EpochMetrics m = tracker.finish(epoch + 1, step, val, lr, net);
                history.add(m);
                listener.onEpoch(m);
                if (metrics != null) {
                    metrics.append(m.toJson());
                }
                saveCheckpoint(epoch + 1, step, globalStep, history);
            }
            if (config.bnPopulation().equals("exact") && !net.batchNormLayers().isEmpty()) {
                estimateBatchNormPopulation();
            }
            double seconds = tracker.elapsedSeconds();
            Evaluation finalValidation = validation == null ? null : evaluate(validation, "final validation");
            return new Result(new TrainingResult(history, finalValidation, step, seconds, tracker.samplesSeen() / seconds),
                    timings);
        } finally {
            if (rendezvous != null) {
                rendezvous.close();
            }
            releaseWorkers(train, validation, run.runId());
        }
    }

    /** Best effort: drops the executors' cached networks of this run (never masks a training error). */
    static void releaseWorkers(Shards train, Shards validation, String runId) {
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(train.blocks().context());
            if (sc.sc().isStopped()) {
                return;
            }
            sc.setJobDescription("sparknn: release worker state");
            train.blocks().foreachPartition(it -> WorkerCache.removeRun(runId));
            if (validation != null) {
                validation.blocks().foreachPartition(it -> WorkerCache.removeRun(runId));
            }
            sc.setJobDescription(null);
        } catch (RuntimeException e) {
            System.err.println("sparknn: could not release worker state of " + runId + ": " + e.getMessage());
        }
    }

    private Checkpoints.State latestCheckpoint() {
        if (config.checkpointDir().isEmpty()) {
            return null;
        }
        try {
            return Checkpoints.latest(config.checkpointDir(), sc.hadoopConfiguration(), net.spec().toJson(), config, dataFingerprint());
        } catch (IOException e) {
            throw new UncheckedIOException("reading the checkpoint in " + config.checkpointDir() + ": " + e.getMessage(), e);
        }
    }

    private String fingerprint;
    private double allReduceLearningRate;
    private Rendezvous rendezvous;

    /**
     * One epoch in one barrier stage: the tasks exchange gradients directly (see
     * {@link Worker#allReduceEpoch}); the driver ships the model at the start and takes it back
     * from partition 0 at the end.
     */
    private void allReduceEpoch(GlobalStep globalStep, EpochTracker tracker, int epoch, long step) {
        if (step == options.timeFromStep && step > 0) {
            timings.reset();
        }
        Optimizer optimizer = globalStep.updater().optimizer();
        long t0 = System.nanoTime();
        Broadcast<Tasks.ModelPayload> model = sc.broadcast(payload(optimizer));
        long t1 = System.nanoTime();
        if (rendezvous == null) {
            rendezvous = new Rendezvous(sc.getConf().get("spark.driver.host", "127.0.0.1"), plan.shards());
        }
        Tasks.Epoch task = new Tasks.Epoch(run, epoch, step, rendezvous.address());
        sc.setJobDescription(String.format(Locale.ROOT, "sparknn train epoch %d/%d (%d steps, all-reduce)", epoch + 1,
                config.epochs(), plan.stepsPerEpoch()));
        scala.reflect.ClassTag<Tasks.EpochResult> tag = scala.reflect.ClassTag$.MODULE$.apply(Tasks.EpochResult.class);
        @SuppressWarnings("unchecked")
        scala.Function1<scala.collection.Iterator<ShardBlock>, scala.collection.Iterator<Tasks.EpochResult>> f =
                (scala.Function1<scala.collection.Iterator<ShardBlock>, scala.collection.Iterator<Tasks.EpochResult>>
                        & java.io.Serializable) it -> scala.jdk.javaapi.CollectionConverters.asScala(
                        List.of(Worker.allReduceEpoch(it.next(), task, model)).iterator());
        List<Tasks.EpochResult> results;
        try {
            results = JavaRDD.fromRDD(train.blocks().rdd().barrier().mapPartitions(f, false, tag), tag).collect();
        } finally {
            model.destroy();
        }
        long t2 = System.nanoTime();
        Tasks.EpochResult first = results.get(0);
        first.model().loadInto(net);
        first.model().restoreInto(optimizer);
        allReduceLearningRate = first.learningRate();
        tracker.addStep(first.lossSum(), first.count() == 0 ? 0 : first.penaltySum() / first.count(), first.correct(), first.count());
        long slowestCompute = 0;
        long slowestExchange = 0;
        for (Tasks.EpochResult r : results) {
            slowestCompute = Math.max(slowestCompute, r.computeNanos());
            slowestExchange = Math.max(slowestExchange, r.exchangeNanos());
        }
        timings.steps += plan.stepsPerEpoch();
        timings.shipNanos += t1 - t0;
        timings.jobNanos += t2 - t1;
        timings.slowestComputeNanos += slowestCompute;
        timings.exchangeNanos += slowestExchange;
    }

    /**
     * What identifies the training data for a checkpoint: shard sizes and, per shard, sums of the
     * sample ids, labels and features (one pass, computed once per run).
     */
    private String dataFingerprint() {
        if (fingerprint == null) {
            sc.setJobDescription("sparknn: training data fingerprint for checkpoints");
            List<double[]> sums = train.blocks().map(b -> {
                double ids = 0;
                double labels = 0;
                double features = 0;
                for (int i = 0; i < b.rows(); i++) {
                    ids += b.ids()[i];
                    labels += b.labels()[i];
                }
                for (float v : b.features()) {
                    features += v;
                }
                return new double[] {b.rows(), ids, labels, features};
            }).collect();
            StringBuilder sb = new StringBuilder();
            for (double[] p : sums) {
                sb.append(String.format(java.util.Locale.ROOT, "[%d rows, ids %.0f, labels %.6g, features %.9g]", (long) p[0], p[1], p[2], p[3]));
            }
            fingerprint = sb.toString();
        }
        return fingerprint;
    }

    private void saveCheckpoint(int epochsDone, long step, GlobalStep globalStep, List<EpochMetrics> history) {
        if (config.checkpointDir().isEmpty()) {
            return;
        }
        Optimizer optimizer = globalStep.updater().optimizer();
        try {
            Checkpoints.save(config.checkpointDir(), sc.hadoopConfiguration(), net.spec().toJson(), config, dataFingerprint(),
                    new Checkpoints.State(epochsDone, step, net.store().values(), net.store().state(), optimizer.steps(),
                            optimizer.state(), history));
        } catch (IOException e) {
            throw new UncheckedIOException("writing a checkpoint to " + config.checkpointDir() + ": " + e.getMessage(), e);
        }
    }

    /** Aggregated outcome of one synchronous step's job: the gradient sum is left in the network's grads. */
    public record Aggregate(double lossSum, long count, long correct, List<BatchStats> bnStats) {
    }

    private void synchronousStep(GlobalStep globalStep, EpochTracker tracker, int epoch, long stepInEpoch, long step) {
        if (step == options.timeFromStep && step > 0) {
            timings.reset();
        }
        Aggregate a = gradientSum(epoch, stepInEpoch, step);
        long t3 = System.nanoTime();
        double penalty = globalStep.apply(a.count(), a.bnStats());
        timings.updateNanos += System.nanoTime() - t3;
        tracker.addStep(a.lossSum(), penalty, a.correct(), a.count());
    }

    /**
     * Runs one step's job and leaves the sum of the partitions' gradient sums in the network's
     * grads, added in partition order whatever order the tasks finished in.
     */
    Aggregate gradientSum(int epoch, long stepInEpoch, long step) {
        long t0 = System.nanoTime();
        float[] w = net.store().values();
        Broadcast<byte[]> weights = sc.broadcast(FloatBytes.encode(w, w.length));
        long t1 = System.nanoTime();
        Tasks.Step task = new Tasks.Step(run, epoch, stepInEpoch, step, options.failPartition, options.failStep,
                options.failEveryAttempt);
        sc.setJobDescription(String.format(Locale.ROOT, "sparknn train epoch %d/%d step %d/%d", epoch + 1,
                config.epochs(), stepInEpoch + 1, plan.stepsPerEpoch()));
        List<StepResult> results;
        try {
            results = stepJob(train.blocks(), task, weights);
        } finally {
            weights.destroy();
        }
        long t2 = System.nanoTime();

        float[] g = net.store().grads();
        java.util.Arrays.fill(g, 0f);
        if (scratch == null) {
            scratch = new float[g.length];
        }
        double lossSum = 0;
        long count = 0;
        long correct = 0;
        List<List<BatchStats>> bnParts = new ArrayList<>();
        long slowestLoad = 0;
        long slowestCompute = 0;
        for (StepResult r : results) {
            slowestLoad = Math.max(slowestLoad, r.loadNanos());
            slowestCompute = Math.max(slowestCompute, r.computeNanos());
            if (r.count() == 0) {
                continue;
            }
            FloatBytes.decode(r.gradientSum(), scratch);
            for (int i = 0; i < g.length; i++) {
                g[i] += scratch[i];
            }
            lossSum += r.lossSum();
            count += r.count();
            correct += r.correct();
            bnParts.add(r.bnStats().toList());
        }
        List<BatchStats> merged = mergeBn(bnParts);
        long t3 = System.nanoTime();
        timings.steps++;
        timings.shipNanos += t1 - t0;
        timings.jobNanos += t2 - t1;
        timings.slowestLoadNanos += slowestLoad;
        timings.slowestComputeNanos += slowestCompute;
        timings.aggregateNanos += t3 - t2;
        return new Aggregate(lossSum, count, correct, merged);
    }

    /**
     * The aggregated gradient SUM of one global step (epoch, step in epoch, global step) computed
     * on the shards with the network's current weights; for checking against the single-JVM
     * reference. Leaves the sum in the network's grads.
     */
    public static Aggregate stepGradient(Shards train, Network net, TrainConfig config, int epoch, long stepInEpoch, long step) {
        DistributedTrainer t = new DistributedTrainer(train, null, net, config, new Options());
        try {
            return t.gradientSum(epoch, stepInEpoch, step);
        } finally {
            releaseWorkers(train, null, t.run.runId());
        }
    }

    private static List<StepResult> stepJob(JavaRDD<ShardBlock> blocks, Tasks.Step task, Broadcast<byte[]> weights) {
        return blocks.map(b -> Worker.step(b, task, weights)).collect();
    }

    /** Per BN layer, the pooled statistics of the union of the local batches. */
    private static List<BatchStats> mergeBn(List<List<BatchStats>> parts) {
        List<BatchStats> merged = new ArrayList<>();
        if (parts.isEmpty() || parts.get(0).isEmpty()) {
            return merged;
        }
        for (int l = 0; l < parts.get(0).size(); l++) {
            List<BatchStats> layer = new ArrayList<>();
            for (List<BatchStats> p : parts) {
                layer.add(p.get(l));
            }
            merged.add(BatchStats.mergeAll(layer));
        }
        return merged;
    }

    private void localSteps(GlobalStep globalStep, EpochTracker tracker, int epoch, long first, int k, long step) {
        Optimizer optimizer = globalStep.updater().optimizer();
        Broadcast<Tasks.ModelPayload> model = sc.broadcast(payload(optimizer));
        Tasks.LocalSteps task = new Tasks.LocalSteps(run, epoch, first, k, step);
        sc.setJobDescription(String.format(Locale.ROOT, "sparknn train (local SGD) epoch %d/%d steps %d-%d/%d",
                epoch + 1, config.epochs(), first + 1, first + k, plan.stepsPerEpoch()));
        List<Tasks.LocalStepsResult> results;
        try {
            results = localJob(train.blocks(), task, model);
        } finally {
            model.destroy();
        }

        // Average weighted by the samples each worker trained on, in partition order.
        float[] w = net.store().values();
        float[] state = net.store().state();
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

    private static List<Tasks.LocalStepsResult> localJob(JavaRDD<ShardBlock> blocks, Tasks.LocalSteps task,
                                                         Broadcast<Tasks.ModelPayload> model) {
        return blocks.map(b -> Worker.localSteps(b, task, model)).collect();
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

    /** Weights and BN state, plus the optimizer's state when one is given (local SGD, all-reduce). */
    private Tasks.ModelPayload payload(Optimizer optimizer) {
        return Tasks.ModelPayload.of(net, optimizer);
    }

    /** Distributed inference over shards with the current weights and population statistics. */
    public Evaluation evaluate(Shards data, String description) {
        return evaluate(sc, run, payload(null), data, description);
    }

    /** Distributed inference of the model in {@code payload} over shards, merged in partition order. */
    static Evaluation evaluate(JavaSparkContext sc, Tasks.Run run, Tasks.ModelPayload payload, Shards data, String description) {
        Broadcast<Tasks.ModelPayload> model = sc.broadcast(payload);
        sc.setJobDescription("sparknn " + description);
        List<Tasks.EvalResult> parts;
        try {
            parts = data.blocks().map(b -> Worker.evaluate(b, run, model)).collect();
        } finally {
            model.destroy();
        }
        List<Evaluation> evaluations = new ArrayList<>();
        for (Tasks.EvalResult e : parts) {
            evaluations.add(new Evaluation(e.count(), e.count() == 0 ? 0 : e.lossSum() / e.count(),
                    e.count() == 0 ? 0 : (double) e.correct() / e.count(), e.confusion()));
        }
        return Evaluation.merge(evaluations);
    }

    /** The exact BN estimator over the training shards with the final weights, merged in partition order. */
    private void estimateBatchNormPopulation() {
        Broadcast<Tasks.ModelPayload> model = sc.broadcast(payload(null));
        sc.setJobDescription("sparknn BN population statistics (exact estimator)");
        Tasks.Run r = run;
        List<Tasks.BnPassResult> parts;
        try {
            parts = train.blocks().map(b -> Worker.bnPass(b, r, model)).collect();
        } finally {
            model.destroy();
        }
        BnPopulation.Exact total = null;
        for (Tasks.BnPassResult p : parts) {
            BnPopulation.Exact e = new BnPopulation.Exact(p.sumMeans(), p.sumUnbiasedVars(), p.batches());
            if (total == null) {
                total = e;
            } else {
                total.merge(e);
            }
        }
        total.writeTo(net.batchNormLayers(), net.store().state());
    }
}
