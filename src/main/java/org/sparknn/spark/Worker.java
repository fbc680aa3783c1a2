package org.sparknn.spark;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.broadcast.Broadcast;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.BnPopulation;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.optim.Optimizer;
import org.sparknn.train.Augmentation;
import org.sparknn.train.BatchPlan;
import org.sparknn.train.Batches;
import org.sparknn.train.Evaluation;
import org.sparknn.train.Evaluator;
import org.sparknn.train.GlobalStep;
import org.sparknn.train.LocalStepper;
import org.sparknn.train.TrainConfig;

import java.util.ArrayList;
import java.util.List;

/** The executor side: what a task does with its shard (whose blocks it reads on demand). */
final class Worker {
    private Worker() {}

    /** Per-partition state kept across the tasks of a run (see {@link WorkerCache}). */
    static final class State {
        final Network net;
        final LocalStepper stepper;
        private final Tasks.Run run;
        private GlobalStep replicatedStep;
        /** All-reduce: the global step whose model this task holds after a completed epoch (-1: none). */
        long modelAtStep = -1;
        /** On sparse input: the buffer of the compact gradient the all-reduce sums (grows as needed). */
        float[] compact = new float[0];

        State(Tasks.Run run, int partition) {
            this.run = run;
            this.net = Network.forWeights(ModelSpec.fromJson(run.specJson())); // every task loads the weights
            BatchPlan plan = new BatchPlan(run.seed(), run.globalBatch(), run.layout());
            this.stepper = new LocalStepper(net, plan, partition, run.seed(),
                    Augmentation.of(run.config(), net.spec(), net.spec().sparseInput()));
        }

        /** The global step that local SGD and all-reduce tasks apply themselves, built once per worker. */
        GlobalStep replicatedStep() {
            if (replicatedStep == null) {
                replicatedStep = new GlobalStep(net, run.config(), stepper.plan().stepsPerEpoch());
            }
            return replicatedStep;
        }
    }

    private static State state(Tasks.Run run, CachedShard shard, String role) {
        if (shard.shard() >= run.layout().partitions() || shard.rows() != run.layout().size(shard.shard())) {
            throw new IllegalStateException("shard " + shard.shard() + " has " + shard.rows()
                    + " rows, the run planned for " + java.util.Arrays.toString(run.layout().sizes()));
        }
        return WorkerCache.get(run.runId(), role, shard.shard(), () -> new State(run, shard.shard()));
    }

    /**
     * How all-reduce tasks of one JVM exchange a gradient of this many floats: {@link
     * PeerExchange.InJvm#forGradient}, unless a benchmark names another to compare them in one
     * run (system property sparknn.inJvmExchange).
     */
    static PeerExchange.InJvm inJvmExchange(int floats, boolean updateSliced) {
        String forced = System.getProperty("sparknn.inJvmExchange");
        if (forced == null) {
            return PeerExchange.InJvm.forGradient(floats, updateSliced);
        }
        try {
            return PeerExchange.InJvm.valueOf(forced);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("system property sparknn.inJvmExchange=" + forced + " is not one of "
                    + java.util.Arrays.toString(PeerExchange.InJvm.values()));
        }
    }

    static StepResult step(CachedShard block, Tasks.Step task, Broadcast<byte[]> weights) {
        long t0 = System.nanoTime();
        int p = block.shard();
        TaskHooks.beforeStep(p, task.step());
        State st = state(task.run(), block, "train");
        FloatBytes.decode(weights.value(), st.net.store().values());
        long t1 = System.nanoTime();
        BatchResult r = st.stepper.gradientSum(block, task.epoch(), task.stepInEpoch(), task.step());
        byte[] grad = r.count() == 0 ? null : GradientBytes.encode(st.net);
        return new StepResult(p, grad, r, t1 - t0, System.nanoTime() - t1);
    }

    /** Rows per forward pass of a full-batch evaluation when the network has no BN. */
    static final int FULL_BATCH_CHUNK = 2048;

    /**
     * Loss and gradient sums over every row of the block with the shipped weights. Dropout is
     * refused by the full-batch solvers, so the pass is deterministic. With BN the whole block is
     * one batch (BN uses the block's statistics, the same at every evaluation); without BN,
     * chunks of rows, summed in double.
     */
    static StepResult fullBatch(CachedShard block, Tasks.Run run, Broadcast<byte[]> weights) {
        long t0 = System.nanoTime();
        FullBatchState st = WorkerCache.get(run.runId(), "full", block.shard(), () -> new FullBatchState(run, block));
        Network net = st.net();
        Batches batch = st.batch();
        int chunk = st.chunk();
        FloatBytes.decode(weights.value(), net.store().values());
        long t1 = System.nanoTime();
        float[] grads = net.store().grads();
        double[] sum = new double[grads.length];
        List<BatchResult> parts = new ArrayList<>();
        if (chunk >= block.rows()) {
            gatherAll(block, batch);
            parts.add(batch.gradientSum(net, (int) block.rows(), Pass.train(run.seed(), 0, batch.ids), null));
            addTo(sum, grads);
        } else {
            for (int b = 0; b < block.blockCount(); b++) {
                org.sparknn.data.RowSource rows = block.block(b);
                for (int from = 0; from < rows.rows(); from += chunk) {
                    int n = Math.min(chunk, rows.rows() - from);
                    batch.gather(rows, from, n);
                    parts.add(batch.gradientSum(net, n, Pass.train(run.seed(), 0, batch.ids), null));
                    addTo(sum, grads);
                }
            }
        }
        float[] out = new float[grads.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) sum[i];
        }
        BatchResult total = parts.size() == 1 ? parts.get(0) : chunksWithoutBn(parts);
        return new StepResult(block.shard(), FloatBytes.encode(out, out.length), total, t1 - t0, System.nanoTime() - t1);
    }

    private static void addTo(double[] sum, float[] grads) {
        for (int i = 0; i < sum.length; i++) {
            sum[i] += grads[i];
        }
    }

    /** Every row of the shard, blocks in order, as one batch. */
    private static void gatherAll(CachedShard shard, Batches batch) {
        int at = 0;
        for (int b = 0; b < shard.blockCount(); b++) {
            org.sparknn.data.RowSource rows = shard.block(b);
            batch.gatherAt(at, rows, 0, rows.rows());
            at += rows.rows();
        }
    }

    private record FullBatchState(Network net, int chunk, Batches batch) {
        FullBatchState(Tasks.Run run, CachedShard block) {
            this(Network.forWeights(ModelSpec.fromJson(run.specJson())), block);
        }

        private FullBatchState(Network net, CachedShard block) {
            this(net, chunkSize(net, block), new Batches(chunkSize(net, block), net.inputSize(), net.labelWidth()));
        }

        private static int chunkSize(Network net, CachedShard block) {
            int rows = Math.toIntExact(block.rows());
            return net.batchNormLayers().isEmpty() ? Math.min(FULL_BATCH_CHUNK, rows) : rows;
        }
    }

    /** Sums of chunks (only without BN: with BN a block is one chunk, whose statistics are the block's). */
    private static BatchResult chunksWithoutBn(List<BatchResult> parts) {
        double loss = 0;
        long count = 0;
        long correct = 0;
        for (BatchResult r : parts) {
            loss += r.lossSum();
            count += r.count();
            correct += r.correct();
        }
        return new BatchResult(loss, count, correct, List.of());
    }

    static Tasks.LocalStepsResult localSteps(CachedShard block, Tasks.LocalSteps task, Broadcast<Tasks.ModelPayload> model) {
        State st = state(task.run(), block, "local");
        Tasks.ModelPayload payload = model.value();
        payload.loadInto(st.net);
        GlobalStep update = st.replicatedStep();
        payload.restoreInto(update.updater().optimizer());
        double lossSum = 0;
        double penaltySum = 0;
        long count = 0;
        long correct = 0;
        for (int k = 0; k < task.steps(); k++) {
            BatchResult r = st.stepper.gradientSum(block, task.epoch(), task.firstStepInEpoch() + k, task.step() + k);
            if (r.count() == 0) {
                break;
            }
            double penalty = update.apply(r.count(), r.bnStats(), st.net.sparseStepRows());
            lossSum += r.lossSum();
            penaltySum += penalty * r.count();
            count += r.count();
            correct += r.correct();
        }
        Tasks.ModelPayload out = Tasks.ModelPayload.of(st.net, update.updater().optimizer());
        return new Tasks.LocalStepsResult(block.shard(), out, lossSum, penaltySum, count, correct);
    }

    /**
     * Epochs of synchronous steps inside one barrier stage. Every step: local gradient sum, an
     * all-reduce of the gradient together with every partition's figures and BN statistics, then
     * the same global step on every task (so all hold the same weights, bit for bit, and the same
     * as the driver exchange would compute). After each epoch the task evaluates validation shards
     * p, p + P, ... (when the job validates; their blocks are read wherever they are) and hands
     * its {@link EpochReport} (partition 0's with a copy of the state after the epoch) to its
     * {@link ReportSender}, which sends it to the driver while the task goes on with the next
     * epoch; the task returns, with the partition, once the driver has kept every report.
     */
    static int allReduceEpochs(CachedShard block, Tasks.Epoch task, Broadcast<Tasks.ModelPayload> model) {
        int p = block.shard();
        State st = state(task.run(), block, "allreduce");
        GlobalStep update = st.replicatedStep();
        Optimizer optimizer = update.updater().optimizer();
        // After a completed job this task's model is the driver's (partition 0 sent it), so the
        // run's next job starts from it without reading the broadcast.
        if (task.stepsDone() != 0 || st.modelAtStep != task.firstStep()) {
            Tasks.ModelPayload payload = model.value();
            payload.loadInto(st.net);
            payload.restoreInto(optimizer);
        }
        st.modelAtStep = -1; // a job that stops part way leaves no model to start from
        int partitions = st.stepper.plan().shards();
        long steps = st.stepper.plan().stepsPerEpoch();
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, 1000L * task.run().config().get(TrainConfig.EXCHANGE_TIMEOUT_SECONDS));
        String host = SparkEnv.get().blockManager().blockManagerId().host();
        try (PeerExchange peers = new PeerExchange(host, task.rendezvous(), task.secret(), p, partitions,
                task.generation() << 6 | Math.min(63, BarrierTaskContext.get().stageAttemptNumber()), timeoutMillis,
                maxFiguresBytes(st.net), task.encrypt(), inJvmExchange(st.net.store().size(),
                        updateSliceable(st.replicatedStep(), task.run().config())));
             ReportSender reports = new ReportSender(task.rendezvous(), task.secret(), task.encrypt(), task.generation(), p,
                     BarrierTaskContext.get()::killTaskIfInterrupted)) {
            org.apache.spark.TaskContext context = BarrierTaskContext.get();
            peers.stopWhen(context::isInterrupted);
            boolean bnSync = task.run().config().get(TrainConfig.BATCH_NORM_SYNC);
            st.net.synchronizeBatchNorm(bnSync ? new PeerBnSync(peers) : null);
            long firstStep = task.firstStep();
            long stepsDone = task.stepsDone();
            Tasks.EpochSums sums = task.sums();
            long epochStart = System.nanoTime();
            for (int epoch = task.epoch(); epoch < task.toEpoch(); epoch++) {
                EpochSteps done = epochSteps(block, task, st, peers, reports, context, epoch, firstStep, stepsDone, sums);
                long v0 = System.nanoTime();
                List<Evaluation> figures = task.validation() == null ? null : new ArrayList<>();
                for (int q = p; figures != null && q < task.validation().size(); q += partitions) {
                    figures.add(evaluate(task.validation().get(q), task.run(), st.net));
                }
                long validationNanos = System.nanoTime() - v0;
                // the state is copied here and encoded in the sender's thread, while the next epoch runs
                List<float[]> snapshot = p == 0 ? StateCopy.snapshot(st.net, optimizer) : null;
                long optimizerSteps = optimizer.steps();
                long now = System.nanoTime();
                EpochReport report = new EpochReport(task.generation(), p, epoch, done.sums, update.lastLearningRate(),
                        done.computeNanos, done.computeSpreadMicros, done.exchangeNanos, peers.busyNanos() - done.busyBefore,
                        peers.overlappedNanos() - done.overlappedBefore, validationNanos, now - epochStart, figures, new byte[0]);
                epochStart = now;
                reports.send(epoch, () -> snapshot == null ? report.encode() : report.encodeWithState(optimizerSteps, snapshot));
                firstStep += steps;
                stepsDone = 0;
                sums = Tasks.EpochSums.NONE;
            }
            reports.finish(); // the driver has every report before the job ends
            st.modelAtStep = firstStep;
        } finally {
            st.net.synchronizeBatchNorm(null); // the cached network outlives these peers
        }
        return p;
    }

    /** One epoch's global sums and this task's timings; the exchange's busy and overlapped time before it started. */
    private record EpochSteps(Tasks.EpochSums sums, long computeNanos, long computeSpreadMicros, long exchangeNanos, long busyBefore,
                              long overlappedBefore) {
    }

    /** The steps of one epoch from {@code stepsDone} on, starting from the sums of the steps before. */
    private static EpochSteps epochSteps(CachedShard block, Tasks.Epoch task, State st, PeerExchange peers,
                                         ReportSender reports, org.apache.spark.TaskContext context, int epoch,
                                         long firstStep, long stepsDone, Tasks.EpochSums before) {
        int p = block.shard();
        GlobalStep update = st.replicatedStep();
        int size = st.net.store().size();
        boolean bnSync = task.run().config().get(TrainConfig.BATCH_NORM_SYNC);
        long busyBefore = peers.busyNanos();
        long overlappedBefore = peers.overlappedNanos();
        double lossSum = before.lossSum();
        double penaltySum = before.penaltySum();
        long count = before.count();
        long correct = before.correct();
        long compute = 0;
        // every sampleEvery-th step's compute, for its spread (at most 4096 kept)
        long sampleEvery = Math.max(1, (st.stepper.plan().stepsPerEpoch() - stepsDone + 4095) / 4096);
        long[] stepCompute = new long[(int) Math.min(4096, st.stepper.plan().stepsPerEpoch() - stepsDone)];
        int sampled = 0;
        long exchange = 0;
        long steps = st.stepper.plan().stepsPerEpoch();
        long copyEveryNanos = (long) (task.run().config().get(TrainConfig.STATE_COPY_SECONDS) * 1e9);
        long lastCopy = System.nanoTime();
        boolean sliced = peers.sharesMemory() && updateSliceable(update, task.run().config());
        for (long s = stepsDone; s < steps; s++) {
            context.killTaskIfInterrupted();
            reports.checkFailed();
            TaskHooks.beforeStep(p, firstStep + s);
            long t0 = System.nanoTime();
            long t1;
            byte[][] figures = null;
            int[] touched = null;
            BatchResult global = null;
            double penalty = 0;
            boolean copyNow = p == 0 && s + 1 < steps && System.nanoTime() - lastCopy >= copyEveryNanos;
            if (bnSync && !st.net.sparseInput()) { // BN exchanges run during backward: the gradient's follows it
                BatchResult local = st.stepper.gradientSum(block, epoch, s, firstStep + s);
                t1 = System.nanoTime();
                figures = peers.allReduce(st.net.store().grads(), size, BatchResultBytes.encode(local));
            } else if (st.net.sparseInput()) {
                BatchResult local = st.stepper.gradientSum(block, epoch, s, firstStep + s);
                t1 = System.nanoTime();
                int[] rows = local.count() == 0 ? new int[0] : st.net.sparseStepRows();
                if (rows == null) { // dense rows on a network for sparse input: every gradient
                    figures = peers.allReduce(st.net.store().grads(), size, BatchResultBytes.encode(local));
                } else {
                    touched = exchangeRows(peers, st, rows);
                    figures = peers.allReduce(st.compact, TouchedRows.compactLength(st.net, touched), BatchResultBytes.encode(local));
                    TouchedRows.unpackOthers(st.compact, st.net);
                }
            } else {
                if (sliced) {
                    penalty = update.beginSliced();
                }
                st.stepper.gradientSum(block, epoch, s, firstStep + s, new Network.BackwardProgress() {
                    @Override
                    public void forwardDone(BatchResult figures) {
                        peers.begin(st.net.store().grads(), size, BatchResultBytes.encode(figures));
                    }

                    @Override
                    public void gradientsFinalFrom(int offset) {
                        peers.ready(offset);
                    }
                });
                t1 = System.nanoTime();
                if (sliced) {
                    BatchResult[] merged = new BatchResult[1];
                    SharedSum.Sliced done = peers.finishSliced(st.net.store().values(), new SharedSum.SliceStep() {
                        @Override
                        public void figures(byte[][] all) {
                            merged[0] = BatchResultBytes.merge(all);
                        }

                        @Override
                        public int apply(float[] g, int lo, int hi) {
                            return update.applySlice(merged[0].count(), g, lo, hi);
                        }
                    }, copyNow);
                    global = merged[0];
                    update.finishSliced(global.count(), global.bnStats(), done.nonFinite(), done.nonFiniteValue());
                    copyNow = done.gather();
                    if (copyNow) { // partition 0 asked for a state copy: every task brings its slices of the state
                        peers.gatherSlices(update.updater().optimizer().state());
                    }
                } else {
                    figures = peers.finish();
                }
            }
            long t2 = System.nanoTime();
            if (global == null) {
                global = BatchResultBytes.merge(figures);
                penalty = touched == null ? update.apply(global.count(), global.bnStats())
                        : update.apply(global.count(), global.bnStats(), touched, st.compact, TouchedRows.rowsFrom(st.net));
            }
            lossSum += global.lossSum();
            penaltySum += penalty * global.count();
            count += global.count();
            correct += global.correct();
            if (p == 0 && copyNow) {
                sendCopy(task, epoch, s + 1, new Tasks.EpochSums(lossSum, penaltySum, count, correct), st.net,
                        update.updater().optimizer());
                lastCopy = System.nanoTime();
            }
            compute += t1 - t0;
            if (s % sampleEvery == 0 && sampled < stepCompute.length) {
                stepCompute[sampled++] = t1 - t0;
            }
            exchange += t2 - t1;
        }
        if (sliced) { // the whole optimizer state on every task: for partition 0's report, and for the next job
            peers.gatherSlices(update.updater().optimizer().state());
        }
        return new EpochSteps(new Tasks.EpochSums(lossSum, penaltySum, count, correct), compute, spreadMicros(stepCompute, sampled), exchange, busyBefore,
                overlappedBefore);
    }

    /**
     * The spread of the first {@code n} step computes (nanoseconds) in microseconds: interquartile
     * range / 1.349, the standard deviation of normal jitter, robust to the odd slow step.
     */
    static long spreadMicros(long[] nanos, int n) {
        if (n < 4) {
            return 0;
        }
        long[] sorted = java.util.Arrays.copyOf(nanos, n);
        java.util.Arrays.sort(sorted);
        return Math.round((sorted[(3 * n) / 4] - sorted[n / 4]) / 1.349 / 1000);
    }

    /**
     * Whether tasks that all share one JVM's memory split the update of {@code step} among
     * themselves ({@link SharedSum.Member#reduceAndStep}): on dense input without synchronized
     * BN, with an update that acts element by element. The same answer on every task (it follows
     * from the settings), unless a benchmark turns it off with the system property
     * sparknn.slicedSteps=false.
     */
    static boolean updateSliceable(GlobalStep step, TrainConfig config) {
        return !config.get(TrainConfig.BATCH_NORM_SYNC) && step.sliceable()
                && !"false".equals(System.getProperty("sparknn.slicedSteps"));
    }

    /**
     * A step on sparse input: every partition's rows travel as its figures, and the union of
     * them is what the compact gradient, packed into {@code st.compact}, holds.
     */
    private static int[] exchangeRows(PeerExchange peers, State st, int[] rows) {
        byte[][] all = peers.allReduce(st.net.store().grads(), 0, TouchedRows.encode(rows));
        List<int[]> lists = new ArrayList<>(all.length);
        int inputs = st.net.inputSize();
        for (int q = 0; q < all.length; q++) {
            try {
                lists.add(TouchedRows.decode(all[q], inputs, q));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        int[] union = TouchedRows.union(lists, inputs);
        int length = TouchedRows.compactLength(st.net, union);
        if (st.compact.length < length) {
            st.compact = new float[Math.max(length, st.compact.length + st.compact.length / 2)];
        }
        TouchedRows.pack(st.net, union, st.compact);
        return union;
    }

    /** The largest figures message of a step: its batch figures, or on sparse input the list of its rows. */
    private static int maxFiguresBytes(Network net) {
        int figures = BatchResultBytes.maxSize(net);
        return net.sparseInput() ? Math.max(figures, Math.addExact(4, Math.multiplyExact(4, net.inputSize()))) : figures;
    }

    /**
     * Sends the state after {@code stepsDone} steps to the driver. A copy only shortens a rerun,
     * so one that does not arrive is reported and training goes on.
     */
    private static void sendCopy(Tasks.Epoch task, int epoch, long stepsDone, Tasks.EpochSums sums, Network net,
                                 Optimizer optimizer) {
        try {
            Rendezvous.sendCopy(task.rendezvous(), task.secret(), task.encrypt(),
                    StateCopy.encode(epoch, stepsDone, sums, net, optimizer));
        } catch (java.io.IOException e) {
            System.err.println("sparknn: the state copy after step " + stepsDone + " of epoch " + (epoch + 1)
                    + " did not reach the driver (" + e.getMessage() + "); training goes on");
        }
    }

    /** Inference figures of the model in {@code model} over the shard, block by block. */
    static Evaluation evaluate(CachedShard block, Tasks.Run run, Broadcast<Tasks.ModelPayload> model) {
        Network net = evaluationNet(block, run);
        model.value().loadInto(net);
        return evaluate(block, net);
    }

    /** Inference figures of {@code trained}'s weights and BN state over the shard (on a copy: the trained network keeps its buffers). */
    static Evaluation evaluate(CachedShard block, Tasks.Run run, Network trained) {
        Network net = evaluationNet(block, run);
        System.arraycopy(trained.store().values(), 0, net.store().values(), 0, trained.store().values().length);
        System.arraycopy(trained.store().state(), 0, net.store().state(), 0, trained.store().state().length);
        return evaluate(block, net);
    }

    private static Network evaluationNet(CachedShard block, Tasks.Run run) {
        return WorkerCache.get(run.runId(), "eval", block.shard(), () -> Network.forWeights(ModelSpec.fromJson(run.specJson())));
    }

    private static Evaluation evaluate(CachedShard block, Network net) {
        List<Evaluation> parts = new ArrayList<>();
        for (int b = 0; b < block.blockCount(); b++) {
            parts.add(Evaluator.evaluate(net, block.block(b), 512));
        }
        return Evaluation.merge(parts);
    }

    /** The exact BN estimator's sums over this shard, in local batches of the training share, dropout off. */
    static BnPopulation.Exact bnPass(CachedShard block, Tasks.Run run, Broadcast<Tasks.ModelPayload> model) {
        State st = state(run, block, "bn");
        model.value().loadInto(st.net);
        return st.stepper.bnPass(block);
    }
}
