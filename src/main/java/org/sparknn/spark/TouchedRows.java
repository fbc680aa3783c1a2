package org.sparknn.spark;

import org.sparknn.nn.DenseLayer;
import org.sparknn.nn.Network;
import org.sparknn.nn.ParamBlock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A step on sparse input exchanges only what its batch can have changed: the union of the inputs
 * (first-layer weight rows, input-major) that any partition's batch held, then a compact gradient
 * of those rows and every other parameter, of the same length on every task, all-reduced as
 * usual. Every task adds the same values in the same partition order as the dense exchange
 * would (rows no batch held are zero everywhere), so the sums are the same bits.
 */
final class TouchedRows {
    private TouchedRows() {}

    /** The figures message of a task's inputs (sorted, distinct). */
    static byte[] encode(int[] inputs) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * inputs.length).order(ByteOrder.LITTLE_ENDIAN).putInt(inputs.length);
        for (int j : inputs) {
            b.putInt(j);
        }
        return b.array();
    }

    /** Decodes and checks a partition's inputs: ascending, within 0..inputs-1. */
    static int[] decode(byte[] message, int inputs, int partition) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
        int n = message.length >= 4 ? b.getInt() : -1;
        if (n < 0 || message.length != 4 + 4L * n) {
            throw new IOException("partition " + partition + " sent a malformed list of inputs (" + message.length + " bytes)");
        }
        int[] out = new int[n];
        for (int k = 0; k < n; k++) {
            int j = b.getInt();
            if (j < 0 || j >= inputs || (k > 0 && j <= out[k - 1])) {
                throw new IOException("partition " + partition + " sent input " + j + ", not ascending within 0.." + (inputs - 1));
            }
            out[k] = j;
        }
        return out;
    }

    /** The sorted union of sorted, distinct lists. */
    static int[] union(List<int[]> lists) {
        int total = 0;
        for (int[] l : lists) {
            total += l.length;
        }
        int[] all = new int[total];
        int at = 0;
        for (int[] l : lists) {
            System.arraycopy(l, 0, all, at, l.length);
            at += l.length;
        }
        java.util.Arrays.sort(all);
        int distinct = 0;
        for (int i = 0; i < all.length; i++) {
            if (i == 0 || all[i] != all[i - 1]) {
                all[distinct++] = all[i];
            }
        }
        return java.util.Arrays.copyOf(all, distinct);
    }

    /** Floats of the compact gradient over {@code rows}: every parameter outside the sparse block, then the rows. */
    static int compactLength(Network net, int[] rows) {
        ParamBlock sparse = sparseBlock(net);
        return Math.addExact(net.store().size() - sparse.length(), Math.multiplyExact(rows.length, sparse.units()));
    }

    /** Copies the gradient's parameters outside the sparse block, then its rows {@code rows}, into out[0, compactLength). */
    static void pack(Network net, int[] rows, float[] out) {
        float[] g = net.store().grads();
        ParamBlock sparse = sparseBlock(net);
        int units = sparse.units();
        System.arraycopy(g, 0, out, 0, sparse.offset());
        int at = sparse.offset();
        int rest = net.store().size() - sparse.end();
        System.arraycopy(g, sparse.end(), out, at, rest);
        at += rest;
        for (int j : rows) {
            System.arraycopy(g, sparse.offset() + j * units, out, at, units);
            at += units;
        }
    }

    /** The inverse of {@link #pack}: the summed compact gradient back into the network's grads (the first layer told of the rows). */
    static void unpack(float[] in, Network net, int[] rows) {
        float[] g = net.store().grads();
        ParamBlock sparse = sparseBlock(net);
        int units = sparse.units();
        System.arraycopy(in, 0, g, 0, sparse.offset());
        int at = sparse.offset();
        int rest = net.store().size() - sparse.end();
        System.arraycopy(in, at, g, sparse.end(), rest);
        at += rest;
        for (int j : rows) {
            System.arraycopy(in, at, g, sparse.offset() + j * units, units);
            at += units;
        }
        ((DenseLayer) net.layers().get(0)).noteWritten(rows);
    }

    private static ParamBlock sparseBlock(Network net) {
        ParamBlock b = net.store().blocks().get(0);
        if (!b.inputMajor()) {
            throw new IllegalStateException("the network does not take sparse input (its first weights are not input-major)");
        }
        return b;
    }
}
