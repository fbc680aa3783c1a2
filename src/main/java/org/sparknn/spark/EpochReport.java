package org.sparknn.spark;

import org.sparknn.train.Evaluation;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What every task of an all-reduce job sends the driver at the end of each epoch, so that one
 * barrier job can train many epochs: the epoch's global sums (the same on every task), the task's
 * own timings, the figures of its validation shards (when the job validates: task p evaluates
 * shards p, p + P, ..., so the driver merges them in shard order), and from partition 0
 * the state after the epoch (weights, BN state, optimizer state, as {@link StateCopy} encodes it),
 * which the driver reports, checkpoints and resumes from while the tasks go on.
 *
 * @param generation the barrier job that sent it (a stale attempt's reports are refused)
 * @param computeSpreadMicros the step-to-step spread of the task's compute in the epoch, in microseconds: its
 *                            interquartile range / 1.349 (the standard deviation of normal jitter, which the
 *                            odd slow step, at an epoch's start say, does not inflate)
 * @param epochNanos the task's time from the end of the epoch before (or its start) to handing this report over:
 *                   the epoch's length on the task's clock, whenever the report reaches the driver
 * @param validation the figures of validation shards p, p + P, ... in that order; null when the job does not validate
 * @param state partition 0: {@link StateCopy#encodeState} bytes; other partitions: empty
 */
record EpochReport(int generation, int partition, int epoch, Tasks.EpochSums sums, double learningRate,
                   long computeNanos, long computeSpreadMicros, long exchangeNanos, long busyNanos, long overlappedNanos, long validationNanos,
                   long epochNanos, java.util.List<Evaluation> validation, byte[] state) {

    private static final int MAX_CLASSES_ON_THE_WIRE = 1 << 12;

    byte[] encode() {
        return encode(state.length, out -> out.put(state));
    }

    /**
     * This report (whose own state is empty) carrying the state {@link StateCopy#encodeState}
     * makes of {@code arrays}, written straight into the message: each value is copied once.
     */
    byte[] encodeWithState(long optimizerSteps, java.util.List<float[]> arrays) {
        if (state.length != 0) {
            throw new IllegalStateException("the report of partition " + partition + " already carries its state");
        }
        return encode(StateCopy.stateBytes(arrays), out -> StateCopy.writeState(out, optimizerSteps, arrays));
    }

    private byte[] encode(int stateLength, java.util.function.Consumer<java.nio.ByteBuffer> writeState) {
        int figures = 0;
        for (Evaluation e : validation == null ? java.util.List.<Evaluation>of() : validation) {
            figures += evaluationBytes(e.confusion().length);
        }
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(Math.addExact(HEADER + 4 + figures + 4, stateLength));
        out.putInt(generation).putInt(partition).putInt(epoch);
        out.putDouble(sums.lossSum()).putDouble(sums.penaltySum()).putLong(sums.count()).putLong(sums.correct());
        out.putDouble(learningRate);
        out.putLong(computeNanos).putLong(computeSpreadMicros).putLong(exchangeNanos).putLong(busyNanos).putLong(overlappedNanos).putLong(validationNanos)
                .putLong(epochNanos);
        out.put((byte) (validation == null ? 0 : 1));
        out.putInt(validation == null ? 0 : validation.size());
        for (Evaluation e : validation == null ? java.util.List.<Evaluation>of() : validation) {
            out.putLong(e.count()).putDouble(e.lossSum()).putLong(e.correct()).putInt(e.confusion().length);
            for (long[] row : e.confusion()) {
                for (long v : row) {
                    out.putLong(v);
                }
            }
        }
        out.putInt(stateLength);
        int start = out.position();
        writeState.accept(out);
        if (out.position() - start != stateLength) {
            throw new IllegalStateException("the state took " + (out.position() - start) + " bytes, not " + stateLength);
        }
        return out.array();
    }

    /** The fixed part: three ints, the sums, the learning rate, seven timings and the validation flag. */
    private static final int HEADER = 3 * 4 + 4 * 8 + 8 + 7 * 8 + 1;

    private static int evaluationBytes(int classes) {
        return 8 + 8 + 8 + 4 + 8 * classes * classes;
    }

    /**
     * What the driver accepts from the tasks of the job under way; {@code validationShards} is the
     * number of validation shards the tasks evaluate (0: the job does not validate).
     */
    record Expected(int generation, int partitions, int fromEpoch, int toEpoch, int validationShards, int classes,
                    int[] stateLengths) {
        Expected {
            if (classes > MAX_CLASSES_ON_THE_WIRE) {
                throw new IllegalArgumentException("a validation confusion matrix of " + classes + " classes is larger than an "
                        + "epoch report carries (" + MAX_CLASSES_ON_THE_WIRE + ")");
            }
        }

        /** How many validation shards partition p evaluates: p, p + P, ... below their number. */
        int shardsOf(int partition) {
            return validationShards > partition ? (validationShards - 1 - partition) / partitions + 1 : 0;
        }

        /** The largest valid report (partition 0's, with the state and the most validation shards). */
        int maxBytes() {
            return Math.toIntExact(HEADER + 4 + (long) shardsOf(0) * evaluationBytes(classes) + 4 + StateCopy.stateBytes(stateLengths));
        }
    }

    /**
     * A report checked against what the driver expects from {@code partition} (the partition the
     * sender proved in its handshake); errors say what does not match.
     */
    static EpochReport decode(byte[] message, int partition, Expected expected) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(message));
        int generation = in.readInt();
        int from = in.readInt();
        int epoch = in.readInt();
        if (generation != expected.generation() || from != partition || epoch < expected.fromEpoch() || epoch >= expected.toEpoch()) {
            throw new IOException("an epoch report of job " + generation + ", partition " + from + ", epoch " + (epoch + 1)
                    + " on the connection of partition " + partition + "; the driver runs job " + expected.generation()
                    + ", epochs " + (expected.fromEpoch() + 1) + " to " + expected.toEpoch());
        }
        Tasks.EpochSums sums = new Tasks.EpochSums(in.readDouble(), in.readDouble(), in.readLong(), in.readLong());
        double learningRate = in.readDouble();
        long[] t = new long[7];
        for (int i = 0; i < t.length; i++) {
            t[i] = in.readLong();
        }
        boolean validates = in.readBoolean();
        int shards = in.readInt();
        boolean expectsValidation = expected.validationShards() > 0;
        if (validates != expectsValidation || shards != (validates ? expected.shardsOf(partition) : 0)) {
            throw new IOException("an epoch report of partition " + partition + " with " + (validates ? shards : "no")
                    + " validation figures; the job " + (expectsValidation ? "has it evaluate " + expected.shardsOf(partition)
                    + " of " + expected.validationShards() + " validation shards" : "does not validate"));
        }
        java.util.List<Evaluation> validation = validates ? new java.util.ArrayList<>() : null;
        for (int k = 0; k < shards; k++) {
            long count = in.readLong();
            double lossSum = in.readDouble();
            long correct = in.readLong();
            int classes = in.readInt();
            if (classes != expected.classes()) {
                throw new IOException("an epoch report with a confusion matrix of " + classes + " classes; the model has "
                        + expected.classes());
            }
            long[][] confusion = new long[classes][classes];
            for (long[] row : confusion) {
                for (int j = 0; j < classes; j++) {
                    row[j] = in.readLong();
                }
            }
            validation.add(new Evaluation(count, lossSum, correct, confusion));
        }
        int stateLength = in.readInt();
        int wanted = partition == 0 ? StateCopy.stateBytes(expected.stateLengths()) : 0;
        if (stateLength != wanted || in.available() != stateLength) {
            throw new IOException("an epoch report of partition " + partition + " with " + stateLength + " bytes of state and "
                    + in.available() + " left; expected " + wanted);
        }
        // its arrays are checked when the driver takes it (the length is exact here)
        byte[] state = Arrays.copyOfRange(message, message.length - stateLength, message.length);
        return new EpochReport(generation, partition, epoch, sums, learningRate, t[0], t[1], t[2], t[3], t[4], t[5], t[6], validation,
                state);
    }

    /**
     * The driver side: checks the reports of the job under way as they arrive and hands out each
     * epoch's once every partition has sent it, in epoch order.
     */
    static final class Collector implements Rendezvous.ReportSink {
        private volatile Expected expected;
        private final Map<Integer, EpochReport[]> pending = new HashMap<>();
        private final LinkedBlockingQueue<EpochReport[]> complete = new LinkedBlockingQueue<>();
        /** The last epoch every partition has reported in the job under way. */
        private int lastComplete;

        /** Starts a job: reports of earlier jobs, complete or not, are dropped. */
        synchronized void expect(Expected next) {
            expected = next;
            pending.clear();
            complete.clear();
            lastComplete = next.fromEpoch() - 1;
        }

        @Override
        public int maxBytes() {
            Expected now = expected;
            return now == null ? -1 : now.maxBytes();
        }

        @Override
        public void accept(int partition, byte[] message) throws IOException {
            Expected now = expected;
            if (now == null || partition < 0 || partition >= now.partitions()) {
                throw new IOException("an epoch report of partition " + partition + " while no job expects it");
            }
            EpochReport report = decode(message, partition, now);
            synchronized (this) {
                if (now != expected) {
                    throw new IOException("an epoch report of a job that has ended");
                }
                if (report.epoch() <= lastComplete) {
                    throw new IOException("a report of epoch " + (report.epoch() + 1) + " from partition " + partition
                            + ", which every partition has reported");
                }
                EpochReport[] epoch = pending.computeIfAbsent(report.epoch(), e -> new EpochReport[now.partitions()]);
                if (epoch[partition] != null) {
                    throw new IOException("a second report of epoch " + (report.epoch() + 1) + " from partition " + partition);
                }
                epoch[partition] = report;
                if (Arrays.stream(epoch).allMatch(r -> r != null)) {
                    pending.remove(report.epoch());
                    lastComplete = Math.max(lastComplete, report.epoch());
                    complete.add(epoch);
                }
            }
        }

        /** The next complete epoch's reports in partition order, if they are all in; null otherwise. */
        EpochReport[] pollNow() {
            return complete.poll();
        }

        /** The next complete epoch's reports in partition order, waiting at most {@code millis}; null if none came. */
        EpochReport[] poll(long millis) throws InterruptedException {
            return complete.poll(millis, TimeUnit.MILLISECONDS);
        }
    }
}
