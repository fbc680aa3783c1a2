package org.sparknn.nn;

/**
 * Loss values and gradients for a batch of n rows of width outputs. Each method returns the SUM
 * of the per-sample losses and writes the gradient of that sum; the caller divides by the
 * global batch size (so partial sums from partitions add up exactly).
 */
public final class Losses {
    private static final double PROB_FLOOR = 1e-12;

    private Losses() {}

    /** Softmax cross-entropy from logits (fused): gradient wrt logits is p - onehot. */
    public static double softmaxCrossEntropyFromLogits(float[] logits, float[] probs, float[] labels,
                                                       int n, int k, float[] gradLogits) {
        double sum = 0;
        for (int r = 0; r < n; r++) {
            int o = r * k;
            int y = classIndex(labels[r], k, r);
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, logits[o + j]);
            }
            double z = 0;
            for (int j = 0; j < k; j++) {
                z += Math.exp(logits[o + j] - max);
            }
            sum += max + Math.log(z) - logits[o + y];
            for (int j = 0; j < k; j++) {
                gradLogits[o + j] = probs[o + j];
            }
            gradLogits[o + y] -= 1f;
        }
        return sum;
    }

    /** Binary cross-entropy from logits (fused with sigmoid): gradient (sigmoid(z) - t) / width. */
    public static double binaryCrossEntropyFromLogits(float[] logits, float[] probs, float[] targets,
                                                      int n, int width, float[] gradLogits) {
        double sum = 0;
        for (int i = 0; i < n * width; i++) {
            double z = logits[i];
            double t = target01(targets[i], i / width);
            sum += (Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)))) / width;
            gradLogits[i] = (float) ((probs[i] - t) / width);
        }
        return sum;
    }

    /** Binary cross-entropy on probabilities (unfused path). */
    public static double binaryCrossEntropy(float[] probs, float[] targets, int n, int width, float[] grad) {
        double sum = 0;
        for (int i = 0; i < n * width; i++) {
            double p = Math.min(Math.max(probs[i], PROB_FLOOR), 1 - PROB_FLOOR);
            double t = target01(targets[i], i / width);
            sum -= (t * Math.log(p) + (1 - t) * Math.log(1 - p)) / width;
            grad[i] = (float) ((p - t) / (p * (1 - p)) / width);
        }
        return sum;
    }

    /** Mean squared error over the outputs of a sample (L2 loss). */
    public static double meanSquaredError(float[] out, float[] targets, int n, int width, float[] grad) {
        double sum = 0;
        for (int i = 0; i < n * width; i++) {
            double d = (double) out[i] - targets[i];
            sum += d * d / width;
            grad[i] = (float) (2 * d / width);
        }
        return sum;
    }

    /** Mean absolute error over the outputs of a sample (L1 loss); subgradient 0 at the kink. */
    public static double meanAbsoluteError(float[] out, float[] targets, int n, int width, float[] grad) {
        double sum = 0;
        for (int i = 0; i < n * width; i++) {
            double d = (double) out[i] - targets[i];
            sum += Math.abs(d) / width;
            grad[i] = (float) (Math.signum(d) / width);
        }
        return sum;
    }

    static int classIndex(float label, int k, int row) {
        int y = (int) label;
        if (y != label || y < 0 || y >= k) {
            throw new IllegalArgumentException("label of row " + row + " is " + label
                    + "; softmax cross-entropy needs a class index in 0.." + (k - 1));
        }
        return y;
    }

    private static double target01(float t, int row) {
        if (!(t >= 0 && t <= 1)) {
            throw new IllegalArgumentException("target of row " + row + " is " + t + "; binary cross-entropy needs targets in [0, 1]");
        }
        return t;
    }
}
