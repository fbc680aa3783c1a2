package org.sparknn.spark;

import org.apache.spark.TaskContext;

/** Makes chosen step tasks fail (through the product's one test seam, {@link TaskHooks}); close to stop. */
final class FaultInjection implements AutoCloseable {

    private FaultInjection(int partition, long step, boolean everyAttempt) {
        TaskHooks.setBeforeStep((p, s) -> {
            TaskContext ctx = TaskContext.get();
            if (p == partition && s == step && ctx != null && (everyAttempt || ctx.attemptNumber() == 0)) {
                throw new IllegalStateException("injected failure: partition " + p + ", step " + s);
            }
        });
    }

    /** The first attempt of the task of {@code partition} at global step {@code step} fails; Spark retries it. */
    static FaultInjection firstAttempt(int partition, long step) {
        return new FaultInjection(partition, step, false);
    }

    /** Every attempt fails, so the job and the run fail. */
    static FaultInjection everyAttempt(int partition, long step) {
        return new FaultInjection(partition, step, true);
    }

    @Override
    public void close() {
        TaskHooks.setBeforeStep(null);
    }
}
