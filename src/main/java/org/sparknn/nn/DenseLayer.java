package org.sparknn.nn;

import org.sparknn.tensor.Blas;
import org.sparknn.tensor.Csr;
import org.sparknn.tensor.CounterRng;

import java.util.Arrays;

/**
 * y = x W^T + b; W is [out x in] row-major so each unit's incoming weights are contiguous. As a
 * network's first layer it also takes CSR rows: then forward reads, and backward writes, only the
 * weight columns of the input features present in the batch ({@link #touchedInputs()}).
 */
public final class DenseLayer implements Layer {
    private final int index;
    private final int in;
    private final int out;
    private final boolean heInit;
    private final ParamStore store;
    private final int wOffset;
    private final int bOffset;
    private float[] input;
    private Csr sparseInput;
    private int[] touched;
    private float[] output;
    private float[] gradInput;

    public DenseLayer(int index, int in, int out, boolean heInit, ParamStore store) {
        this.index = index;
        this.in = in;
        this.out = out;
        this.heInit = heInit;
        this.store = store;
        this.wOffset = store.reserve(index, "dense" + index + ".weight", ParamGroup.WEIGHT, Math.multiplyExact(out, in), in);
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
        if (heInit) {
            double std = Math.sqrt(2.0 / in);
            for (int i = 0; i < out * in; i++) {
                w[wOffset + i] = (float) (std * CounterRng.gaussian(key, i));
            }
        } else {
            double limit = Math.sqrt(6.0 / (in + out));
            for (int i = 0; i < out * in; i++) {
                w[wOffset + i] = (float) (limit * (2 * CounterRng.uniform(key, i) - 1));
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

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        input = x;
        sparseInput = null;
        output = Layer.ensure(output, n * out);
        float[] w = store.values();
        for (int r = 0; r < n; r++) {
            System.arraycopy(w, bOffset, output, r * out, out);
        }
        Blas.gemm(false, true, n, out, in, 1f, x, 0, w, wOffset, 1f, output, 0);
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
                int at = wOffset + columns[k];
                float v = values[k];
                for (int u = 0; u < out; u++) {
                    output[row + u] += v * w[at + u * in];
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
                int at = wOffset + columns[k];
                float v = values[k];
                for (int u = 0; u < out; u++) {
                    g[at + u * in] += dy[row + u] * v;
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
            // dW += dY^T X
            Blas.gemm(true, false, out, in, n, 1f, dy, 0, input, 0, 1f, g, wOffset);
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
        Blas.gemm(false, false, n, in, out, 1f, dy, 0, w, wOffset, 0f, gradInput, 0);
        return gradInput;
    }
}
