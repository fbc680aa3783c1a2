package org.sparknn.spark;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Per-JVM cache of worker state (network, buffers, epoch order), keyed by training run, role and
 * partition, so executors do not rebuild networks and buffers at every step. Concurrent tasks of
 * one JVM work on different partitions and so on different entries. Losing an entry (a new
 * executor, a retried task elsewhere, eviction) only costs a rebuild: everything a step computes
 * comes from the step's inputs. Entries unused for {@link #IDLE_NANOS} are dropped, so state left
 * on an executor that a run's release job did not reach does not stay forever.
 */
final class WorkerCache {
    static final long IDLE_NANOS = 10L * 60 * 1_000_000_000L;

    private record Entry(Object state, long lastUsed) {
    }

    private static final ConcurrentHashMap<String, Entry> STATES = new ConcurrentHashMap<>();

    private WorkerCache() {}

    @SuppressWarnings("unchecked")
    static <T> T get(String runId, String role, int partition, Supplier<T> create) {
        long now = System.nanoTime();
        STATES.values().removeIf(e -> now - e.lastUsed() > IDLE_NANOS);
        Entry e = STATES.compute(runId + "/" + role + "/" + partition,
                (k, old) -> new Entry(old == null ? create.get() : old.state(), now));
        return (T) e.state();
    }

    static void removeRun(String runId) {
        STATES.keySet().removeIf(k -> k.startsWith(runId + "/"));
    }
}
