package org.sparknn.optim;

import java.util.List;

/** RMSProp: E <- rho E + (1 - rho) g^2; w <- w - lr g / (sqrt(E) + eps). */
public final class RmsProp extends StepCounter {
    private final float rho;
    private final float epsilon;
    private final float[] meanSquare;

    public RmsProp(int size, double rho, double epsilon) {
        this.rho = (float) rho;
        this.epsilon = (float) epsilon;
        this.meanSquare = new float[size];
    }

    @Override
    public String name() {
        return "rmsprop";
    }

    @Override
    public void update(float[] w, float[] g, int from, int to, float lr, float decay) {
        float[] e = meanSquare;
        for (int i = from; i < to; i++) {
            float gi = g[i];
            e[i] = rho * e[i] + (1 - rho) * gi * gi;
            w[i] -= lr * (gi / ((float) Math.sqrt(e[i]) + epsilon) + decay * w[i]);
        }
    }

    @Override
    public void update(float[] w, int from, int to, float[] g, int gFrom, float lr, float decay) {
        int shift = gFrom - from;
        float[] e = meanSquare;
        for (int i = from; i < to; i++) {
            float gi = g[i + shift];
            e[i] = rho * e[i] + (1 - rho) * gi * gi;
            w[i] -= lr * (gi / ((float) Math.sqrt(e[i]) + epsilon) + decay * w[i]);
        }
    }

    @Override
    public List<float[]> state() {
        return List.of(meanSquare);
    }
}
