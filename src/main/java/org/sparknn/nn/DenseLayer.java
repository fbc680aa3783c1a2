package org.sparknn.nn;

import org.sparknn.tensor.Blas;
import org.sparknn.tensor.CounterRng;

/** y = x W^T + b; W is [out x in] row-major so each unit's incoming weights are contiguous. */
public final class DenseLayer implements Layer {
    private final int index;
    private final int in;
    private final int out;
    private final boolean heInit;
    private final ParamStore store;
    private final int wOffset;
    private final int bOffset;
    private float[] input;
    private float[] output;
    private float[] gradInput;

    public DenseLayer(int index, int in, int out, boolean heInit, ParamStore store) {
        this.index = index;
        this.in = in;
        this.out = out;
        this.heInit = heInit;
        this.store = store;
        this.wOffset = store.reserve(index, "dense" + index + ".weight", ParamGroup.WEIGHT, out * in, in);
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

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        input = x;
        output = Layer.ensure(output, n * out);
        float[] w = store.values();
        for (int r = 0; r < n; r++) {
            System.arraycopy(w, bOffset, output, r * out, out);
        }
        Blas.gemm(false, true, n, out, in, 1f, x, 0, w, wOffset, 1f, output, 0);
        return output;
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        float[] w = store.values();
        float[] g = store.grads();
        // dW += dY^T X
        Blas.gemm(true, false, out, in, n, 1f, dy, 0, input, 0, 1f, g, wOffset);
        for (int r = 0; r < n; r++) {
            int row = r * out;
            for (int j = 0; j < out; j++) {
                g[bOffset + j] += dy[row + j];
            }
        }
        if (!needInputGrad) {
            return null;
        }
        // dX = dY W
        gradInput = Layer.ensure(gradInput, n * in);
        Blas.gemm(false, false, n, in, out, 1f, dy, 0, w, wOffset, 0f, gradInput, 0);
        return gradInput;
    }
}
