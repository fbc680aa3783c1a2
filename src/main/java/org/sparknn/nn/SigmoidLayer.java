package org.sparknn.nn;

/** y = 1 / (1 + exp(-x)); dy/dx = y (1 - y). */
public final class SigmoidLayer implements Layer {
    private final int size;
    private float[] input;
    private float[] output;
    private float[] gradInput;

    public SigmoidLayer(int size) {
        this.size = size;
    }

    @Override
    public int outputSize() {
        return size;
    }

    /** The logits of the last forward pass (for the fused binary cross-entropy). */
    public float[] lastInput() {
        return input;
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        input = x;
        int len = n * size;
        output = Layer.ensure(output, len);
        for (int i = 0; i < len; i++) {
            output[i] = sigmoid(x[i]);
        }
        return output;
    }

    static float sigmoid(float v) {
        // Branch keeps exp's argument non-positive, so it never overflows.
        if (v >= 0) {
            return (float) (1.0 / (1.0 + Math.exp(-v)));
        }
        double e = Math.exp(v);
        return (float) (e / (1.0 + e));
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        int len = n * size;
        gradInput = Layer.ensure(gradInput, len);
        for (int i = 0; i < len; i++) {
            float y = output[i];
            gradInput[i] = dy[i] * y * (1 - y);
        }
        return gradInput;
    }
}
