package org.sparknn.spark;

import java.util.Locale;

/**
 * Where the time of synchronous steps goes, summed over the steps of one epoch (the trainer keeps
 * one per epoch, so callers can leave warm-up epochs out): driver-side weight encoding and
 * broadcast (ship), the Spark job from submission to the last result (job; for an all-reduce
 * job that trains many epochs, its first epoch from submission to that epoch's reports, each
 * later one as long as the slowest task took for it, less the validation inside it), inside it the
 * slowest task's weight loading and compute, the driver's gradient and BN merge (aggregate) and
 * the regularized optimizer update (update).
 */
public final class StepTimings {
    long steps;
    long shipNanos;
    long jobNanos;
    long slowestLoadNanos;
    long slowestComputeNanos;
    long aggregateNanos;
    long updateNanos;
    long exchangeNanos;
    long exchangeBusyNanos;
    long taskComputeNanos;
    long taskComputeSpreadMicros;
    long taskEpochs;
    long taskSteps;
    long exchangeOverlappedNanos;

    /** The sums over several epochs. */
    public static StepTimings sum(java.util.List<StepTimings> epochs) {
        StepTimings t = new StepTimings();
        for (StepTimings e : epochs) {
            t.steps += e.steps;
            t.shipNanos += e.shipNanos;
            t.jobNanos += e.jobNanos;
            t.slowestLoadNanos += e.slowestLoadNanos;
            t.slowestComputeNanos += e.slowestComputeNanos;
            t.aggregateNanos += e.aggregateNanos;
            t.updateNanos += e.updateNanos;
            t.exchangeNanos += e.exchangeNanos;
            t.exchangeBusyNanos += e.exchangeBusyNanos;
            t.taskComputeNanos += e.taskComputeNanos;
            t.taskComputeSpreadMicros += e.taskComputeSpreadMicros;
            t.taskEpochs += e.taskEpochs;
            t.taskSteps += e.taskSteps;
            t.exchangeOverlappedNanos += e.exchangeOverlappedNanos;
        }
        return t;
    }

    public long steps() {
        return steps;
    }

    public double shipMs() {
        return ms(shipNanos);
    }

    public double jobMs() {
        return ms(jobNanos);
    }

    public double slowestLoadMs() {
        return ms(slowestLoadNanos);
    }

    public double slowestComputeMs() {
        return ms(slowestComputeNanos);
    }

    public double aggregateMs() {
        return ms(aggregateNanos);
    }

    public double updateMs() {
        return ms(updateNanos);
    }

    public double stepMs() {
        return ms(shipNanos + jobNanos + aggregateNanos + updateNanos);
    }

    /** Step time minus the slowest task's compute: what distribution costs per step. */
    public double overheadMs() {
        return stepMs() - slowestComputeMs();
    }

    private double ms(long nanos) {
        return steps == 0 ? 0 : nanos / 1e6 / steps;
    }

    /**
     * All-reduce mode: the slowest task's wait for the exchange after its backward pass (the
     * exchange overlap did not hide); when the tasks of one JVM split the update, its part of the
     * update too.
     */
    public double exchangeMs() {
        return ms(exchangeNanos);
    }

    /** All-reduce mode: the mean compute per step over all tasks (the slowest task's is {@link #slowestComputeMs}). */
    public double meanTaskComputeMs() {
        return taskSteps == 0 ? 0 : taskComputeNanos / 1e6 / taskSteps;
    }

    /**
     * All-reduce mode: the step-to-step spread of a task's compute per step (each task's
     * interquartile range / 1.349 in each epoch, averaged); what the wait for the slowest task
     * grows with.
     */
    public double taskComputeSpreadMs() {
        return taskEpochs == 0 ? 0 : taskComputeSpreadMicros / 1e3 / taskEpochs;
    }

    /**
     * All-reduce mode: of the time buckets spent between being final on a task and having their
     * sum in place (all tasks), the share that passed while that task's backward still ran.
     */
    public double hiddenShare() {
        return exchangeBusyNanos == 0 ? 0 : (double) exchangeOverlappedNanos / exchangeBusyNanos;
    }

    @Override
    public String toString() {
        if (exchangeNanos > 0) {
            return String.format(Locale.ROOT,
                    "per step: %.2f ms = ship-model %.2f + job %.2f (slowest task per step: compute %.2f, waiting for the exchange "
                            + "after backward %.2f; %.0f%% of the buckets' exchange time overlapped backward); overhead %.2f ms",
                    stepMs(), shipMs(), jobMs(), slowestComputeMs(), exchangeMs(), 100 * hiddenShare(), overheadMs());
        }
        return String.format(Locale.ROOT,
                "per step: %.2f ms = ship-weights %.2f + job %.2f (slowest task: load %.2f, compute %.2f) + aggregate %.2f + driver-update %.2f; overhead %.2f ms",
                stepMs(), shipMs(), jobMs(), slowestLoadMs(), slowestComputeMs(), aggregateMs(), updateMs(), overheadMs());
    }
}
