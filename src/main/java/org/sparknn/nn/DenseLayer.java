package org.sparknn.nn;

import org.sparknn.tensor.Blas;
import org.sparknn.tensor.Csr;
import org.sparknn.tensor.CounterRng;

import java.util.Arrays;

/**
 * y = x W^T + b; W is [out x in] row-major so each unit's incoming weights are contiguous. As a
 * network's first layer it also takes CSR rows: then forward reads, and backward writes, only the
 * weight columns of the input features present in the batch ({@link #touchedInputs()}). For a
 * network on sparse input it is kept input-major instead, W^T [in x out], so that the weights of
 * one input (what a non-zero reads and its gradient writes) are contiguous.
 */
public final class DenseLayer implements Layer {
    private final int index;
    private final int in;
    private final int out;
    private final boolean heInit;
    private final boolean inputMajor;
    private final ParamStore store;
    private final int wOffset;
    private final int bOffset;
    private float[] input;
    private Csr sparseInput;
    private int[] touched;
    private float[] output;
    private float[] gradInput;
    /** Input-major only: the inputs whose gradient rows may be non-zero (all of them when writtenAll). */
    private int[] written = new int[0];
    private int writtenCount;
    private boolean writtenAll = true;

    public DenseLayer(int index, int in, int out, boolean heInit, ParamStore store) {
        this(index, in, out, heInit, false, store);
    }

    public DenseLayer(int index, int in, int out, boolean heInit, boolean inputMajor, ParamStore store) {
        this.index = index;
        this.in = in;
        this.out = out;
        this.heInit = heInit;
        this.inputMajor = inputMajor;
        this.store = store;
        this.wOffset = store.reserve(index, "dense" + index + ".weight", ParamGroup.WEIGHT, Math.multiplyExact(out, in), in, inputMajor);
        this.bOffset = store.reserve(index, "dense" + index + ".bias", ParamGroup.BIAS, out, 1);
    }

    @Override
    public int outputSize() {
        return out;
    }

    @Override
    public void initialize(long seed) {
        float[] w = store.values();
        long key = CounterRng.key(seed, index, 0x1417);
        // Keyed by the unit-major index, so both layouts start from the same network.
        double std = Math.sqrt(2.0 / in);
        double limit = Math.sqrt(6.0 / (in + out));
        for (int u = 0; u < out; u++) {
            for (int j = 0; j < in; j++) {
                int i = u * in + j;
                w[weightIndex(u, j)] = heInit ? (float) (std * CounterRng.gaussian(key, i))
                        : (float) (limit * (2 * CounterRng.uniform(key, i) - 1));
            }
        }
        java.util.Arrays.fill(w, bOffset, bOffset + out, 0f);
    }

    public int inputSize() {
        return in;
    }

    public int weightOffset() {
        return wOffset;
    }

    /** Whether the weights are stored input-major, W^T [in x out]. */
    public boolean inputMajor() {
        return inputMajor;
    }

    /** Index in the flat parameter array of unit u's weight from input j. */
    public int weightIndex(int u, int j) {
        return inputMajor ? wOffset + j * out + u : wOffset + u * in + j;
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        input = x;
        sparseInput = null;
        output = Layer.ensure(output, n * out);
        float[] w = store.values();
        for (int r = 0; r < n; r++) {
            System.arraycopy(w, bOffset, output, r * out, out);
        }
        Blas.gemm(false, !inputMajor, n, out, in, 1f, x, 0, w, wOffset, 1f, output, 0);
        return output;
    }

    /** Forward over CSR rows: y[r] = b + sum over the row's non-zeros (j, v) of v W[:, j]. */
    public float[] forward(Csr x) {
        int n = x.rows();
        sparseInput = x;
        input = null;
        output = Layer.ensure(output, n * out);
        float[] w = store.values();
        int[] start = x.rowStart();
        int[] columns = x.columns();
        float[] values = x.values();
        for (int r = 0; r < n; r++) {
            int row = r * out;
            System.arraycopy(w, bOffset, output, row, out);
            for (int k = start[r]; k < start[r + 1]; k++) {
                float v = values[k];
                if (inputMajor) {
                    int at = wOffset + columns[k] * out;
                    for (int u = 0; u < out; u++) {
                        output[row + u] += v * w[at + u];
                    }
                } else {
                    int at = wOffset + columns[k];
                    for (int u = 0; u < out; u++) {
                        output[row + u] += v * w[at + u * in];
                    }
                }
            }
        }
        return output;
    }

    /** dW[:, j] += sum over rows with a non-zero (j, v) of v dY[r]: only the batch's features' columns. */
    private void backwardSparse(float[] dy, float[] g) {
        Csr x = sparseInput;
        int[] start = x.rowStart();
        int[] columns = x.columns();
        float[] values = x.values();
        for (int r = 0; r < x.rows(); r++) {
            int row = r * out;
            for (int k = start[r]; k < start[r + 1]; k++) {
                float v = values[k];
                if (inputMajor) {
                    int at = wOffset + columns[k] * out;
                    for (int u = 0; u < out; u++) {
                        g[at + u] += dy[row + u] * v;
                    }
                } else {
                    int at = wOffset + columns[k];
                    for (int u = 0; u < out; u++) {
                        g[at + u * in] += dy[row + u] * v;
                    }
                }
            }
        }
        int[] all = Arrays.copyOfRange(columns, start[0], start[x.rows()]);
        Arrays.sort(all);
        int distinct = 0;
        for (int i = 0; i < all.length; i++) {
            if (i == 0 || all[i] != all[i - 1]) {
                all[distinct++] = all[i];
            }
        }
        touched = Arrays.copyOf(all, distinct);
        noteWritten(touched);
    }

    /**
     * Input-major only: records that the gradient rows of these inputs may now be non-zero (a
     * sparse backward, or sums written in by an exchange), so {@link #zeroWrittenGradients} clears them.
     */
    public void noteWritten(int[] inputs) {
        if (!inputMajor || writtenAll) {
            return;
        }
        if (writtenCount + inputs.length > written.length) {
            written = Arrays.copyOf(written, Math.max(2 * written.length, writtenCount + inputs.length));
        }
        System.arraycopy(inputs, 0, written, writtenCount, inputs.length);
        writtenCount += inputs.length;
    }

    /** The whole weight gradient may be non-zero. */
    public void noteAllWritten() {
        writtenAll = true;
    }

    /** Zeroes this layer's weight gradient: input-major, only the rows written since the last call. */
    public void zeroWeightGradients() {
        float[] g = store.grads();
        if (!inputMajor || writtenAll) {
            Arrays.fill(g, wOffset, wOffset + out * in, 0f);
            writtenAll = false;
        } else {
            for (int k = 0; k < writtenCount; k++) {
                int at = wOffset + written[k] * out;
                Arrays.fill(g, at, at + out, 0f);
            }
        }
        writtenCount = 0;
    }

    /** Input-major: whether the weight gradient is known to be zero outside rows {@link #noteWritten} was told of. */
    public boolean tracksWrittenRows() {
        return inputMajor && !writtenAll;
    }

    /**
     * The input features (sorted, distinct) whose weight columns the last backward over sparse
     * rows wrote; every other weight's gradient was left as it was. Null after a dense batch.
     */
    public int[] touchedInputs() {
        return sparseInput == null ? null : touched;
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        float[] w = store.values();
        float[] g = store.grads();
        if (sparseInput != null) {
            backwardSparse(dy, g);
        } else {
            if (inputMajor) {
                // dW^T += X^T dY
                Blas.gemm(true, false, in, out, n, 1f, input, 0, dy, 0, 1f, g, wOffset);
                writtenAll = true;
            } else {
                // dW += dY^T X
                Blas.gemm(true, false, out, in, n, 1f, dy, 0, input, 0, 1f, g, wOffset);
            }
        }
        for (int r = 0; r < n; r++) {
            int row = r * out;
            for (int j = 0; j < out; j++) {
                g[bOffset + j] += dy[row + j];
            }
        }
        if (!needInputGrad) {
            return null;
        }
        if (sparseInput != null) {
            throw new IllegalStateException("dense" + index + " took sparse rows; as the first layer it gives no input gradient");
        }
        // dX = dY W
        gradInput = Layer.ensure(gradInput, n * in);
        Blas.gemm(false, inputMajor, n, in, out, 1f, dy, 0, w, wOffset, 0f, gradInput, 0);
        return gradInput;
    }
}
