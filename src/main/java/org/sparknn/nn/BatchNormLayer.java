package org.sparknn.nn;

/**
 * Batch normalization of dense activations, per feature. Training normalizes with the
 * mini-batch mean and biased variance, then scales by gamma and shifts by beta; inference uses
 * the population mean and variance held in the store's state (filled by a population
 * estimator: running average or the exact mean-of-batches estimator, see BnPopulation).
 */
public final class BatchNormLayer implements BnLayer {
    private final int size;
    private final double epsilon;
    private final double momentum;
    private final ParamStore store;
    private final int gammaOffset;
    private final int betaOffset;
    private final int meanOffset;
    private final int varOffset;
    private final float[] invStd;
    private float[] xhat;
    private float[] output;
    private float[] gradInput;
    private BatchStats lastStats;
    private BnSync sync;
    /** Whether the last forward pass normalized over the global batch, and that batch's size. */
    private boolean synced;
    private long count;

    public BatchNormLayer(int index, int size, double epsilon, double momentum, ParamStore store) {
        this.size = size;
        this.epsilon = epsilon;
        this.momentum = momentum;
        this.store = store;
        this.gammaOffset = store.reserve(index, "bn" + index + ".gamma", ParamGroup.BN_GAMMA, size, 1);
        this.betaOffset = store.reserve(index, "bn" + index + ".beta", ParamGroup.BN_BETA, size, 1);
        this.meanOffset = store.reserveState(size);
        this.varOffset = store.reserveState(size);
        this.invStd = new float[size];
    }

    @Override
    public int outputSize() {
        return size;
    }

    @Override
    public int features() {
        return size;
    }

    @Override
    public double momentum() {
        return momentum;
    }

    @Override
    public int populationMeanOffset() {
        return meanOffset;
    }

    @Override
    public int populationVarianceOffset() {
        return varOffset;
    }

    @Override
    public BatchStats lastStats() {
        return lastStats;
    }

    @Override
    public void synchronize(BnSync sync) {
        this.sync = sync;
    }

    @Override
    public void initialize(long seed) {
        float[] w = store.values();
        java.util.Arrays.fill(w, gammaOffset, gammaOffset + size, 1f);
        java.util.Arrays.fill(w, betaOffset, betaOffset + size, 0f);
        float[] s = store.state();
        java.util.Arrays.fill(s, meanOffset, meanOffset + size, 0f);
        java.util.Arrays.fill(s, varOffset, varOffset + size, 1f);
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        output = Layer.ensure(output, n * size);
        float[] w = store.values();
        if (!pass.batchStatistics()) {
            float[] s = store.state();
            for (int j = 0; j < size; j++) {
                invStd[j] = (float) (1.0 / Math.sqrt(s[varOffset + j] + epsilon));
            }
            for (int r = 0; r < n; r++) {
                int o = r * size;
                for (int j = 0; j < size; j++) {
                    float norm = (x[o + j] - s[meanOffset + j]) * invStd[j];
                    output[o + j] = w[gammaOffset + j] * norm + w[betaOffset + j];
                }
            }
            return output;
        }
        double[] mean = new double[size];
        double[] m2 = new double[size];
        for (int r = 0; r < n; r++) {
            int o = r * size;
            for (int j = 0; j < size; j++) {
                mean[j] += x[o + j];
            }
        }
        for (int j = 0; j < size; j++) {
            mean[j] /= n;
        }
        for (int r = 0; r < n; r++) {
            int o = r * size;
            for (int j = 0; j < size; j++) {
                double d = x[o + j] - mean[j];
                m2[j] += d * d;
            }
        }
        lastStats = new BatchStats(n, mean, m2);
        synced = sync != null && pass.mode() == Pass.Mode.TRAIN;
        BatchStats batch = synced ? sync.globalStats(lastStats) : lastStats;
        count = batch.count();
        float[] meanF = new float[size];
        for (int j = 0; j < size; j++) {
            meanF[j] = (float) batch.mean()[j];
            invStd[j] = (float) (1.0 / Math.sqrt(batch.m2()[j] / count + epsilon));
        }
        xhat = Layer.ensure(xhat, n * size);
        for (int r = 0; r < n; r++) {
            int o = r * size;
            for (int j = 0; j < size; j++) {
                float norm = (x[o + j] - meanF[j]) * invStd[j];
                xhat[o + j] = norm;
                output[o + j] = w[gammaOffset + j] * norm + w[betaOffset + j];
            }
        }
        return output;
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        float[] w = store.values();
        float[] g = store.grads();
        double[] dGamma = new double[size];
        double[] dBeta = new double[size];
        for (int r = 0; r < n; r++) {
            int o = r * size;
            for (int j = 0; j < size; j++) {
                dGamma[j] += (double) dy[o + j] * xhat[o + j];
                dBeta[j] += dy[o + j];
            }
        }
        for (int j = 0; j < size; j++) {
            g[gammaOffset + j] += (float) dGamma[j];
            g[betaOffset + j] += (float) dBeta[j];
        }
        // Synchronized: every worker exchanges here, wanted or not, so that all make the same calls.
        double[] sums = synced ? sync.globalSums(BnSync.join(dBeta, dGamma)) : BnSync.join(dBeta, dGamma);
        if (!needInputGrad) {
            return null;
        }
        // dx = gamma * invStd / n * (n * dy - sum(dy) - xhat * sum(dy * xhat)), n and sums over the (global) batch
        gradInput = Layer.ensure(gradInput, n * size);
        float[] scale = new float[size];
        float[] meanDy = new float[size];
        float[] meanDyXhat = new float[size];
        for (int j = 0; j < size; j++) {
            scale[j] = w[gammaOffset + j] * invStd[j];
            meanDy[j] = (float) (sums[j] / count);
            meanDyXhat[j] = (float) (sums[size + j] / count);
        }
        for (int r = 0; r < n; r++) {
            int o = r * size;
            for (int j = 0; j < size; j++) {
                gradInput[o + j] = scale[j] * (dy[o + j] - meanDy[j] - xhat[o + j] * meanDyXhat[j]);
            }
        }
        return gradInput;
    }
}
