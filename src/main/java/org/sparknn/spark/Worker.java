package org.sparknn.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparknn.data.Dataset;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.BatchStats;
import org.sparknn.nn.BnPopulation;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.optim.Optimizer;
import org.sparknn.train.BatchPlan;
import org.sparknn.train.Batches;
import org.sparknn.train.Evaluation;
import org.sparknn.train.Evaluator;
import org.sparknn.train.GlobalStep;
import org.sparknn.train.TrainConfig;

import java.util.ArrayList;
import java.util.List;

/** The executor side: what a task does with its cached shard. */
final class Worker {
    private Worker() {}

    /** Per-partition state kept across steps (see {@link WorkerCache}). */
    static final class State {
        final Network net;
        final Batches batch;
        final BatchPlan plan;
        private int orderEpoch = Integer.MIN_VALUE;
        private int[] order;
        GlobalStep localStep;
        Batches fullBatch;

        State(Tasks.Run run) {
            this.net = Network.create(ModelSpec.fromJson(run.specJson()), run.seed());
            this.plan = new BatchPlan(run.seed(), run.globalBatch(), run.shardSizes());
            int maxLocal = 0;
            for (int p = 0; p < plan.shards(); p++) {
                maxLocal = Math.max(maxLocal, plan.localBatch(p));
            }
            this.batch = new Batches(maxLocal, net.inputSize(), net.labelWidth());
        }

        int[] order(int epoch, int partition) {
            if (epoch != orderEpoch) {
                order = plan.order(epoch, partition);
                orderEpoch = epoch;
            }
            return order;
        }

        void load(Tasks.ModelPayload model) {
            model.loadInto(net);
        }

        /** The replicated global step of local SGD and all-reduce training, built once per worker. */
        GlobalStep localStep(Tasks.Run run) {
            if (localStep == null) {
                TrainConfig config = new TrainConfig();
                run.settings().forEach(config::set);
                localStep = new GlobalStep(net, config, plan.stepsPerEpoch());
            }
            return localStep;
        }
    }

    private static State state(Tasks.Run run, ShardBlock block, String role) {
        if (block.partition() >= run.shardSizes().length || block.rows() != run.shardSizes()[block.partition()]) {
            throw new IllegalStateException("shard " + block.partition() + " has " + block.rows()
                    + " rows, the run planned for " + java.util.Arrays.toString(run.shardSizes()));
        }
        return WorkerCache.get(run.runId(), role, block.partition(), () -> new State(run));
    }

    static StepResult step(ShardBlock block, Tasks.Step task, Broadcast<byte[]> weights) {
        long t0 = System.nanoTime();
        Tasks.Run run = task.run();
        int p = block.partition();
        TaskContext ctx = TaskContext.get();
        if (ctx != null && p == task.failPartition() && task.step() == task.failStep()
                && (ctx.attemptNumber() == 0 || task.failEveryAttempt())) {
            throw new IllegalStateException("injected failure: partition " + p + ", step " + task.step());
        }
        State st = state(run, block, "train");
        FloatBytes.decode(weights.value(), st.net.store().values());
        long t1 = System.nanoTime();
        int n = st.plan.count(p, task.stepInEpoch());
        if (n == 0) {
            return new StepResult(p, null, 0, 0, 0, null, t1 - t0, 0);
        }
        int[] order = st.order(task.epoch(), p);
        st.batch.gather(block.features(), block.labels(), block.ids(), order, st.plan.from(p, task.stepInEpoch()), n);
        BatchResult r = st.net.gradientSum(st.batch.x, st.batch.labels, n, Pass.train(run.seed(), task.step(), st.batch.ids));
        byte[] grad = FloatBytes.encode(st.net.store().grads(), st.net.store().size());
        long t2 = System.nanoTime();
        return new StepResult(p, grad, r.lossSum(), n, r.correct(), BnStatsWire.of(r.bnStats()), t1 - t0, t2 - t1);
    }

    /** Rows per forward pass of a full-batch evaluation when the network has no BN. */
    static final int FULL_BATCH_CHUNK = 2048;

    /**
     * Loss and gradient sums over every row of the block with the shipped weights, dropout off.
     * With BN the whole block is one batch (BN uses the block's statistics, the same at every
     * evaluation); without BN, chunks of rows, summed in double.
     */
    static StepResult fullBatch(ShardBlock block, Tasks.FullBatch task, Broadcast<byte[]> weights) {
        long t0 = System.nanoTime();
        Tasks.Run run = task.run();
        State st = state(run, block, "full");
        FloatBytes.decode(weights.value(), st.net.store().values());
        long t1 = System.nanoTime();
        int chunk = st.net.batchNormLayers().isEmpty() ? Math.min(FULL_BATCH_CHUNK, block.rows()) : block.rows();
        if (st.fullBatch == null) {
            st.fullBatch = new Batches(chunk, st.net.inputSize(), st.net.labelWidth());
        }
        float[] grads = st.net.store().grads();
        double[] sum = new double[grads.length];
        double lossSum = 0;
        long correct = 0;
        List<BatchStats> bn = List.of();
        for (int from = 0; from < block.rows(); from += chunk) {
            int n = Math.min(chunk, block.rows() - from);
            st.fullBatch.gather(block.features(), block.labels(), block.ids(), null, from, n);
            BatchResult r = st.net.gradientSum(st.fullBatch.x, st.fullBatch.labels, n, Pass.train(run.seed(), 0, st.fullBatch.ids));
            for (int i = 0; i < grads.length; i++) {
                sum[i] += grads[i];
            }
            lossSum += r.lossSum();
            correct += r.correct();
            bn = r.bnStats();
        }
        float[] out = new float[grads.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) sum[i];
        }
        return new StepResult(block.partition(), FloatBytes.encode(out, out.length), lossSum, block.rows(), correct,
                BnStatsWire.of(bn), t1 - t0, System.nanoTime() - t1);
    }

    static Tasks.LocalStepsResult localSteps(ShardBlock block, Tasks.LocalSteps task, Broadcast<Tasks.ModelPayload> model) {
        Tasks.Run run = task.run();
        int p = block.partition();
        State st = state(run, block, "local");
        Tasks.ModelPayload payload = model.value();
        long t0 = System.nanoTime();
        st.load(payload);
        Optimizer optimizer = st.localStep(run).updater().optimizer();
        payload.restoreInto(optimizer);
        double lossSum = 0;
        double penaltySum = 0;
        long count = 0;
        long correct = 0;
        int[] order = st.order(task.epoch(), p);
        for (int k = 0; k < task.steps(); k++) {
            long s = task.firstStepInEpoch() + k;
            int n = st.plan.count(p, s);
            if (n == 0) {
                break;
            }
            st.batch.gather(block.features(), block.labels(), block.ids(), order, st.plan.from(p, s), n);
            BatchResult r = st.net.gradientSum(st.batch.x, st.batch.labels, n,
                    Pass.train(run.seed(), task.step() + k, st.batch.ids));
            double penalty = st.localStep(run).apply(n, r.bnStats());
            lossSum += r.lossSum();
            penaltySum += penalty * n;
            count += n;
            correct += r.correct();
        }
        Tasks.ModelPayload out = Tasks.ModelPayload.of(st.net, optimizer);
        return new Tasks.LocalStepsResult(p, out, lossSum, penaltySum, count, correct, System.nanoTime() - t0);
    }

    /**
     * One epoch of synchronous steps inside a barrier stage. Every step: local gradient sum, an
     * all-gather of the small per-partition figures (count, loss, correct, BN statistics), an
     * all-reduce of the gradient, then the same global step on every task (so all hold the same
     * weights, bit for bit, and the same as the driver-aggregated mode would compute).
     */
    static Tasks.EpochResult allReduceEpoch(ShardBlock block, Tasks.Epoch task, Broadcast<Tasks.ModelPayload> model) {
        Tasks.Run run = task.run();
        int p = block.partition();
        State st = state(run, block, "allreduce");
        Tasks.ModelPayload payload = model.value();
        st.load(payload);
        Optimizer optimizer = st.localStep(run).updater().optimizer();
        payload.restoreInto(optimizer);
        int partitions = st.plan.shards();
        int size = st.net.store().size();
        double lossSum = 0;
        double penaltySum = 0;
        long count = 0;
        long correct = 0;
        long compute = 0;
        long exchange = 0;
        long update = 0;
        int[] order = st.order(task.epoch(), p);
        try (PeerExchange peers = new PeerExchange(org.apache.spark.BarrierTaskContext.get(), task.rendezvous(), p, partitions)) {
            for (long s = 0; s < st.plan.stepsPerEpoch(); s++) {
                long t0 = System.nanoTime();
                int n = st.plan.count(p, s);
                BatchResult r;
                if (n > 0) {
                    st.batch.gather(block.features(), block.labels(), block.ids(), order, st.plan.from(p, s), n);
                    r = st.net.gradientSum(st.batch.x, st.batch.labels, n, Pass.train(run.seed(), task.firstStep() + s, st.batch.ids));
                } else {
                    st.net.store().zeroGrads();
                    r = new BatchResult(0, 0, 0, List.of());
                }
                long t1 = System.nanoTime();
                byte[][] figures = peers.allReduce(st.net.store().grads(), size, StepFigures.encode(r));
                long t2 = System.nanoTime();
                StepFigures global = StepFigures.merge(figures);
                double penalty = st.localStep(run).apply(global.count(), global.bnStats());
                lossSum += global.lossSum();
                penaltySum += penalty * global.count();
                count += global.count();
                correct += global.correct();
                long t3 = System.nanoTime();
                compute += t1 - t0;
                exchange += t2 - t1;
                update += t3 - t2;
            }
        }
        Tasks.ModelPayload out = p == 0 ? Tasks.ModelPayload.of(st.net, optimizer) : null; // all tasks hold the same model
        return new Tasks.EpochResult(p, out, lossSum, penaltySum, count, correct, st.localStep(run).lastLearningRate(),
                compute, exchange, update);
    }

    static Tasks.EvalResult evaluate(ShardBlock block, Tasks.Run run, Broadcast<Tasks.ModelPayload> model) {
        State st = WorkerCache.get(run.runId(), "eval", block.partition(), () -> new State(run));
        st.load(model.value());
        Dataset rows = new Dataset("partition " + block.partition(), block.rows(), block.featureSize(),
                block.features(), block.labels());
        Evaluation e = Evaluator.evaluate(st.net, rows, 512);
        return new Tasks.EvalResult(e.loss() * e.count(), e.correct(), e.count(), e.confusion());
    }

    /** Exact BN estimator over this shard, in local batches of the training share, dropout off. */
    static Tasks.BnPassResult bnPass(ShardBlock block, Tasks.Run run, Broadcast<Tasks.ModelPayload> model) {
        State st = state(run, block, "bn");
        st.load(model.value());
        int p = block.partition();
        BnPopulation.Exact exact = new BnPopulation.Exact(st.net.batchNormLayers());
        int[] order = st.plan.order(-1, p);
        for (long s = 0; s < st.plan.stepsPerEpoch(); s++) {
            int n = st.plan.count(p, s);
            if (n == 0) {
                break;
            }
            st.batch.gather(block.features(), block.labels(), block.ids(), order, st.plan.from(p, s), n);
            st.net.forward(st.batch.x, n, Pass.bnStatistics());
            List<BatchStats> stats = new ArrayList<>();
            st.net.batchNormLayers().forEach(bn -> stats.add(bn.lastStats()));
            exact.add(stats);
        }
        return new Tasks.BnPassResult(exact.sumMeans(), exact.sumUnbiasedVariances(), exact.batches());
    }
}
