package org.sparknn.nn;

import java.util.List;

/**
 * A residual block (see {@link LayerSpec.Residual}): y = body(x) + shortcut(x), the shortcut
 * being x itself or a projection layer. Backward sends dY through both paths and adds the two
 * input gradients.
 */
public final class ResidualLayer implements Layer {
    private final List<Layer> body;
    private final Layer projection;
    private final int inSize;
    private final int outSize;
    private float[] output;
    private float[] gradInput;

    /** @param projection the shortcut's layer, or null for the identity (then the body keeps the size) */
    public ResidualLayer(int inSize, List<Layer> body, Layer projection) {
        this.inSize = inSize;
        this.body = List.copyOf(body);
        this.projection = projection;
        this.outSize = body.get(body.size() - 1).outputSize();
    }

    @Override
    public int outputSize() {
        return outSize;
    }

    /** The body's layers, then the projection if there is one. */
    public List<Layer> parts() {
        if (projection == null) {
            return body;
        }
        List<Layer> all = new java.util.ArrayList<>(body);
        all.add(projection);
        return all;
    }

    @Override
    public void initialize(long seed) {
        for (Layer l : parts()) {
            l.initialize(seed);
        }
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        float[] a = x;
        for (Layer l : body) {
            a = l.forward(a, n, pass);
        }
        float[] shortcut = projection == null ? x : projection.forward(x, n, pass);
        int len = n * outSize;
        output = Layer.ensure(output, len);
        for (int i = 0; i < len; i++) {
            output[i] = a[i] + shortcut[i];
        }
        return output;
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        float[] g = dy;
        for (int i = body.size() - 1; i >= 0; i--) {
            g = body.get(i).backward(g, n, i > 0 || needInputGrad);
        }
        float[] shortcut = projection == null ? dy : projection.backward(dy, n, needInputGrad);
        if (!needInputGrad) {
            return null;
        }
        int len = n * inSize;
        gradInput = Layer.ensure(gradInput, len);
        for (int i = 0; i < len; i++) {
            gradInput[i] = g[i] + shortcut[i];
        }
        return gradInput;
    }
}
