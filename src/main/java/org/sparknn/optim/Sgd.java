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
            float vi = momentum * v[i] + g[i];
            v[i] = vi;
            float step = nesterov ? g[i] + momentum * vi : vi;
            w[i] -= lr * (step + decay * w[i]);
        }
    }

    @Override
    public List<float[]> state() {
        return List.of(velocity);
    }
}
