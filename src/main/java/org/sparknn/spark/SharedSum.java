package org.sparknn.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The all-reduce of a barrier stage whose tasks all run in one JVM (local mode, or one executor
 * holding every partition): no messages and no exchange threads. Each task posts its gradient
 * array and figures; once all have, task p sums its own slice of the arrays straight from every
 * task's array, in partition order ((0 + g0) + g1) + ..., the sum the chain and the driver
 * compute, hence the same bits, and writes the sum into every array; a second barrier ends the
 * step. The work is split over the tasks themselves, which run on their own cores, so the sum of
 * a 1 MB gradient costs each of two tasks about what reading and writing its half costs.
 * <p>
 * Waits spin briefly (a partner is usually microseconds behind, and waking a parked thread costs
 * tens of microseconds), then park; they end with an error when a partner left (failed or
 * stopped), when the task is stopped, or after the exchange timeout, naming who is missing.
 */
final class SharedSum {
    private static final ConcurrentHashMap<String, SharedSum> GROUPS = new ConcurrentHashMap<>();
    /** Slices start on 64-byte boundaries, so no cache line is written by two tasks. */
    private static final int ALIGN = 16;
    private static final long SPIN_NANOS = 100_000;

    private final String key;
    private final int parties;
    private final AtomicInteger joined = new AtomicInteger();
    private final boolean spin;
    // Posts alternate between two slots by exchange parity: a task may post its next exchange's
    // figures before a slower partner has read this one's.
    private final float[][][] arrays;
    private final int[][] lengths;
    private final byte[][][] figures;
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile int generation;
    private volatile String left;
    private final AtomicReferenceArray<Thread> parked;

    private SharedSum(String key, int parties) {
        this.key = key;
        this.parties = parties;
        this.spin = parties <= Runtime.getRuntime().availableProcessors();
        this.arrays = new float[2][parties][];
        this.lengths = new int[2][parties];
        this.figures = new byte[2][parties][];
        this.parked = new AtomicReferenceArray<>(parties);
    }

    /** Partition {@code self}'s membership of the group under {@code key} (run, attempt). */
    static Member join(String key, int self, int parties, int timeoutMillis) {
        SharedSum group = GROUPS.computeIfAbsent(key, k -> new SharedSum(k, parties));
        if (group.joined.incrementAndGet() == parties) {
            GROUPS.remove(key, group);
        }
        return group.new Member(self, timeoutMillis);
    }

    /** One task's part in the group; exchanges are made by all tasks in the same order. */
    final class Member implements AutoCloseable {
        private final int self;
        private final long timeoutNanos;
        private BooleanSupplier stopped = () -> false;
        private long exchanges;
        private long sumNanos;

        private Member(int self, int timeoutMillis) {
            this.self = self;
            this.timeoutNanos = timeoutMillis * 1_000_000L;
        }

        void stopWhen(BooleanSupplier stopped) {
            this.stopped = stopped;
        }

        /** Time spent summing slices, over all exchanges. */
        long sumNanos() {
            return sumNanos;
        }

        /** g[0, n) becomes the sum over all partitions; returns every partition's figures, by partition. */
        byte[][] allReduce(float[] g, int n, byte[] own) {
            int slot = (int) (exchanges++ & 1);
            arrays[slot][self] = g;
            lengths[slot][self] = n;
            figures[slot][self] = own;
            await();
            byte[][] all = figures[slot].clone();
            if (n == 0 && allLengths(slot, 0)) {
                return all; // figures only: the parity slots keep them apart from the next exchange's
            }
            if (!allLengths(slot, n)) {
                throw new IllegalStateException("partition " + self + ": the partitions' gradients differ in length "
                        + java.util.Arrays.toString(lengths[slot]) + " (do all workers run the same network?)");
            }
            long t0 = System.nanoTime();
            int lo = slice(n, self);
            int hi = slice(n, self + 1);
            if (lo < hi) {
                sum(arrays[slot], lo, hi);
            }
            sumNanos += System.nanoTime() - t0;
            await();
            return all;
        }

        private boolean allLengths(int slot, int n) {
            for (int q = 0; q < parties; q++) {
                if (lengths[slot][q] != n) {
                    return false;
                }
            }
            return true;
        }

        private int slice(int n, int p) {
            if (p == parties) {
                return n;
            }
            long at = (long) n * p / parties;
            return (int) Math.min(n, (at + ALIGN - 1) / ALIGN * ALIGN);
        }

        /** Waits until every partition has arrived at this barrier. */
        private void await() {
            int gen = generation;
            if (arrived.incrementAndGet() == parties) {
                arrived.set(0);
                generation = gen + 1;
                for (int q = 0; q < parties; q++) {
                    Thread t = parked.getAndSet(q, null);
                    if (t != null) {
                        LockSupport.unpark(t);
                    }
                }
                return;
            }
            long start = System.nanoTime();
            while (generation == gen) {
                if (left != null && generation == gen) { // a partner may leave right after releasing this barrier
                    throw new UncheckedIOException(new IOException("partition " + self + ": " + left + " (its task failed or was stopped)"));
                }
                long waited = System.nanoTime() - start;
                if (spin && waited < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                if (stopped.getAsBoolean()) {
                    throw new IllegalStateException("partition " + self + ": the task was stopped during the exchange");
                }
                if (waited > timeoutNanos) {
                    throw new UncheckedIOException(new IOException("partition " + self + ": " + (parties - arrived.get())
                            + " of " + parties + " partitions did not reach the exchange within " + timeoutNanos / 1_000_000_000L + " s"));
                }
                parked.set(self, Thread.currentThread());
                if (generation != gen) {
                    break;
                }
                LockSupport.parkNanos(SharedSum.this, 10_000_000L); // wakes to check for a stop or the timeout
            }
        }

        /** Leaving: a partner still waiting for this task fails at once. */
        @Override
        public void close() {
            GROUPS.remove(key, SharedSum.this); // a group whose other members never came (a failed attempt)
            if (left == null) {
                left = "partition " + self + " left the exchange";
            }
            for (int q = 0; q < parties; q++) {
                Thread t = parked.get(q);
                if (t != null) {
                    LockSupport.unpark(t);
                }
            }
        }
    }

    /** a[q][lo, hi) = ((0 + a[0]) + a[1]) + ... for every q, in blocks that stay in L1 between the passes. */
    static void sum(float[][] a, int lo, int hi) {
        float[] s = new float[Math.min(2048, hi - lo)];
        for (int from = lo; from < hi; from += s.length) {
            int len = Math.min(s.length, hi - from);
            float[] first = a[0];
            for (int i = 0; i < len; i++) {
                s[i] = 0f + first[from + i];
            }
            for (int q = 1; q < a.length; q++) {
                float[] g = a[q];
                for (int i = 0; i < len; i++) {
                    s[i] += g[from + i];
                }
            }
            for (float[] g : a) {
                System.arraycopy(s, 0, g, from, len);
            }
        }
    }
}
