package org.sparknn.optim;

import java.util.List;

/** AdaGrad: G <- G + g^2; w <- w - lr g / (sqrt(G) + eps). */
public final class AdaGrad extends StepCounter {
    private final float epsilon;
    private final float[] sumSquares;

    public AdaGrad(int size, double epsilon) {
        this.epsilon = (float) epsilon;
        this.sumSquares = new float[size];
    }

    @Override
    public String name() {
        return "adagrad";
    }

    @Override
    public void update(float[] w, float[] g, int from, int to, float lr, float decay) {
        float[] s = sumSquares;
        for (int i = from; i < to; i++) {
            float gi = g[i];
            s[i] += gi * gi;
            w[i] -= lr * (gi / ((float) Math.sqrt(s[i]) + epsilon) + decay * w[i]);
        }
    }

    @Override
    public void update(float[] w, int from, int to, float[] g, int gFrom, float lr, float decay) {
        int shift = gFrom - from;
        float[] s = sumSquares;
        for (int i = from; i < to; i++) {
            float gi = g[i + shift];
            s[i] += gi * gi;
            w[i] -= lr * (gi / ((float) Math.sqrt(s[i]) + epsilon) + decay * w[i]);
        }
    }

    @Override
    public List<float[]> state() {
        return List.of(sumSquares);
    }
}
