package org.sparknn.nn;

/**
 * Batch normalization of NCHW rows, per channel over batch x height x width: the dense
 * {@link BatchNormLayer} with each channel's n * H * W values playing the part of a feature's n
 * values. It reports the same statistics (count n * H * W, per-channel mean and M2), so the
 * exact merge across workers and both population estimators apply unchanged; inference uses
 * the population mean and variance held in the store's state.
 */
public final class BatchNorm2dLayer implements BnLayer {
    private final int channels;
    private final int area;
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
    /** Whether the last forward pass normalized over the global batch, and that batch's value count. */
    private boolean synced;
    private long count;

    public BatchNorm2dLayer(int index, int channels, int height, int width, double epsilon, double momentum, ParamStore store) {
        this.channels = channels;
        this.area = height * width;
        this.epsilon = epsilon;
        this.momentum = momentum;
        this.store = store;
        this.gammaOffset = store.reserve(index, "bn" + index + ".gamma", ParamGroup.BN_GAMMA, channels, 1);
        this.betaOffset = store.reserve(index, "bn" + index + ".beta", ParamGroup.BN_BETA, channels, 1);
        this.meanOffset = store.reserveState(channels);
        this.varOffset = store.reserveState(channels);
        this.invStd = new float[channels];
    }

    @Override
    public int outputSize() {
        return channels * area;
    }

    @Override
    public int features() {
        return channels;
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
        java.util.Arrays.fill(w, gammaOffset, gammaOffset + channels, 1f);
        java.util.Arrays.fill(w, betaOffset, betaOffset + channels, 0f);
        float[] s = store.state();
        java.util.Arrays.fill(s, meanOffset, meanOffset + channels, 0f);
        java.util.Arrays.fill(s, varOffset, varOffset + channels, 1f);
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        output = Layer.ensure(output, n * channels * area);
        float[] w = store.values();
        if (!pass.batchStatistics()) {
            float[] s = store.state();
            for (int c = 0; c < channels; c++) {
                invStd[c] = (float) (1.0 / Math.sqrt(s[varOffset + c] + epsilon));
            }
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < channels; c++) {
                    int o = (r * channels + c) * area;
                    float mean = s[meanOffset + c];
                    for (int i = o; i < o + area; i++) {
                        float norm = (x[i] - mean) * invStd[c];
                        output[i] = w[gammaOffset + c] * norm + w[betaOffset + c];
                    }
                }
            }
            return output;
        }
        long m = (long) n * area;
        double[] mean = new double[channels];
        double[] m2 = new double[channels];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < channels; c++) {
                int o = (r * channels + c) * area;
                double sum = 0;
                for (int i = o; i < o + area; i++) {
                    sum += x[i];
                }
                mean[c] += sum;
            }
        }
        for (int c = 0; c < channels; c++) {
            mean[c] /= m;
        }
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < channels; c++) {
                int o = (r * channels + c) * area;
                double sum = 0;
                for (int i = o; i < o + area; i++) {
                    double d = x[i] - mean[c];
                    sum += d * d;
                }
                m2[c] += sum;
            }
        }
        lastStats = new BatchStats(m, mean, m2);
        synced = sync != null && pass.mode() == Pass.Mode.TRAIN;
        BatchStats batch = synced ? sync.globalStats(lastStats) : lastStats;
        count = batch.count();
        xhat = Layer.ensure(xhat, n * channels * area);
        for (int c = 0; c < channels; c++) {
            invStd[c] = (float) (1.0 / Math.sqrt(batch.m2()[c] / count + epsilon));
        }
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < channels; c++) {
                int o = (r * channels + c) * area;
                float meanF = (float) batch.mean()[c];
                float gamma = w[gammaOffset + c];
                float beta = w[betaOffset + c];
                for (int i = o; i < o + area; i++) {
                    float norm = (x[i] - meanF) * invStd[c];
                    xhat[i] = norm;
                    output[i] = gamma * norm + beta;
                }
            }
        }
        return output;
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        float[] w = store.values();
        float[] g = store.grads();
        double[] dGamma = new double[channels];
        double[] dBeta = new double[channels];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < channels; c++) {
                int o = (r * channels + c) * area;
                double sumDyXhat = 0;
                double sumDy = 0;
                for (int i = o; i < o + area; i++) {
                    sumDyXhat += (double) dy[i] * xhat[i];
                    sumDy += dy[i];
                }
                dGamma[c] += sumDyXhat;
                dBeta[c] += sumDy;
            }
        }
        for (int c = 0; c < channels; c++) {
            g[gammaOffset + c] += (float) dGamma[c];
            g[betaOffset + c] += (float) dBeta[c];
        }
        // Synchronized: every worker exchanges here, wanted or not, so that all make the same calls.
        double[] sums = synced ? sync.globalSums(BnSync.join(dBeta, dGamma)) : BnSync.join(dBeta, dGamma);
        if (!needInputGrad) {
            return null;
        }
        // dx = gamma * invStd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat)), m = n * H * W over the (global) batch
        gradInput = Layer.ensure(gradInput, n * channels * area);
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < channels; c++) {
                int o = (r * channels + c) * area;
                float scale = w[gammaOffset + c] * invStd[c];
                float meanDy = (float) (sums[c] / count);
                float meanDyXhat = (float) (sums[channels + c] / count);
                for (int i = o; i < o + area; i++) {
                    gradInput[i] = scale * (dy[i] - meanDy - xhat[i] * meanDyXhat);
                }
            }
        }
        return gradInput;
    }
}
