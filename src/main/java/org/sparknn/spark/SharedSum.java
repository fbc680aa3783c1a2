package org.sparknn.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
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
 * {@link Member#reduceAndStep} goes further when the update acts element by element: task p sums
 * its slice into its own array only, applies the step to its slice of its own weights and
 * optimizer state, and writes the new weights of the slice into every task's weights, so each
 * task reads and writes a P-th of the optimizer's arrays per step instead of all of them (the
 * update's memory traffic, which dominates it, is split like the sum's). The optimizer state of
 * a slice is then current only on its owner; {@link Member#gather} copies every slice to every
 * task when a whole state is needed (an epoch's report, a state copy, the next job).
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
    /** Sliced steps: the tasks' weights, the first non-finite mean gradient of each slice and its value, state gathers asked for. */
    private final float[][][] weights;
    private final int[][] nonFinite;
    private final float[][] nonFiniteValue;
    private final boolean[][] gatherWanted;
    private final List<float[]>[][] states;
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
        this.weights = new float[2][parties][];
        this.nonFinite = new int[2][parties];
        this.nonFiniteValue = new float[2][parties];
        this.gatherWanted = new boolean[2][parties];
        @SuppressWarnings("unchecked")
        List<float[]>[][] lists = new List[2][parties];
        this.states = lists;
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

        /**
         * A step whose update is split by slices (see the class comment): posts g[0, n) (this
         * task's gradient sum), its figures and its weights w (n values, the same on every task
         * before the step); once all have, {@code step} gets every partition's figures, then this
         * task's slice [lo, hi) of g, summed over the partitions in partition order, to apply to
         * its weights, which are then copied into every task's. When this returns, every task's
         * w holds the whole step. {@code wantGather}: this task asks all to {@link #gather} after it.
         */
        Sliced reduceAndStep(float[] g, int n, byte[] own, float[] w, SliceStep step, boolean wantGather) {
            int slot = (int) (exchanges++ & 1);
            arrays[slot][self] = g;
            lengths[slot][self] = n;
            figures[slot][self] = own;
            weights[slot][self] = w;
            gatherWanted[slot][self] = wantGather;
            await();
            byte[][] all = figures[slot].clone();
            if (!allLengths(slot, n)) {
                throw new IllegalStateException("partition " + self + ": the partitions' gradients differ in length "
                        + java.util.Arrays.toString(lengths[slot]) + " (do all workers run the same network?)");
            }
            step.figures(all);
            long t0 = System.nanoTime();
            int lo = slice(n, self);
            int hi = slice(n, self + 1);
            int bad = -1;
            if (lo < hi) {
                sumInto(arrays[slot], g, lo, hi);
                bad = step.apply(g, lo, hi);
                if (bad < 0) {
                    for (int q = 0; q < parties; q++) {
                        if (q != self) {
                            System.arraycopy(w, lo, weights[slot][q], lo, hi - lo);
                        }
                    }
                }
            }
            nonFinite[slot][self] = bad;
            nonFiniteValue[slot][self] = bad >= 0 ? g[bad] : 0f;
            sumNanos += System.nanoTime() - t0;
            await();
            int first = -1;
            float value = 0f;
            boolean gather = false;
            for (int q = 0; q < parties; q++) { // slices are in partition order: the first found is the lowest index
                if (first < 0 && nonFinite[slot][q] >= 0) {
                    first = nonFinite[slot][q];
                    value = nonFiniteValue[slot][q];
                }
                gather |= gatherWanted[slot][q];
            }
            return new Sliced(all, first, value, gather);
        }

        /**
         * After sliced steps: every task posts its arrays (the optimizer state, each as long as
         * the gradient) and copies its own slice of each into every other task's, so all hold
         * the whole state. Every task calls it at the same point.
         */
        void gather(List<float[]> own) {
            int slot = (int) (exchanges++ & 1);
            states[slot][self] = own;
            await();
            for (int q = 0; q < parties; q++) {
                List<float[]> theirs = states[slot][q];
                if (theirs.size() != own.size()) {
                    throw new IllegalStateException("partition " + self + ": partition " + q + " holds " + theirs.size()
                            + " state arrays, this one " + own.size() + " (do all workers run the same optimizer?)");
                }
                for (int a = 0; a < own.size(); a++) {
                    float[] mine = own.get(a);
                    int lo = slice(mine.length, self);
                    int hi = slice(mine.length, self + 1);
                    if (q != self && lo < hi) {
                        System.arraycopy(mine, lo, theirs.get(a), lo, hi - lo);
                    }
                }
            }
            await();
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

    /** What a task does within {@link Member#reduceAndStep}. */
    interface SliceStep {
        /** Every partition's figures, by partition, before the slice is applied. */
        void figures(byte[][] all);

        /** Applies the step to slice [lo, hi), whose gradient sum g holds; returns the first non-finite index, or -1. */
        int apply(float[] g, int lo, int hi);
    }

    /** A sliced step's outcome: the figures, the first non-finite mean gradient (-1: none) and its value, and whether to gather. */
    record Sliced(byte[][] figures, int nonFinite, float nonFiniteValue, boolean gather) {
    }

    /** own[lo, hi) = ((0 + a[0]) + a[1]) + ... over [lo, hi) (own is one of the a[q]: each index is read before it is written). */
    static void sumInto(float[][] a, float[] own, int lo, int hi) {
        if (a.length == 2) {
            float[] first = a[0];
            float[] second = a[1];
            for (int i = lo; i < hi; i++) {
                own[i] = (0f + first[i]) + second[i];
            }
            return;
        }
        sumBlocks(a, lo, hi, new float[][] {own});
    }

    /** a[q][lo, hi) = ((0 + a[0]) + a[1]) + ... for every q, in blocks that stay in L1 between the passes. */
    static void sum(float[][] a, int lo, int hi) {
        sumBlocks(a, lo, hi, a);
    }

    /** into[q][lo, hi) = ((0 + a[0]) + a[1]) + ... for every q, a block at a time (each block is summed before it is written). */
    private static void sumBlocks(float[][] a, int lo, int hi, float[][] into) {
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
            for (float[] g : into) {
                System.arraycopy(s, 0, g, from, len);
            }
        }
    }
}
