package org.sparknn.train;

import org.sparknn.data.Dataset;
import org.sparknn.nn.Network;

/** Checks, before any training, that data and batch sizes fit the model; failures name what is wrong. */
public final class DataChecks {
    private DataChecks() {}

    /** Feature count, finite features, one target per sample, and targets valid for the model's loss. */
    /** Data sets hold one label per sample; a loss with several targets per sample cannot use them. */
    public static void requireOneLabelPerSample(Network net) {
        if (net.labelWidth() != 1) {
            throw new IllegalArgumentException("loss " + net.spec().loss() + " with " + net.outputSize()
                    + " outputs needs that many targets per sample; data sets hold one label per sample, so the model needs one output");
        }
    }

    /** What is wrong with label {@code y} for a model with this loss and these outputs, or null. */
    public static String labelProblem(org.sparknn.nn.LossKind loss, int outputs, float y) {
        return switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> y == (int) y && y >= 0 && y < outputs ? null
                    : "is not a class index of the model's " + outputs + " classes (0.." + (outputs - 1) + ")";
            case BINARY_CROSS_ENTROPY -> y >= 0 && y <= 1 ? null : "is outside [0, 1]";
            case MSE, MAE -> Float.isFinite(y) ? null : "is not a finite number";
        };
    }

    public static void requireCompatible(Network net, Dataset data, String role) {
        if (data.featureSize() != net.inputSize()) {
            throw new IllegalArgumentException(role + " data (" + data.source() + ") has " + data.featureSize()
                    + " features per sample, the model expects " + net.inputSize());
        }
        requireOneLabelPerSample(net);
        float[] x = data.features();
        int f = data.featureSize();
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException(role + " data (" + data.source() + "): feature " + (i % f) + " of sample "
                        + (i / f) + " is " + x[i] + "; features must be finite numbers");
            }
        }
        float[] labels = data.labels();
        int k = net.outputSize();
        for (int i = 0; i < data.size(); i++) {
            float y = labels[i];
            String problem = labelProblem(net.spec().loss(), k, y);
            if (problem != null) {
                throw new IllegalArgumentException(role + " data (" + data.source() + "): label of sample " + i
                        + " is " + y + ", which " + problem);
            }
        }
    }

    /** The rows of {@code data} whose features and label are all finite, in their order (dropNonFiniteRows). */
    public static Dataset finiteRows(Dataset data) {
        int f = data.featureSize();
        float[] x = new float[data.features().length];
        float[] y = new float[data.size()];
        int kept = 0;
        for (int i = 0; i < data.size(); i++) {
            boolean finite = Float.isFinite(data.labels()[i]);
            for (int j = 0; j < f && finite; j++) {
                finite = Float.isFinite(data.features()[i * f + j]);
            }
            if (finite) {
                System.arraycopy(data.features(), i * f, x, kept * f, f);
                y[kept++] = data.labels()[i];
            }
        }
        return kept == data.size() ? data
                : new Dataset(data.source(), kept, f, java.util.Arrays.copyOf(x, kept * f), java.util.Arrays.copyOf(y, kept));
    }

    /** Batch normalization needs at least two samples in every worker's local batch. */
    public static void requireBatchNormBatches(Network net, BatchPlan plan) {
        if (net.batchNormLayers().isEmpty()) {
            return;
        }
        for (int p = 0; p < plan.shards(); p++) {
            if (plan.localBatch(p) < 2) {
                throw new IllegalArgumentException("batchSize gives worker " + p + " a local batch of " + plan.localBatch(p)
                        + " sample(s); batch normalization needs at least 2 per worker (batchSize >= 2 x workers)");
            }
        }
    }
}
