package org.sparknn.spark;

import org.apache.spark.TaskContext;

/** Makes chosen step tasks fail (through the product's one test seam, {@link TaskHooks}); close to stop. */
final class FaultInjection implements AutoCloseable {
    private final java.util.concurrent.atomic.AtomicInteger fired = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong firstStepAfterFiring = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);

    private FaultInjection(int partition, long step, boolean everyAttempt, boolean once) {
        TaskHooks.setBeforeStep((p, s) -> {
            if (fired.get() > 0) {
                firstStepAfterFiring.accumulateAndGet(s, Math::min);
            }
            TaskContext ctx = TaskContext.get();
            if (p == partition && s == step && ctx != null && (everyAttempt || ctx.attemptNumber() == 0)
                    && (!once || fired.get() == 0)) {
                fired.incrementAndGet();
                throw new IllegalStateException("injected failure: partition " + p + ", step " + s);
            }
        });
    }

    /** How many tasks this injection failed. */
    int fired() {
        return fired.get();
    }

    /** The lowest step any task reached after the injected failure (where the rerun started); Long.MAX_VALUE if none. */
    long firstStepAfterFiring() {
        return firstStepAfterFiring.get();
    }

    /** The first attempt of the task of {@code partition} at global step {@code step} fails; Spark retries it. */
    static FaultInjection firstAttempt(int partition, long step) {
        return new FaultInjection(partition, step, false, false);
    }

    /** Only the first task that reaches the step fails, whatever its attempt number (a retried barrier job is a new job). */
    static FaultInjection once(int partition, long step) {
        return new FaultInjection(partition, step, false, true);
    }

    /** Every attempt fails, so the job and the run fail. */
    static FaultInjection everyAttempt(int partition, long step) {
        return new FaultInjection(partition, step, true, false);
    }

    @Override
    public void close() {
        TaskHooks.setBeforeStep(null);
    }
}
