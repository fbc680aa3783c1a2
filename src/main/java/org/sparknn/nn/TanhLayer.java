package org.sparknn.nn;

/** y = tanh(x); dy/dx = 1 - y^2. */
public final class TanhLayer implements Layer {
    private final int size;
    private float[] output;
    private float[] gradInput;

    public TanhLayer(int size) {
        this.size = size;
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
            output[i] = (float) Math.tanh(x[i]);
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
        for (int i = 0; i < len; i++) {
            float y = output[i];
            gradInput[i] = dy[i] * (1 - y * y);
        }
        return gradInput;
    }
}
