package org.sparknn.spark;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Per-JVM cache of worker state (network, buffers, epoch order), keyed by training run and
 * partition, so executors do not rebuild networks and buffers at every step. Concurrent tasks of
 * one JVM work on different partitions and so on different entries. Losing an entry (a new
 * executor, a retried task elsewhere) only costs a rebuild: everything a step computes comes
 * from the step's inputs.
 */
final class WorkerCache {
    private static final ConcurrentHashMap<String, Object> STATES = new ConcurrentHashMap<>();

    private WorkerCache() {}

    @SuppressWarnings("unchecked")
    static <T> T get(String runId, String role, int partition, Supplier<T> create) {
        return (T) STATES.computeIfAbsent(runId + "/" + role + "/" + partition, k -> create.get());
    }

    static void removeRun(String runId) {
        STATES.keySet().removeIf(k -> k.startsWith(runId + "/"));
    }

    static int size() {
        return STATES.size();
    }
}
