package org.sparknn.train;

import org.sparknn.data.Dataset;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.BnPopulation;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.optim.Regularization;
import org.sparknn.tensor.CounterRng;

import java.util.ArrayList;
import java.util.List;

/**
 * Single-JVM synchronous mini-batch training: the reference the distributed trainer is tested
 * against. Each epoch visits the training set in an order drawn from (seed, epoch); each step
 * computes the gradient sum of one mini-batch, divides by its size, updates BN running
 * statistics, and applies the regularized optimizer update.
 */
public final class ReferenceTrainer {
    static final long SHUFFLE_TAG = 0x5348L;

    private ReferenceTrainer() {}

    /** Order of the training rows in an epoch. */
    public static int[] epochOrder(int size, long seed, int epoch) {
        return CounterRng.permutation(size, CounterRng.key(seed, SHUFFLE_TAG, epoch));
    }

    public static long stepsPerEpoch(int size, int batchSize) {
        return (size + batchSize - 1) / batchSize;
    }

    public static TrainingResult fit(Network net, Dataset train, Dataset validation, TrainConfig config,
                                     TrainingListener listener) {
        if (train.featureSize() != net.inputSize()) {
            throw new IllegalArgumentException("training data has " + train.featureSize()
                    + " features per sample, the model expects " + net.inputSize());
        }
        int batchSize = Math.min(config.batchSize(), train.size());
        long stepsPerEpoch = stepsPerEpoch(train.size(), batchSize);
        Updater updater = new Updater(config, net.store(), stepsPerEpoch);
        Batches batch = new Batches(batchSize, net.inputSize(), net.labelWidth());
        float[] w = net.store().values();
        float[] g = net.store().grads();
        List<EpochMetrics> history = new ArrayList<>();
        long step = 0;
        long start = System.nanoTime();
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
            int[] order = epochOrder(train.size(), config.seed(), epoch);
            double lossSum = 0;
            double penaltySum = 0;
            long correct = 0;
            double lr = 0;
            for (int from = 0; from < train.size(); from += batchSize) {
                int n = Math.min(batchSize, train.size() - from);
                batch.gather(train, order, from, n);
                BatchResult r = net.gradientSum(batch.x, batch.labels, n, Pass.train(config.seed(), step, batch.ids));
                scale(g, 1.0f / n);
                if (!r.bnStats().isEmpty()) {
                    BnPopulation.updateRunning(net.batchNormLayers(), r.bnStats(), net.store().state());
                }
                penaltySum += updater.penalty(w) * n;
                lr = updater.apply(w, g);
                lossSum += r.lossSum();
                correct += r.correct();
                step++;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            Evaluation val = validation == null ? null : Evaluator.evaluate(net, validation, 512);
            double samplesPerSecond = (double) train.size() * (epoch + 1) / elapsed;
            EpochMetrics m = new EpochMetrics(epoch + 1, step, (lossSum + penaltySum) / train.size(),
                    (double) correct / train.size(),
                    val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(), lr,
                    samplesPerSecond, elapsed, elapsed / (epoch + 1) * (config.epochs() - epoch - 1),
                    Regularization.sparsity(w, net.store().blocks()));
            history.add(m);
            listener.onEpoch(m);
        }
        if (config.bnPopulation().equals("exact") && !net.batchNormLayers().isEmpty()) {
            Evaluator.estimateBatchNormPopulation(net, train, batchSize, config.seed());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Evaluation finalValidation = validation == null ? null : Evaluator.evaluate(net, validation, 512);
        return new TrainingResult(history, finalValidation, step, seconds,
                (double) train.size() * config.epochs() / seconds);
    }

    static void scale(float[] a, float s) {
        for (int i = 0; i < a.length; i++) {
            a[i] *= s;
        }
    }
}
