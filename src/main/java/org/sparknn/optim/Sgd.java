package org.sparknn.optim;

import java.util.List;

/**
 * Stochastic gradient descent, optionally with momentum (v <- mu v + g; w <- w - lr v) or
 * Nesterov momentum (w <- w - lr (g + mu v), with v already updated).
 */
public final class Sgd extends StepCounter {
    private final float momentum;
    private final boolean nesterov;
    private final float[] velocity;

    public Sgd(int size, double momentum, boolean nesterov) {
        this.momentum = (float) momentum;
        this.nesterov = nesterov;
        this.velocity = momentum > 0 ? new float[size] : new float[0];
    }

    @Override
    public String name() {
        return momentum == 0 ? "sgd" : nesterov ? "nesterov" : "momentum";
    }

    @Override
    public void update(float[] w, float[] g, int from, int to, float lr, float decay) {
        if (momentum == 0) {
            for (int i = from; i < to; i++) {
                w[i] -= lr * (g[i] + decay * w[i]);
            }
            return;
        }
        float[] v = velocity;
        for (int i = from; i < to; i++) {
            float gi = g[i];
            float vi = momentum * v[i] + gi;
            v[i] = vi;
            float step = nesterov ? gi + momentum * vi : vi;
            w[i] -= lr * (step + decay * w[i]);
        }
    }

    @Override
    public void update(float[] w, int from, int to, float[] g, int gFrom, float lr, float decay) {
        int shift = gFrom - from;
        if (momentum == 0) {
            for (int i = from; i < to; i++) {
                w[i] -= lr * (g[i + shift] + decay * w[i]);
            }
            return;
        }
        float[] v = velocity;
        for (int i = from; i < to; i++) {
            float gi = g[i + shift];
            float vi = momentum * v[i] + gi;
            v[i] = vi;
            float step = nesterov ? gi + momentum * vi : vi;
            w[i] -= lr * (step + decay * w[i]);
        }
    }

    @Override
    public List<float[]> state() {
        return List.of(velocity);
    }
}
