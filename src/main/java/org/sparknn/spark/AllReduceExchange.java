package org.sparknn.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.sparknn.train.EpochTracker;

import java.util.List;
import java.util.Locale;

/**
 * One barrier job per epoch: the P tasks meet through the driver's {@link Rendezvous} (every
 * connection proves a per-run secret that travels only inside the task closures), and after
 * every local step they all-reduce the gradient and the figures among themselves (see
 * {@link Worker#allReduceEpoch}) and apply the same global step, so the weights are bit for bit
 * those of the {@link DriverExchange}. The driver ships the model at the start of the epoch and
 * takes it back from partition 0 at the end.
 */
final class AllReduceExchange implements Exchange {
    private final TrainingRun run;
    private final byte[] secret = Handshake.newSecret();
    private final boolean encrypt;
    private Rendezvous rendezvous;
    private int generation;
    private final StateCopy.Latest copies = new StateCopy.Latest();
    private double learningRate = Double.NaN;

    AllReduceExchange(TrainingRun run) {
        this.run = run;
        this.encrypt = run.config.get(org.sparknn.train.TrainConfig.ENCRYPT_EXCHANGE)
                || run.sc.getConf().getBoolean("spark.network.crypto.enabled", false);
    }

    @Override
    public void trainEpoch(int epoch, long firstStep, EpochTracker tracker) {
        long t0 = System.nanoTime();
        Tasks.ModelPayload start = run.payload(true);
        long t1 = System.nanoTime();
        if (rendezvous == null) {
            rendezvous = new Rendezvous(run.sc.getConf().get("spark.driver.host", "127.0.0.1"), run.plan.shards(), secret,
                    encrypt, copies);
        }
        copies.expect(StateCopy.Expected.of(epoch, run.plan.stepsPerEpoch(), run.net, run.globalStep.updater().optimizer()));
        run.sc.setJobDescription(String.format(Locale.ROOT, "sparknn train epoch %d/%d (%d steps, all-reduce)", epoch + 1,
                run.epochs(), run.plan.stepsPerEpoch()));
        List<Tasks.EpochResult> results = epochJob(epoch, firstStep, start);
        long t2 = System.nanoTime();
        Tasks.EpochResult first = results.get(0);
        first.model().loadInto(run.net);
        first.model().restoreInto(run.globalStep.updater().optimizer());
        learningRate = first.learningRate();
        tracker.addStep(first.lossSum(), first.count() == 0 ? 0 : first.penaltySum() / first.count(), first.correct(),
                first.count());
        StepTimings timings = run.timings;
        long slowestCompute = 0;
        long slowestExchange = 0;
        long busy = 0;
        long overlapped = 0;
        for (Tasks.EpochResult r : results) {
            slowestCompute = Math.max(slowestCompute, r.computeNanos());
            slowestExchange = Math.max(slowestExchange, r.exchangeNanos());
            busy += r.exchangeBusyNanos();
            overlapped += r.exchangeOverlappedNanos();
            timings.taskComputeNanos += r.computeNanos();
            timings.taskSteps += run.plan.stepsPerEpoch();
        }
        timings.slowestComputeNanos += slowestCompute;
        timings.exchangeNanos += slowestExchange;
        timings.exchangeBusyNanos += busy;
        timings.exchangeOverlappedNanos += overlapped;
        timings.steps += run.plan.stepsPerEpoch();
        timings.shipNanos += t1 - t0;
        timings.jobNanos += t2 - t1;
    }

    /**
     * Runs the epoch's barrier job. Spark does not retry a failed barrier result stage, so a
     * failed job is run again, as often as Spark would try a task on this master, from the
     * latest {@link StateCopy} of the epoch that partition 0 sent (or from the driver's model,
     * which the failed job did not touch); every draw is keyed by (seed, step, sample), so the
     * rerun computes exactly what the failed one would have. Failures that would only repeat (a
     * diverged run, bad input) are not retried.
     */
    private List<Tasks.EpochResult> epochJob(int epoch, long firstStep, Tasks.ModelPayload start) {
        int attempts = taskAttempts();
        for (int attempt = 1; ; attempt++) {
            StateCopy copy = copies.latest();
            Broadcast<Tasks.ModelPayload> model = run.sc.broadcast(copy == null ? start : copy.model());
            Tasks.Epoch task = new Tasks.Epoch(run.tasks, epoch, firstStep, copy == null ? 0 : copy.stepsDone(),
                    copy == null ? Tasks.EpochSums.NONE : copy.sums(), rendezvous.address(), secret, generation++, encrypt);
            scala.reflect.ClassTag<Tasks.EpochResult> tag = scala.reflect.ClassTag$.MODULE$.apply(Tasks.EpochResult.class);
            @SuppressWarnings("unchecked")
            scala.Function1<scala.collection.Iterator<CachedShard>, scala.collection.Iterator<Tasks.EpochResult>> f =
                    (scala.Function1<scala.collection.Iterator<CachedShard>, scala.collection.Iterator<Tasks.EpochResult>>
                            & java.io.Serializable) it -> scala.jdk.javaapi.CollectionConverters.asScala(
                            List.of(Worker.allReduceEpoch(it.next(), task, model)).iterator());
            try {
                return JavaRDD.fromRDD(run.train.shards().rdd().barrier().mapPartitions(f, false, tag), tag).collect();
            } catch (Exception e) { // SparkException, which Java sees as checked
                if (attempt >= attempts || wouldRepeat(e)) {
                    throw AllReduceExchange.<RuntimeException>rethrow(e);
                }
                run.train.rebuildMissing();
                StateCopy latest = copies.latest();
                System.err.println("sparknn: all-reduce epoch " + (epoch + 1) + " failed (" + taskFailure(e) + "); running it again "
                        + (latest == null ? "from its start" : "from the copy of the state after " + latest.stepsDone() + " of its "
                        + run.plan.stepsPerEpoch() + " steps") + ", attempt " + (attempt + 1) + " of " + attempts);
            } finally {
                model.destroy();
            }
        }
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
