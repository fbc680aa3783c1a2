package org.sparknn.spark;

import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.sparknn.train.EpochTracker;
import org.sparknn.train.Evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;

/**
 * One barrier job trains many epochs: the P tasks meet through the driver's {@link Rendezvous}
 * (every connection proves a per-run secret that travels only inside the task closures), and
 * after every local step they all-reduce the gradient and the figures among themselves (see
 * {@link Worker#allReduceEpochs}) and apply the same global step, so the weights are bit for bit
 * those of the {@link DriverExchange}. After each epoch they evaluate their validation shards and
 * send the driver an {@link EpochReport}, partition 0 with the state; the driver reports,
 * checkpoints and takes the model from it while the tasks go on.
 */
final class AllReduceExchange implements Exchange {
    private final TrainingRun run;
    private final byte[] secret = Handshake.newSecret();
    private final boolean encrypt;
    private Rendezvous rendezvous;
    private int generation;
    private final StateCopy.Latest copies = new StateCopy.Latest();
    private final EpochReport.Collector reports = new EpochReport.Collector();
    private double learningRate = Double.NaN;

    AllReduceExchange(TrainingRun run) {
        this.run = run;
        this.encrypt = run.config.get(org.sparknn.train.TrainConfig.ENCRYPT_EXCHANGE)
                || run.sc.getConf().getBoolean("spark.network.crypto.enabled", false);
    }

    @Override
    public void trainEpoch(int epoch, long firstStep, EpochTracker tracker) {
        trainJob(epoch, epoch + 1, firstStep, tracker, null, (e, validation, seconds) -> { });
    }

    @Override
    public void trainEpochs(int from, int to, long firstStep, EpochTracker tracker, Shards validation, EpochEnd end) {
        if (from < to) {
            trainJob(from, to, firstStep, tracker, validation, end);
        }
    }

    /**
     * Runs epochs {@code from} to {@code to} in one barrier job, handing each epoch to
     * {@code end} as its reports arrive. Spark does not retry a failed barrier result stage, so a
     * failed job is run again, as often as Spark would try a task on this master, from the first
     * epoch the driver has not completed: from the latest {@link StateCopy} of it that partition
     * 0 sent, or from the driver's model after the epoch before. Every draw is keyed by (seed,
     * step, sample), so the rerun computes exactly what the failed one would have. Failures that
     * would only repeat (a diverged run, bad input) are not retried.
     */
    private void trainJob(int from, int to, long firstStep, EpochTracker tracker, Shards validation, EpochEnd end) {
        if (rendezvous == null) {
            rendezvous = new Rendezvous(run.sc.getConf().get("spark.driver.host", "127.0.0.1"), run.plan.shards(), secret,
                    encrypt, copies, reports);
        }
        long steps = run.plan.stepsPerEpoch();
        copies.expect(StateCopy.Expected.of(from, to, steps, run.net, run.globalStep.updater().optimizer()));
        int[] stateLengths = StateCopy.stateLengths(run.net, run.globalStep.updater().optimizer());
        int classes = org.sparknn.train.Evaluator.confusionClasses(run.net);
        List<CachedShard> validationShards = validation == null ? null : validation.handles();
        int attempts = taskAttempts();
        int next = from;
        for (int attempt = 1; ; attempt++) {
            long t0 = System.nanoTime();
            StateCopy copy = copies.latestOf(next);
            Tasks.ModelPayload start = copy == null ? run.payload(true) : copy.model();
            long shipped = System.nanoTime() - t0;
            Broadcast<Tasks.ModelPayload> model = run.sc.broadcast(start);
            int job = generation++;
            reports.expect(new EpochReport.Expected(job, run.plan.shards(), next, to,
                    validationShards == null ? 0 : validationShards.size(), classes, stateLengths));
            Tasks.Epoch task = new Tasks.Epoch(run.tasks, next, to, firstStep + (next - from) * steps,
                    copy == null ? 0 : copy.stepsDone(), copy == null ? Tasks.EpochSums.NONE : copy.sums(), rendezvous.address(),
                    secret, job, encrypt, validationShards);
            run.sc.setJobDescription(String.format(Locale.ROOT, "sparknn train epochs %d-%d of %d (%d steps each, all-reduce)",
                    next + 1, to, run.epochs(), steps));
            JavaFutureAction<List<Integer>> running = submit(task, model);
            long epochStart = t0;
            int firstOfJob = next;
            try {
                while (next < to) {
                    // the last reports come before the job ends; the timeout only bounds how late a failed job is seen
                    EpochReport[] done = reports.poll(running.isDone() ? 0 : 100);
                    if (done != null) {
                        long now = System.nanoTime();
                        finishEpoch(next, done, tracker, end, shipped, now - epochStart - shipped, next == firstOfJob);
                        shipped = 0;
                        epochStart = now;
                        next++;
                    } else if (running.isDone()) {
                        break;
                    }
                }
                running.get(); // throws the job's failure
                if (next < to) {
                    throw new IllegalStateException("the all-reduce job ended without the reports of epochs " + (next + 1)
                            + " to " + to);
                }
                return;
            } catch (ExecutionException e) {
                Throwable failure = e.getCause() == null ? e : e.getCause();
                // Spark fails the job at its first failed task; reports the tasks sent before it may still be on their way
                next = takeLateReports(job, next, to, tracker, end);
                if (next >= to) { // every epoch's reports had arrived: the driver holds the trained state
                    System.err.println("sparknn: the all-reduce job failed after its last epoch (" + taskFailure(failure)
                            + "); the driver holds that epoch's state, training goes on");
                    return;
                }
                if (attempt >= attempts || wouldRepeat(failure)) {
                    throw AllReduceExchange.<RuntimeException>rethrow(failure);
                }
                run.train.rebuildMissing();
                if (validation != null) {
                    validation.rebuildMissing();
                }
                StateCopy latest = copies.latestOf(next);
                System.err.println("sparknn: all-reduce epoch " + (next + 1) + " failed (" + taskFailure(failure) + "); running it again "
                        + (latest == null ? "from its start" : "from the copy of the state after " + latest.stepsDone() + " of its "
                        + steps + " steps") + ", attempt " + (attempt + 1) + " of " + attempts);
            } catch (InterruptedException e) {
                running.cancel(true);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while training epoch " + (next + 1), e);
            } catch (RuntimeException | Error e) { // the driver's own part of an epoch failed: stop the tasks
                running.cancel(true);
                throw e;
            } finally {
                model.destroy();
            }
        }
    }

    /** How long the driver waits, after a job failed, for its tasks' report connections to close. */
    static final long LATE_REPORTS_MILLIS = ReportSender.CLOSE_WAIT_MILLIS + 5_000;

    /**
     * After job {@code job} failed: waits until its tasks' report connections have closed (a task
     * lets its report in flight arrive before it ends), then finishes the epochs whose reports are
     * all in. Returns the first epoch still to train.
     */
    private int takeLateReports(int job, int next, int to, EpochTracker tracker, EpochEnd end) {
        try {
            if (!rendezvous.awaitReportsClosed(job, LATE_REPORTS_MILLIS)) {
                System.err.println("sparknn: a task of the failed all-reduce job kept its report connection open for "
                        + LATE_REPORTS_MILLIS / 1000 + " s; going on without its reports");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while taking the reports of a failed all-reduce job", e);
        }
        EpochReport[] done;
        while (next < to && (done = reports.pollNow()) != null) {
            finishEpoch(next, done, tracker, end, 0, 0, false);
            next++;
        }
        return next;
    }

    /** The job's barrier stage over the training shards (the tasks read validation shards by their handles). */
    private JavaFutureAction<List<Integer>> submit(Tasks.Epoch task, Broadcast<Tasks.ModelPayload> model) {
        scala.reflect.ClassTag<Integer> tag = scala.reflect.ClassTag$.MODULE$.apply(Integer.class);
        @SuppressWarnings("unchecked")
        scala.Function1<scala.collection.Iterator<CachedShard>, scala.collection.Iterator<Integer>> f =
                (scala.Function1<scala.collection.Iterator<CachedShard>, scala.collection.Iterator<Integer>> & java.io.Serializable)
                        it -> scala.jdk.javaapi.CollectionConverters.asScala(
                        List.of(Worker.allReduceEpochs(it.next(), task, model)).iterator());
        return JavaRDD.fromRDD(run.train.shards().rdd().barrier().mapPartitions(f, false, tag), tag).collectAsync();
    }

    /**
     * The driver's part of an epoch whose reports have all arrived: takes the model and optimizer
     * state from partition 0's, adds the epoch's figures and timings, and hands it to {@code end}.
     */
    private void finishEpoch(int epoch, EpochReport[] done, EpochTracker tracker, EpochEnd end, long shipNanos, long jobNanos,
                             boolean firstOfJob) {
        EpochReport first = done[0];
        if (first.epoch() != epoch) {
            throw new IllegalStateException("the reports of epoch " + (first.epoch() + 1) + " came while the driver waited for epoch "
                    + (epoch + 1));
        }
        try {
            StateCopy.loadState(first.state(), 0, run.net, run.globalStep.updater().optimizer(), "the state in an epoch report");
        } catch (java.io.IOException e) { // checked when it arrived
            throw new java.io.UncheckedIOException(e);
        }
        learningRate = first.learningRate();
        Tasks.EpochSums sums = first.sums();
        tracker.addStep(sums.lossSum(), sums.count() == 0 ? 0 : sums.penaltySum() / sums.count(), sums.correct(), sums.count());
        StepTimings timings = run.timings;
        long slowestCompute = 0;
        long slowestExchange = 0;
        long slowestValidation = 0;
        long slowestEpoch = 0;
        for (EpochReport r : done) {
            slowestEpoch = Math.max(slowestEpoch, r.epochNanos());
            slowestCompute = Math.max(slowestCompute, r.computeNanos());
            slowestExchange = Math.max(slowestExchange, r.exchangeNanos());
            slowestValidation = Math.max(slowestValidation, r.validationNanos());
            timings.exchangeBusyNanos += r.busyNanos();
            timings.exchangeOverlappedNanos += r.overlappedNanos();
            timings.taskComputeNanos += r.computeNanos();
            timings.taskComputeSpreadMicros += r.computeSpreadMicros();
            timings.taskEpochs++;
            timings.taskSteps += run.plan.stepsPerEpoch();
        }
        // shard q's figures came from partition q mod P, as its (q / P)-th: merged in shard order, as a validation job would
        List<Evaluation> validation = new ArrayList<>();
        for (int q = 0; first.validation() != null && q < validationShardCount(done); q++) {
            validation.add(done[q % done.length].validation().get(q / done.length));
        }
        timings.slowestComputeNanos += slowestCompute;
        timings.exchangeNanos += slowestExchange;
        timings.steps += run.plan.stepsPerEpoch();
        timings.shipNanos += shipNanos;
        // After a job's first epoch, the epoch's length on the tasks' clock: the driver sees each epoch when
        // its reports arrive, which partition 0's state, sent while the next epoch runs, can delay by different amounts.
        timings.jobNanos += (firstOfJob ? jobNanos : slowestEpoch) - slowestValidation;
        end.done(epoch, validation.isEmpty() ? null : Evaluation.merge(validation), slowestValidation / 1e9);
    }

    private static int validationShardCount(EpochReport[] done) {
        int n = 0;
        for (EpochReport r : done) {
            n += r.validation().size();
        }
        return n;
    }

    /** How many times Spark tries a task on this master (local[N] once, local[N,F] F times, else spark.task.maxFailures). */
    private int taskAttempts() {
        String master = run.sc.master();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[[^,\\]]+,\\s*(\\d+)\\]").matcher(master);
        if (m.matches()) {
            return Integer.parseInt(m.group(1));
        }
        if (master.equals("local") || master.startsWith("local[")) {
            return 1;
        }
        return run.sc.getConf().getInt("spark.task.maxFailures", 4);
    }

    private static boolean wouldRepeat(Throwable e) {
        String text = String.valueOf(e.getMessage());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException || t instanceof org.sparknn.train.TrainingDivergedException) {
                return true;
            }
        }
        return text.contains(org.sparknn.train.TrainingDivergedException.class.getName())
                || text.contains(IllegalArgumentException.class.getName());
    }

    /** The failed task's own exception line from Spark's barrier-stage message (its first line says only that the stage failed). */
    private static String taskFailure(Throwable e) {
        String[] lines = String.valueOf(e.getMessage()).strip().split("\n");
        for (String line : lines) {
            if (line.matches("\\s*[\\w.$]+(Exception|Error): .*")) {
                return line.strip();
            }
        }
        return lines[0];
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E rethrow(Throwable e) throws E {
        throw (E) e;
    }

    @Override
    public long stepsPerEpoch() {
        return run.plan.stepsPerEpoch();
    }

    @Override
    public double learningRate() {
        return learningRate;
    }

    @Override
    public void close() {
        if (rendezvous != null) {
            rendezvous.close();
        }
    }
}
