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
    private static final int HEADER = 4 + 8 + 8 + 8 + 8 + 8;

    /** The message for the state {@code net} and {@code optimizer} hold after {@code stepsDone} steps of {@code epoch}. */
    static byte[] encode(int epoch, long stepsDone, Tasks.EpochSums sums, Network net, Optimizer optimizer) {
        List<float[]> arrays = arrays(net, optimizer);
        ByteBuffer buf = ByteBuffer.allocate(HEADER + stateBytes(arrays)).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(epoch).putLong(stepsDone).putDouble(sums.lossSum()).putDouble(sums.penaltySum()).putLong(sums.count())
                .putLong(sums.correct());
        writeState(buf, optimizer.steps(), arrays);
        return buf.array();
    }

    /** Weights, BN state, the optimizer's step count and its state arrays, as copies and epoch reports carry them. */
    static byte[] encodeState(Network net, Optimizer optimizer) {
        return encodeState(optimizer.steps(), arrays(net, optimizer));
    }

    /** {@link #encodeState(Network, Optimizer)} of a {@link #snapshot}. */
    static byte[] encodeState(long optimizerSteps, List<float[]> arrays) {
        ByteBuffer buf = ByteBuffer.allocate(stateBytes(arrays)).order(ByteOrder.LITTLE_ENDIAN);
        writeState(buf, optimizerSteps, arrays);
        return buf.array();
    }

    /** Writes {@link #encodeState}'s bytes into {@code out} (array-backed, of either byte order) at its position, each value copied once. */
    static void writeState(ByteBuffer out, long optimizerSteps, List<float[]> arrays) {
        ByteOrder order = out.order();
        out.order(ByteOrder.LITTLE_ENDIAN).putLong(optimizerSteps);
        out.order(order);
        FloatFile.encodeInto(out, MAGIC, VERSION, arrays);
    }

    /** The length of {@link #encodeState}'s bytes for these arrays. */
    static int stateBytes(List<float[]> arrays) {
        return stateBytes(arrays.stream().mapToInt(a -> a.length).toArray());
    }

    /**
     * Copies of the arrays {@link #encodeState} writes (weights, BN state, optimizer state), so
     * that the state can be encoded and sent while training changes the originals.
     */
    static List<float[]> snapshot(Network net, Optimizer optimizer) {
        List<float[]> copies = new ArrayList<>();
        for (float[] a : arrays(net, optimizer)) {
            copies.add(a.clone());
        }
        return copies;
    }

    private static List<float[]> arrays(Network net, Optimizer optimizer) {
        List<float[]> arrays = new ArrayList<>(List.of(net.store().values(), net.store().state()));
        arrays.addAll(optimizer.state());
        return arrays;
    }

    /** The state {@link #encodeState} wrote, its array lengths checked against {@code lengths}; {@code what} names it in errors. */
    static Tasks.ModelPayload decodeState(byte[] bytes, int offset, int[] lengths, String what) throws IOException {
        FloatFile.Layout arrays = readState(bytes, offset, lengths, what);
        List<byte[]> optimizerState = new ArrayList<>();
        for (int i = 2; i < arrays.count(); i++) {
            optimizerState.add(arrays.bytesOf(i)); // the payload's bytes are the file's: little-endian floats
        }
        return new Tasks.ModelPayload(arrays.bytesOf(0), arrays.bytesOf(1), optimizerSteps(bytes, offset), optimizerState);
    }

    /**
     * The state {@link #encodeState} wrote, checked as {@link #decodeState} checks it, copied
     * straight into {@code net}'s weights and BN state and {@code optimizer}'s state and step
     * count; nothing is written unless every check passes.
     */
    static void loadState(byte[] bytes, int offset, Network net, Optimizer optimizer, String what) throws IOException {
        FloatFile.Layout arrays = readState(bytes, offset, stateLengths(net, optimizer), what);
        List<float[]> into = arrays(net, optimizer);
        for (int i = 0; i < into.size(); i++) {
            arrays.copyInto(i, into.get(i));
        }
        optimizer.setSteps(optimizerSteps(bytes, offset));
    }

    private static FloatFile.Layout readState(byte[] bytes, int offset, int[] lengths, String what) throws IOException {
        if (bytes.length - offset < 8) {
            throw new IOException(what + " ends before its state");
        }
        FloatFile.Layout arrays = FloatFile.read(bytes, offset + 8, bytes.length, MAGIC, VERSION, what);
        if (!Arrays.equals(arrays.lengths(), lengths)) {
            throw new IOException(what + " with arrays of " + Arrays.toString(arrays.lengths()) + " values; this run's model has "
                    + Arrays.toString(lengths));
        }
        return arrays;
    }

    private static long optimizerSteps(byte[] bytes, int offset) {
        return ByteBuffer.wrap(bytes, offset, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The exact length of {@link #encodeState}'s bytes for arrays of these lengths. */
    static int stateBytes(int[] lengths) {
        long floats = 0;
        for (int n : lengths) {
            floats += n;
        }
        return Math.toIntExact(8 + MAGIC.length() + 8 + 4L * lengths.length + 4 * floats + 8);
    }

    /** The lengths of the arrays the state of {@code net} and {@code optimizer} holds. */
    static int[] stateLengths(Network net, Optimizer optimizer) {
        List<Integer> lengths = new ArrayList<>(List.of(net.store().values().length, net.store().state().length));
        optimizer.state().forEach(a -> lengths.add(a.length));
        return lengths.stream().mapToInt(Integer::intValue).toArray();
    }

    /** What the driver accepts: an epoch of the job under way ({@code fromEpoch} to {@code toEpoch}, exclusive), its step count, and its model's array lengths. */
    record Expected(int fromEpoch, int toEpoch, long stepsPerEpoch, int[] lengths) {
        static Expected of(int epoch, long stepsPerEpoch, Network net, Optimizer optimizer) {
            return of(epoch, epoch + 1, stepsPerEpoch, net, optimizer);
        }

        static Expected of(int fromEpoch, int toEpoch, long stepsPerEpoch, Network net, Optimizer optimizer) {
            return new Expected(fromEpoch, toEpoch, stepsPerEpoch, stateLengths(net, optimizer));
        }

        /** The exact length of a valid message. */
        int messageBytes() {
            return HEADER + stateBytes(lengths);
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
        if (epoch < expected.fromEpoch() || epoch >= expected.toEpoch() || stepsDone < 1 || stepsDone >= expected.stepsPerEpoch()) {
            throw new IOException("a state copy of epoch " + (epoch + 1) + " after " + stepsDone + " steps; the driver runs epochs "
                    + (expected.fromEpoch() + 1) + " to " + expected.toEpoch() + " of " + expected.stepsPerEpoch() + " steps");
        }
        return new StateCopy(epoch, stepsDone, sums, decodeState(message, HEADER, expected.lengths(), "a state copy"));
    }

    /** The most advanced state copy of the job under way, kept as partition 0 sends them. */
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

        /** The latest copy if it is part way through {@code epoch}, else null. */
        synchronized StateCopy latestOf(int epoch) {
            return latest != null && latest.epoch() == epoch ? latest : null;
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
                if (now == expected && (latest == null || copy.epoch() > latest.epoch()
                        || copy.epoch() == latest.epoch() && copy.stepsDone() > latest.stepsDone())) {
                    latest = copy;
                }
            }
        }
    }
}
