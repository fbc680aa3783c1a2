package org.sparknn.optim;

import java.util.List;

/**
 * Adam with bias-corrected moments: m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2;
 * w <- w - lr (m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps) + decay w).
 * With decay > 0 this is AdamW: the decay never passes through the moments, unlike an L2
 * penalty, whose gradient Adam would rescale.
 */
public final class Adam extends StepCounter {
    private final String name;
    private final double beta1;
    private final double beta2;
    private final float epsilon;
    private final float[] m;
    private final float[] v;

    public Adam(String name, int size, double beta1, double beta2, double epsilon) {
        this.name = name;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = (float) epsilon;
        this.m = new float[size];
        this.v = new float[size];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void update(float[] w, float[] g, int from, int to, float lr, float decay) {
        if (t == 0) {
            throw new IllegalStateException("beginStep() must be called before update()");
        }
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float c1 = (float) (1.0 / (1.0 - Math.pow(beta1, t)));
        float c2 = (float) (1.0 / (1.0 - Math.pow(beta2, t)));
        for (int i = from; i < to; i++) {
            float gi = g[i];
            float mi = b1 * m[i] + (1 - b1) * gi;
            float vi = b2 * v[i] + (1 - b2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            float step = (mi * c1) / ((float) Math.sqrt(vi * c2) + epsilon);
            w[i] -= lr * (step + decay * w[i]);
        }
    }

    @Override
    public void update(float[] w, int from, int to, float[] g, int gFrom, float lr, float decay) {
        int shift = gFrom - from;
        if (t == 0) {
            throw new IllegalStateException("beginStep() must be called before update()");
        }
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float c1 = (float) (1.0 / (1.0 - Math.pow(beta1, t)));
        float c2 = (float) (1.0 / (1.0 - Math.pow(beta2, t)));
        for (int i = from; i < to; i++) {
            float gi = g[i + shift];
            float mi = b1 * m[i] + (1 - b1) * gi;
            float vi = b2 * v[i] + (1 - b2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            float step = (mi * c1) / ((float) Math.sqrt(vi * c2) + epsilon);
            w[i] -= lr * (step + decay * w[i]);
        }
    }

    @Override
    public List<float[]> state() {
        return List.of(m, v);
    }
}
