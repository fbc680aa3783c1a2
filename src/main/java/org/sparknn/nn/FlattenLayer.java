package org.sparknn.nn;

/** Reshapes [n x c x h x w] to [n x chw]; activations are already flat, so data passes through. */
public final class FlattenLayer implements Layer {
    private final int size;

    public FlattenLayer(int size) {
        this.size = size;
    }

    @Override
    public int outputSize() {
        return size;
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        return x;
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        return needInputGrad ? dy : null;
    }
}
