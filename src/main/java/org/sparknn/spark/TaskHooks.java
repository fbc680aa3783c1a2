package org.sparknn.spark;

/**
 * The one test seam of the executor side: a check run before every synchronous step a task
 * computes, in the driver and the all-reduce exchange (tests make chosen steps fail to exercise
 * retries and checkpoint resume).
 * Unset in production; it only reaches tasks that run in the JVM that set it.
 */
public final class TaskHooks {
    /** Called with the task's partition and global step; throwing fails the task. */
    @FunctionalInterface
    public interface BeforeStep {
        void check(int partition, long step);
    }

    private static volatile BeforeStep beforeStep;

    private TaskHooks() {}

    public static void setBeforeStep(BeforeStep hook) {
        beforeStep = hook;
    }

    static void beforeStep(int partition, long step) {
        BeforeStep hook = beforeStep;
        if (hook != null) {
            hook.check(partition, step);
        }
    }
}
