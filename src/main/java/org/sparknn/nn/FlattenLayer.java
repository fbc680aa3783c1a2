package org.sparknn.nn;

/**
 * Marks where a multi-dimensional input (a model's inputShape) is taken as one vector per
 * sample. Every layer stores its activations as flat rows already, so data passes through.
 */
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
