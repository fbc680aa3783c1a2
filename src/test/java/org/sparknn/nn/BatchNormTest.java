package org.sparknn.nn;

import org.junit.jupiter.api.Test;
import org.sparknn.data.Dataset;
import org.sparknn.train.BatchPlan;
import org.sparknn.train.DatasetShard;
import org.sparknn.train.EpochOrder;
import org.sparknn.train.Evaluator;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchNormTest {
    private static final int F = 4;

    /** BN directly on the input, so the test knows the BN inputs without running other layers. */
    private static Network bnFirst() {
        return Network.create(new ModelSpec(F, List.of(new LayerSpec.BatchNorm(1e-5, 0.1), new LayerSpec.Dense(3),
                new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY), 1);
    }

    private static float[] batch(Random rnd, int n, double shift, double spread) {
        float[] x = new float[n * F];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (shift + (i % F) + spread * rnd.nextGaussian());
        }
        return x;
    }

    @Test
    void trainingNormalizesWithBatchStatisticsThenScalesAndShifts() {
        Network net = bnFirst();
        BatchNormLayer bn = (BatchNormLayer) net.batchNormLayers().get(0);
        float[] w = net.store().values();
        ParamBlock gamma = net.store().blocks().get(0);
        ParamBlock beta = net.store().blocks().get(1);
        for (int j = 0; j < F; j++) {
            w[gamma.offset() + j] = 2f + j;
            w[beta.offset() + j] = -1f + j;
        }
        int n = 32;
        float[] x = batch(new Random(3), n, 5, 3);
        float[] y = bn.forward(x, n, Pass.train(0, 0, null));
        for (int j = 0; j < F; j++) {
            double mean = 0;
            double var = 0;
            for (int r = 0; r < n; r++) {
                mean += y[r * F + j];
            }
            mean /= n;
            for (int r = 0; r < n; r++) {
                var += Math.pow(y[r * F + j] - mean, 2);
            }
            var /= n;
            assertEquals(-1 + j, mean, 1e-4);
            // biased batch variance of the output is gamma^2 * var / (var + eps), i.e. gamma^2 up to eps
            assertEquals(Math.pow(2 + j, 2), var, 1e-2 * Math.pow(2 + j, 2));
        }
    }

    @Test
    void inferenceUsesThePopulationStatistics() {
        Network net = bnFirst();
        BatchNormLayer bn = (BatchNormLayer) net.batchNormLayers().get(0);
        float[] state = net.store().state();
        float[] w = net.store().values();
        double[] popMean = {0.5, -1, 2, 3};
        double[] popVar = {4, 0.25, 1, 9};
        for (int j = 0; j < F; j++) {
            state[bn.populationMeanOffset() + j] = (float) popMean[j];
            state[bn.populationVarianceOffset() + j] = (float) popVar[j];
            w[j] = 1.5f;        // gamma
            w[F + j] = 0.25f;   // beta
        }
        int n = 5;
        float[] x = batch(new Random(4), n, 0, 2);
        float[] y = bn.forward(x, n, Pass.inference());
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < F; j++) {
                double expected = 1.5 * (x[r * F + j] - popMean[j]) / Math.sqrt(popVar[j] + 1e-5) + 0.25;
                assertEquals(expected, y[r * F + j], 1e-5);
            }
        }
        // ... and a single sample gives the same output alone as inside a batch
        float[] one = bn.forward(java.util.Arrays.copyOf(x, F), 1, Pass.inference());
        assertEquals(y[0], one[0], 0f);
    }

    @Test
    void exactEstimatorIsMeanOfBatchMeansAndCorrectedMeanOfBatchVariances() {
        Network net = bnFirst();
        BatchNormLayer bn = (BatchNormLayer) net.batchNormLayers().get(0);
        Random rnd = new Random(5);
        int m = 16;
        int batches = 7;
        BnPopulation.Exact exact = new BnPopulation.Exact(net.batchNormLayers());
        double[] sumMeans = new double[F];
        double[] sumVars = new double[F];
        for (int b = 0; b < batches; b++) {
            float[] x = batch(rnd, m, b * 0.3, 1 + b * 0.2);
            net.forward(x, m, Pass.bnStatistics());
            exact.add(List.of(bn.lastStats()));
            for (int j = 0; j < F; j++) {
                double mean = 0;
                for (int r = 0; r < m; r++) {
                    mean += x[r * F + j];
                }
                mean /= m;
                double var = 0;
                for (int r = 0; r < m; r++) {
                    var += (x[r * F + j] - mean) * (x[r * F + j] - mean);
                }
                sumMeans[j] += mean;
                sumVars[j] += var / m; // biased, as the batch normalizes with
            }
        }
        exact.writeTo(net.batchNormLayers(), net.store().state());
        float[] state = net.store().state();
        for (int j = 0; j < F; j++) {
            double expectedMean = sumMeans[j] / batches;
            double expectedVar = (double) m / (m - 1) * sumVars[j] / batches;
            assertEquals(expectedMean, exact.mean(0, j), 1e-9);
            assertEquals(expectedVar, exact.variance(0, j), 1e-9);
            assertEquals(expectedMean, state[bn.populationMeanOffset() + j], 1e-5);
            assertEquals(expectedVar, state[bn.populationVarianceOffset() + j], 1e-5);
        }
    }

    @Test
    void populationPassOverADataSetWritesTheEstimates() {
        // 64 rows in batches of 16: every batch is full, so the mean of batch means equals the data mean
        Network net = bnFirst();
        BatchNormLayer bn = (BatchNormLayer) net.batchNormLayers().get(0);
        float[] x = batch(new Random(6), 64, 1, 2);
        Dataset data = new Dataset("test", 64, F, x, new float[64]);
        BnPopulation.Exact exact = Evaluator.estimateBatchNormPopulation(net, data, 16, 9);
        assertEquals(4, exact.batches());
        for (int j = 0; j < F; j++) {
            double mean = 0;
            for (int r = 0; r < 64; r++) {
                mean += x[r * F + j];
            }
            assertEquals(mean / 64, net.store().state()[bn.populationMeanOffset() + j], 1e-5);
            double dataVar = 0;
            for (int r = 0; r < 64; r++) {
                dataVar += Math.pow(x[r * F + j] - mean / 64, 2);
            }
            // within-batch variances average below the whole-data variance, never above (law of total variance)
            double pop = net.store().state()[bn.populationVarianceOffset() + j];
            assertTrue(pop * 15 / 16 <= dataVar / 64 + 1e-6, "feature " + j);
        }
        // and the value itself: 16/15 times the mean of the 4 batches' biased variances, the batches
        // being the rows in the pass's own order (epoch -1 of the one-shard plan)
        DatasetShard shard = DatasetShard.whole(data, 9, 0);
        EpochOrder order = new BatchPlan(9, 16, shard.layout()).order(-1, 0);
        int[] rowAt = new int[64];
        for (int i = 0; i < 64; i++) {
            long at = order.locate(i);
            rowAt[i] = (int) shard.block((int) (at >>> 32)).sampleId((int) at);
        }
        for (int j = 0; j < F; j++) {
            double sumVar = 0;
            for (int b = 0; b < 4; b++) {
                double mean = 0;
                for (int r = 0; r < 16; r++) {
                    mean += x[rowAt[b * 16 + r] * F + j];
                }
                mean /= 16;
                double var = 0;
                for (int r = 0; r < 16; r++) {
                    var += Math.pow(x[rowAt[b * 16 + r] * F + j] - mean, 2);
                }
                sumVar += var / 16;
            }
            double expected = 16.0 / 15 * sumVar / 4;
            assertEquals(expected, net.store().state()[bn.populationVarianceOffset() + j], 1e-5 * (1 + expected), "feature " + j);
        }
    }

    @Test
    void runningAverageFollowsTheMomentumRule() {
        Network net = bnFirst();
        BatchNormLayer bn = (BatchNormLayer) net.batchNormLayers().get(0);
        float[] state = net.store().state();
        Random rnd = new Random(7);
        double[] mean = new double[F];
        double[] var = new double[F];
        java.util.Arrays.fill(var, 1.0);
        for (int step = 0; step < 3; step++) {
            int n = 10;
            float[] x = batch(rnd, n, step, 1.5);
            net.forward(x, n, Pass.train(0, step, null));
            BnPopulation.updateRunning(net.batchNormLayers(), List.of(bn.lastStats()), state);
            for (int j = 0; j < F; j++) {
                double bm = 0;
                for (int r = 0; r < n; r++) {
                    bm += x[r * F + j];
                }
                bm /= n;
                double bv = 0;
                for (int r = 0; r < n; r++) {
                    bv += Math.pow(x[r * F + j] - bm, 2);
                }
                bv /= n - 1;
                mean[j] = 0.9 * mean[j] + 0.1 * bm;
                var[j] = 0.9 * var[j] + 0.1 * bv;
            }
        }
        for (int j = 0; j < F; j++) {
            assertEquals(mean[j], state[bn.populationMeanOffset() + j], 1e-5);
            assertEquals(var[j], state[bn.populationVarianceOffset() + j], 1e-5);
        }
    }

    @Test
    void mergedStatisticsEqualThoseOfTheUnion() {
        Network net = bnFirst();
        BatchNormLayer bn = (BatchNormLayer) net.batchNormLayers().get(0);
        Random rnd = new Random(8);
        int[] sizes = {5, 11, 3, 9};
        List<BatchStats> parts = new ArrayList<>();
        List<float[]> all = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            float[] x = batch(rnd, sizes[i], i, 1 + i);
            net.forward(x, sizes[i], Pass.bnStatistics());
            parts.add(bn.lastStats());
            all.add(x);
        }
        BatchStats merged = BatchStats.mergeAll(parts);
        int total = 28;
        assertEquals(total, merged.count());
        float[] union = new float[total * F];
        int at = 0;
        for (float[] x : all) {
            System.arraycopy(x, 0, union, at, x.length);
            at += x.length;
        }
        net.forward(union, total, Pass.bnStatistics());
        BatchStats direct = bn.lastStats();
        for (int j = 0; j < F; j++) {
            assertEquals(direct.mean()[j], merged.mean()[j], 1e-9);
            assertEquals(direct.variance(j), merged.variance(j), 1e-9);
        }
    }
}
