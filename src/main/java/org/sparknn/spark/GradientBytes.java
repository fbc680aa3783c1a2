package org.sparknn.spark;

import org.sparknn.nn.DenseLayer;
import org.sparknn.nn.Network;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A task's gradient sum on the wire (little-endian). After a dense batch: every gradient. After
 * a sparse batch: of the first layer's weights only the columns of the features the batch held
 * (feature index, then that column's value for each unit), every other parameter in full; the
 * first layer's other weight gradients are exactly zero, so adding this into a sum gives the same
 * bits as adding the dense form.
 */
final class GradientBytes {
    private static final int DENSE = 0;
    private static final int SPARSE = 1;

    private GradientBytes() {}

    /** The gradient sum the network's last {@code gradientSum} left in its store. */
    static byte[] encode(Network net) {
        float[] g = net.store().grads();
        int size = net.store().size();
        int[] touched = net.touchedInputs();
        if (touched == null) {
            ByteBuffer buf = buffer(4 + 4L * size);
            buf.putInt(DENSE);
            buf.asFloatBuffer().put(g, 0, size);
            return buf.array();
        }
        DenseLayer first = net.sparseInputLayer();
        int in = first.inputSize();
        int units = first.outputSize();
        int from = first.weightOffset();
        int to = from + units * in;
        ByteBuffer buf = buffer(4 * (2L + touched.length * (1L + units) + size - (long) units * in));
        buf.putInt(SPARSE).putInt(touched.length);
        for (int j : touched) {
            buf.putInt(j);
            for (int u = 0; u < units; u++) {
                buf.putFloat(g[first.weightIndex(u, j)]);
            }
        }
        buf.asFloatBuffer().put(g, 0, from).put(g, to, size - to);
        return buf.array();
    }

    /**
     * Adds the encoded gradient into {@code sum}, the network's flat gradient array. Returns the
     * first layer's columns it held (null: all of them); on sparse input the layer is told of them.
     */
    static int[] addTo(byte[] bytes, Network net, float[] sum) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int size = net.store().size();
        int kind = buf.getInt();
        int from = 0;
        int to = 0;
        int[] held = null;
        if (kind == SPARSE) {
            DenseLayer first = net.sparseInputLayer();
            int in = first.inputSize();
            int units = first.outputSize();
            from = first.weightOffset();
            to = from + units * in;
            int columns = buf.getInt();
            if (columns < 0 || columns > in || (long) columns * (1 + units) * 4 > buf.remaining()) {
                throw new IllegalArgumentException("a gradient announcing " + columns + " columns does not fit " + bytes.length + " bytes");
            }
            held = new int[columns];
            for (int c = 0; c < columns; c++) {
                int j = buf.getInt();
                if (j < 0 || j >= in || (c > 0 && j <= held[c - 1])) {
                    throw new IllegalArgumentException("gradient column " + j + " outside 0.." + (in - 1) + " or not ascending");
                }
                held[c] = j;
                for (int u = 0; u < units; u++) {
                    sum[first.weightIndex(u, j)] += buf.getFloat();
                }
            }
            first.noteWritten(held);
        } else if (kind != DENSE) {
            throw new IllegalArgumentException("unknown gradient encoding " + kind);
        }
        if (buf.remaining() != 4 * (size - (to - from))) {
            throw new IllegalArgumentException("gradient of " + bytes.length + " bytes does not fit " + size + " parameters");
        }
        for (int i = 0; i < from; i++) {
            sum[i] += buf.getFloat();
        }
        for (int i = to; i < size; i++) {
            sum[i] += buf.getFloat();
        }
        if (held == null) {
            net.noteAllGradientsWritten();
        }
        return held;
    }

    private static ByteBuffer buffer(long bytes) {
        return ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
    }
}
