package org.sparknn.spark;

import org.sparknn.data.FloatFile;
import org.sparknn.nn.Network;
import org.sparknn.optim.Optimizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The state of an all-reduce epoch after {@code stepsDone} of its steps, as partition 0 sends it
 * to the driver now and then: weights, BN state, optimizer state and the epoch's sums so far.
 * Every task holds the same state bit for bit and every draw is keyed by (seed, step, sample), so
 * an epoch run again from a copy ends exactly where the failed run would have. On the wire: a
 * little-endian header, then the arrays as a {@link FloatFile}; the driver checks every length
 * against its own model before it keeps a copy.
 */
record StateCopy(int epoch, long stepsDone, Tasks.EpochSums sums, Tasks.ModelPayload model) {
    private static final String MAGIC = "SPARKNNS";
    private static final int VERSION = 1;
    private static final int HEADER = 4 + 8 + 8 + 8 + 8 + 8 + 8;

    /** The message for the state {@code net} and {@code optimizer} hold after {@code stepsDone} steps of {@code epoch}. */
    static byte[] encode(int epoch, long stepsDone, Tasks.EpochSums sums, Network net, Optimizer optimizer) {
        List<float[]> arrays = new ArrayList<>(List.of(net.store().values(), net.store().state()));
        arrays.addAll(optimizer.state());
        byte[] floats = FloatFile.encode(MAGIC, VERSION, arrays);
        ByteBuffer buf = ByteBuffer.allocate(HEADER + floats.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(epoch).putLong(stepsDone).putDouble(sums.lossSum()).putDouble(sums.penaltySum()).putLong(sums.count())
                .putLong(sums.correct()).putLong(optimizer.steps()).put(floats);
        return buf.array();
    }

    /** What the driver accepts: the epoch under way, its step count, and its model's array lengths. */
    record Expected(int epoch, long stepsPerEpoch, int[] lengths) {
        static Expected of(int epoch, long stepsPerEpoch, Network net, Optimizer optimizer) {
            List<Integer> lengths = new ArrayList<>(List.of(net.store().values().length, net.store().state().length));
            optimizer.state().forEach(a -> lengths.add(a.length));
            return new Expected(epoch, stepsPerEpoch, lengths.stream().mapToInt(Integer::intValue).toArray());
        }

        /** The exact length of a valid message. */
        int messageBytes() {
            long floats = 0;
            for (int n : lengths) {
                floats += n;
            }
            return Math.toIntExact(HEADER + MAGIC.length() + 8 + 4L * lengths.length + 4 * floats + 8);
        }
    }

    /** A message checked against what the driver expects; errors say what does not match. */
    static StateCopy decode(byte[] message, Expected expected) throws IOException {
        if (message.length != expected.messageBytes()) {
            throw new IOException("a state copy of " + message.length + " bytes; this run's are " + expected.messageBytes());
        }
        ByteBuffer buf = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
        int epoch = buf.getInt();
        long stepsDone = buf.getLong();
        Tasks.EpochSums sums = new Tasks.EpochSums(buf.getDouble(), buf.getDouble(), buf.getLong(), buf.getLong());
        long optimizerSteps = buf.getLong();
        if (epoch != expected.epoch() || stepsDone < 1 || stepsDone >= expected.stepsPerEpoch()) {
            throw new IOException("a state copy of epoch " + (epoch + 1) + " after " + stepsDone + " steps; the driver is at epoch "
                    + (expected.epoch() + 1) + " of " + expected.stepsPerEpoch() + " steps");
        }
        List<float[]> arrays = FloatFile.decode(Arrays.copyOfRange(message, HEADER, message.length), MAGIC, VERSION, "state copy");
        int[] lengths = arrays.stream().mapToInt(a -> a.length).toArray();
        if (!Arrays.equals(lengths, expected.lengths())) {
            throw new IOException("a state copy with arrays of " + Arrays.toString(lengths) + " values; this run's model has "
                    + Arrays.toString(expected.lengths()));
        }
        List<byte[]> optimizerState = new ArrayList<>();
        for (float[] a : arrays.subList(2, arrays.size())) {
            optimizerState.add(FloatBytes.encode(a, a.length));
        }
        float[] w = arrays.get(0);
        float[] s = arrays.get(1);
        return new StateCopy(epoch, stepsDone, sums, new Tasks.ModelPayload(FloatBytes.encode(w, w.length),
                FloatBytes.encode(s, s.length), optimizerSteps, optimizerState));
    }

    /** The latest state copy of the epoch under way, kept as partition 0 sends them. */
    static final class Latest implements Rendezvous.CopySink {
        private volatile StateCopy.Expected expected;
        private StateCopy latest;

        synchronized void expect(StateCopy.Expected next) {
            expected = next;
            latest = null;
        }

        synchronized StateCopy latest() {
            return latest;
        }

        @Override
        public int messageBytes() {
            StateCopy.Expected now = expected;
            return now == null ? -1 : now.messageBytes();
        }

        @Override
        public void accept(byte[] message) throws java.io.IOException {
            StateCopy.Expected now = expected;
            StateCopy copy = StateCopy.decode(message, now);
            synchronized (this) {
                if (now == expected && (latest == null || copy.stepsDone() > latest.stepsDone())) {
                    latest = copy;
                }
            }
        }
    }
}
