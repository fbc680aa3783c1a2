package org.sparknn.nn;

import org.sparknn.tensor.Rectifier;

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
        Rectifier.forward(x, output, len, alpha);
        return output;
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        int len = n * size;
        gradInput = Layer.ensure(gradInput, len);
        Rectifier.backward(output, dy, gradInput, len, alpha);
        return gradInput;
    }
}
