package org.sparknn.nn;

/**
 * Row-wise softmax. Its own backward (Jacobian-vector product) serves other losses; with the
 * softmax cross-entropy loss the network skips it and the loss returns p - onehot directly.
 */
public final class SoftmaxLayer implements Layer {
    private final int size;
    private float[] input;
    private float[] output;
    private float[] gradInput;

    public SoftmaxLayer(int size) {
        this.size = size;
    }

    @Override
    public int outputSize() {
        return size;
    }

    /** The logits of the last forward pass (for the fused loss). */
    public float[] lastInput() {
        return input;
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        input = x;
        output = Layer.ensure(output, n * size);
        for (int r = 0; r < n; r++) {
            int o = r * size;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < size; j++) {
                max = Math.max(max, x[o + j]);
            }
            double sum = 0;
            for (int j = 0; j < size; j++) {
                float e = (float) Math.exp(x[o + j] - max);
                output[o + j] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            for (int j = 0; j < size; j++) {
                output[o + j] *= inv;
            }
        }
        return output;
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        gradInput = Layer.ensure(gradInput, n * size);
        // dx_j = y_j (dy_j - sum_k dy_k y_k)
        for (int r = 0; r < n; r++) {
            int o = r * size;
            double dot = 0;
            for (int j = 0; j < size; j++) {
                dot += (double) dy[o + j] * output[o + j];
            }
            for (int j = 0; j < size; j++) {
                gradInput[o + j] = (float) (output[o + j] * (dy[o + j] - dot));
            }
        }
        return gradInput;
    }
}
