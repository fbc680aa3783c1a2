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
    private Rendezvous rendezvous;
    private double learningRate = Double.NaN;

    AllReduceExchange(TrainingRun run) {
        this.run = run;
    }

    @Override
    public void trainEpoch(int epoch, long firstStep, EpochTracker tracker) {
        long t0 = System.nanoTime();
        Broadcast<Tasks.ModelPayload> model = run.sc.broadcast(run.payload(true));
        long t1 = System.nanoTime();
        if (rendezvous == null) {
            rendezvous = new Rendezvous(run.sc.getConf().get("spark.driver.host", "127.0.0.1"), run.plan.shards(), secret);
        }
        Tasks.Epoch task = new Tasks.Epoch(run.tasks, epoch, firstStep, rendezvous.address(), secret);
        run.sc.setJobDescription(String.format(Locale.ROOT, "sparknn train epoch %d/%d (%d steps, all-reduce)", epoch + 1,
                run.epochs(), run.plan.stepsPerEpoch()));
        scala.reflect.ClassTag<Tasks.EpochResult> tag = scala.reflect.ClassTag$.MODULE$.apply(Tasks.EpochResult.class);
        @SuppressWarnings("unchecked")
        scala.Function1<scala.collection.Iterator<ShardBlock>, scala.collection.Iterator<Tasks.EpochResult>> f =
                (scala.Function1<scala.collection.Iterator<ShardBlock>, scala.collection.Iterator<Tasks.EpochResult>>
                        & java.io.Serializable) it -> scala.jdk.javaapi.CollectionConverters.asScala(
                        List.of(Worker.allReduceEpoch(it.next(), task, model)).iterator());
        List<Tasks.EpochResult> results;
        try {
            results = JavaRDD.fromRDD(run.train.blocks().rdd().barrier().mapPartitions(f, false, tag), tag).collect();
        } finally {
            model.destroy();
        }
        long t2 = System.nanoTime();
        Tasks.EpochResult first = results.get(0);
        first.model().loadInto(run.net);
        first.model().restoreInto(run.globalStep.updater().optimizer());
        learningRate = first.learningRate();
        tracker.addStep(first.lossSum(), first.count() == 0 ? 0 : first.penaltySum() / first.count(), first.correct(),
                first.count());
        long slowestCompute = 0;
        long slowestExchange = 0;
        for (Tasks.EpochResult r : results) {
            slowestCompute = Math.max(slowestCompute, r.computeNanos());
            slowestExchange = Math.max(slowestExchange, r.exchangeNanos());
        }
        StepTimings timings = run.timings;
        timings.slowestComputeNanos += slowestCompute;
        timings.exchangeNanos += slowestExchange;
        timings.steps += run.plan.stepsPerEpoch();
        timings.shipNanos += t1 - t0;
        timings.jobNanos += t2 - t1;
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
