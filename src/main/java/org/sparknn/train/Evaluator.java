package org.sparknn.train;

import org.sparknn.data.Dataset;
import org.sparknn.data.RowSource;
import org.sparknn.data.ShardRows;
import org.sparknn.nn.BnPopulation;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;


/** Inference over data sets: loss, accuracy, confusion matrix, Monte-Carlo dropout, BN population pass. */
public final class Evaluator {
    private Evaluator() {}

    /** The side of the confusion matrix an evaluation of this network has: its classes, or 0 for other losses. */
    public static int confusionClasses(Network net) {
        return net.spec().loss() == LossKind.SOFTMAX_CROSS_ENTROPY ? net.outputSize() : 0;
    }

    public static Evaluation evaluate(Network net, RowSource data, int batchSize) {
        int k = net.outputSize();
        int width = net.labelWidth();
        int classes = confusionClasses(net);
        boolean classifier = classes > 0;
        long[][] confusion = new long[classes][classes];
        Batches batch = new Batches(batchSize, net.inputSize(), width);
        double loss = 0;
        long correct = 0;
        for (int from = 0; from < data.rows(); from += batchSize) {
            int n = Math.min(batchSize, data.rows() - from);
            batch.gather(data, from, n);
            float[] out = batch.forward(net, n, Pass.inference());
            loss += net.lossSum(out, batch.labels, n);
            correct += net.countCorrect(out, batch.labels, n);
            if (classifier) {
                for (int r = 0; r < n; r++) {
                    confusion[(int) batch.labels[r]][Network.argmax(out, r * k, k)]++;
                }
            }
        }
        return new Evaluation(data.rows(), loss, correct, confusion);
    }

    /** Most thinned networks a Monte-Carlo prediction averages: far past where the average settles (k = 50-100). */
    public static final int MAX_MONTE_CARLO_PASSES = 10_000;

    /**
     * Monte-Carlo dropout: the average output of {@code passes} thinned networks (dropout on,
     * BN on population statistics). Returns a new [n x outputs] array.
     */
    public static float[] predictMonteCarlo(Network net, float[] x, int n, long[] sampleIds, int passes, long seed) {
        if (passes < 1 || passes > MAX_MONTE_CARLO_PASSES) {
            throw new IllegalArgumentException("Monte-Carlo dropout needs passes in [1, " + MAX_MONTE_CARLO_PASSES + "], got " + passes);
        }
        int k = net.outputSize();
        double[] sum = new double[n * k];
        for (int p = 0; p < passes; p++) {
            float[] out = net.forward(x, n, Pass.mcDropout(seed, p, sampleIds));
            for (int i = 0; i < n * k; i++) {
                sum[i] += out[i];
            }
        }
        float[] mean = new float[n * k];
        for (int i = 0; i < n * k; i++) {
            mean[i] = (float) (sum[i] / passes);
        }
        return mean;
    }

    /**
     * The exact BN population estimator over one pass of the plan's training batches of a
     * one-shard data set with the current weights (dropout off): E[x] = mean of batch means,
     * Var[x] = m/(m-1) * mean of batch variances. Writes the result into the network's population state.
     */
    public static BnPopulation.Exact estimateBatchNormPopulation(Network net, ShardRows data, BatchPlan plan, long seed) {
        BnPopulation.Exact exact = new LocalStepper(net, plan, 0, seed).bnPass(data);
        exact.writeTo(net.batchNormLayers(), net.store().state());
        return exact;
    }

    /** {@link #estimateBatchNormPopulation(Network, ShardRows, BatchPlan, long)} over a data set in batches of {@code batchSize}. */
    public static BnPopulation.Exact estimateBatchNormPopulation(Network net, Dataset data, int batchSize, long seed) {
        DatasetShard shard = DatasetShard.whole(data, seed, 0);
        return estimateBatchNormPopulation(net, shard, new BatchPlan(seed, Math.min(batchSize, data.rows()), shard.layout()), seed);
    }
}
