package org.sparknn.nn;

/** y = max(0, x), or alpha * x for x <= 0 when leaky (alpha in [0, 1)). */
public final class ReluLayer implements Layer {
    private final int size;
    private final float alpha;
    private float[] output;
    private float[] gradInput;

    public ReluLayer(int size, double alpha) {
        this.size = size;
        this.alpha = (float) alpha;
    }

    @Override
    public int outputSize() {
        return size;
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        int len = n * size;
        output = Layer.ensure(output, len);
        for (int i = 0; i < len; i++) {
            float v = x[i];
            output[i] = v > 0 ? v : alpha * v;
        }
        return output;
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        int len = n * size;
        gradInput = Layer.ensure(gradInput, len);
        // With alpha >= 0 the output is positive exactly where the input is.
        for (int i = 0; i < len; i++) {
            gradInput[i] = output[i] > 0 ? dy[i] : alpha * dy[i];
        }
        return gradInput;
    }
}
