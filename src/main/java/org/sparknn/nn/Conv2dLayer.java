package org.sparknn.nn;

import org.sparknn.tensor.Blas;
import org.sparknn.tensor.CounterRng;
import org.sparknn.tensor.Im2col;

/**
 * 2-d convolution of NCHW rows (see {@link LayerSpec.Conv2d}) as one matrix product per group of
 * samples: im2col lays the group's windows out as the columns of a [K x g*P] matrix (K = inC *
 * kh * kw values per window, P = outH * outW windows per sample), and Y = W col with W of shape
 * [outC x K] row-major, so each output channel's weights are contiguous (max-norm works on them
 * like on a dense unit's). Backward reuses the forward pass's columns when the batch fit in one
 * group (a column budget of 8 MB), and recomputes them otherwise: im2col costs 1/outC of the
 * product, and a large batch's columns would take hundreds of MB.
 * <p>
 * The input gradient of a stride-1 square kernel is itself a convolution: of dY, padded by
 * k - 1 - padding, with the kernels flipped and in/out channels swapped. That product has inner
 * dimension outC * k * k, where the col2im route (W^T dY, then adding windows back) has only
 * outC and runs at half the speed in the BLAS; other strides take the col2im route.
 */
public final class Conv2dLayer implements Layer {
    /** Floats of the column buffer a group may use: the product's n dimension grows to fill it. */
    private static final int COLUMN_BUDGET = 1 << 21;

    private final int index;
    private final Im2col geometry;
    /** Geometry of the input gradient as a convolution of dY; null where col2im is used. */
    private final Im2col transposed;
    private final int inC;
    private final int outC;
    private final int k;
    private final int p;
    private final boolean heInit;
    private final ParamStore store;
    private final int wOffset;
    private final int bOffset;
    private final int group;
    private float[] col;
    private float[] product;
    private float[] flipped;
    private float[] input;
    private float[] output;
    private float[] gradInput;
    /** Whether col still holds the windows of the last forward batch (it fit in one group), for backward to reuse. */
    private boolean columnsHeld;

    public Conv2dLayer(int index, int inC, int inH, int inW, int outC, int kh, int kw, int stride, int padding,
                       boolean heInit, ParamStore store) {
        this.index = index;
        this.geometry = new Im2col(inC, inH, inW, kh, kw, stride, padding);
        this.transposed = stride == 1 && kh == kw
                ? new Im2col(outC, geometry.outHeight(), geometry.outWidth(), kh, kw, 1, kh - 1 - padding) : null;
        this.inC = inC;
        this.outC = outC;
        this.k = geometry.rows();
        this.p = geometry.windows();
        this.heInit = heInit;
        this.store = store;
        this.wOffset = store.reserve(index, "conv" + index + ".weight", ParamGroup.WEIGHT, Math.multiplyExact(outC, k), k);
        this.bOffset = store.reserve(index, "conv" + index + ".bias", ParamGroup.BIAS, outC, 1);
        int perSample = Math.max(k * p, outC * p);
        if (transposed != null) {
            perSample = Math.max(perSample, transposed.rows() * transposed.windows());
        }
        this.group = Math.max(1, COLUMN_BUDGET / perSample);
    }

    @Override
    public int outputSize() {
        return outC * p;
    }

    @Override
    public void initialize(long seed) {
        float[] w = store.values();
        long key = CounterRng.key(seed, index, 0xC04D);
        int fanIn = k;
        int fanOut = outC * geometry.kernelArea();
        if (heInit) {
            double std = Math.sqrt(2.0 / fanIn);
            for (int i = 0; i < outC * k; i++) {
                w[wOffset + i] = (float) (std * CounterRng.gaussian(key, i));
            }
        } else {
            double limit = Math.sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < outC * k; i++) {
                w[wOffset + i] = (float) (limit * (2 * CounterRng.uniform(key, i) - 1));
            }
        }
        java.util.Arrays.fill(w, bOffset, bOffset + outC, 0f);
    }

    /** Sizes the scratch buffers for groups of up to g samples (small batches, e.g. scoring one row, stay small). */
    private void scratch(int g) {
        int cols = g * k * p;
        int products = g * outC * p;
        if (transposed != null) {
            cols = Math.max(cols, g * transposed.rows() * transposed.windows());
            products = Math.max(products, g * inC * transposed.windows());
        }
        col = Layer.ensure(col, cols);
        product = Layer.ensure(product, products);
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        input = x;
        int outSize = outC * p;
        output = Layer.ensure(output, n * outSize);
        scratch(Math.min(n, group));
        float[] w = store.values();
        columnsHeld = n <= group;
        for (int first = 0; first < n; first += group) {
            int g = Math.min(group, n - first);
            int ld = g * p;
            for (int s = 0; s < g; s++) {
                geometry.toColumns(x, (first + s) * geometry.inputSize(), col, s * p, ld);
            }
            // [outC x g*P] = W [outC x K] col [K x g*P]
            Blas.gemm(false, false, outC, ld, k, 1f, w, wOffset, col, 0, 0f, product, 0);
            for (int s = 0; s < g; s++) {
                int o = (first + s) * outSize;
                for (int c = 0; c < outC; c++) {
                    float bias = w[bOffset + c];
                    int from = c * ld + s * p;
                    int to = o + c * p;
                    for (int j = 0; j < p; j++) {
                        output[to + j] = product[from + j] + bias;
                    }
                }
            }
        }
        return output;
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        float[] w = store.values();
        float[] grads = store.grads();
        int outSize = outC * p;
        scratch(Math.min(n, group));
        double[] dBias = new double[outC];
        for (int first = 0; first < n; first += group) {
            int g = Math.min(group, n - first);
            int ld = g * p;
            // dY of the group as [outC x g*P], the layout of the forward product
            for (int s = 0; s < g; s++) {
                int o = (first + s) * outSize;
                for (int c = 0; c < outC; c++) {
                    System.arraycopy(dy, o + c * p, product, c * ld + s * p, p);
                    double sum = 0;
                    for (int j = 0; j < p; j++) {
                        sum += dy[o + c * p + j];
                    }
                    dBias[c] += sum;
                }
            }
            if (!(columnsHeld && n <= group)) {
                for (int s = 0; s < g; s++) {
                    geometry.toColumns(input, (first + s) * geometry.inputSize(), col, s * p, ld);
                }
            }
            // dW += dY [outC x g*P] col^T [g*P x K]
            Blas.gemm(false, true, outC, k, ld, 1f, product, 0, col, 0, 1f, grads, wOffset);
            if (needInputGrad && transposed == null) {
                // dcol [K x g*P] = W^T dY, then each window's gradient is added back where it was read
                Blas.gemm(true, false, k, ld, outC, 1f, w, wOffset, product, 0, 0f, col, 0);
                gradInput = Layer.ensure(gradInput, n * geometry.inputSize());
                for (int s = 0; s < g; s++) {
                    geometry.addColumns(col, s * p, ld, gradInput, (first + s) * geometry.inputSize());
                }
            }
        }
        columnsHeld = false; // the input-gradient products below (and col2im above) write over col
        for (int c = 0; c < outC; c++) {
            grads[bOffset + c] += (float) dBias[c];
        }
        if (!needInputGrad) {
            return null;
        }
        if (transposed != null) {
            inputGradientByConvolution(dy, n, w);
        }
        return gradInput;
    }

    /** dX = dY convolved with the flipped kernels, channels swapped (stride 1, square kernel). */
    private void inputGradientByConvolution(float[] dy, int n, float[] w) {
        int kk = geometry.kernelArea();
        int k2 = transposed.rows();
        int area = transposed.windows();
        int inSize = geometry.inputSize();
        // flipped [inC x outC*kh*kw]: flipped[ci][co][t] = W[co][ci][kk-1-t]
        flipped = Layer.ensure(flipped, inC * k2);
        for (int co = 0; co < outC; co++) {
            for (int ci = 0; ci < inC; ci++) {
                int from = wOffset + (co * inC + ci) * kk;
                int to = (ci * outC + co) * kk;
                for (int t = 0; t < kk; t++) {
                    flipped[to + t] = w[from + kk - 1 - t];
                }
            }
        }
        gradInput = Layer.ensure(gradInput, n * inSize);
        for (int first = 0; first < n; first += group) {
            int g = Math.min(group, n - first);
            int ld = g * area;
            for (int s = 0; s < g; s++) {
                transposed.toColumns(dy, (first + s) * outC * p, col, s * area, ld);
            }
            // [inC x g*H*W] = flipped [inC x outC*kh*kw] cols(dY)
            Blas.gemm(false, false, inC, ld, k2, 1f, flipped, 0, col, 0, 0f, product, 0);
            for (int s = 0; s < g; s++) {
                for (int ci = 0; ci < inC; ci++) {
                    System.arraycopy(product, ci * ld + s * area, gradInput, (first + s) * inSize + ci * area, area);
                }
            }
        }
    }
}
