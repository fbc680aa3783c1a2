package org.sparknn.nn;

import java.util.List;

/**
 * Population statistics for BN inference, written into the store's state.
 * <ul>
 * <li>Running exponential average, updated once per optimizer step from the statistics of the
 * global batch: mean <- (1-m) mean + m batchMean, var <- (1-m) var + m unbiasedBatchVar.</li>
 * <li>The exact estimator (batch-normalization paper, Algorithm 2): over a pass of training
 * batches with fixed weights, E[x] = average of the batch means and Var[x] = m/(m-1) times the
 * average of the (biased) batch variances, m being the batch size. Batches of different sizes
 * each get their own m/(m-1); batches of one sample carry no variance and are skipped.</li>
 * </ul>
 */
public final class BnPopulation {
    private BnPopulation() {}

    public static void updateRunning(List<? extends BnLayer> layers, List<BatchStats> stats, float[] state) {
        for (int l = 0; l < layers.size(); l++) {
            BnLayer layer = layers.get(l);
            BatchStats s = stats.get(l);
            double m = layer.momentum();
            int mo = layer.populationMeanOffset();
            int vo = layer.populationVarianceOffset();
            for (int j = 0; j < s.features(); j++) {
                state[mo + j] = (float) ((1 - m) * state[mo + j] + m * s.mean()[j]);
                state[vo + j] = (float) ((1 - m) * state[vo + j] + m * s.unbiasedVariance(j));
            }
        }
    }

    /** Accumulators of the exact estimator; sums, so partial accumulators merge by addition. */
    public static final class Exact implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final double[][] sumMeans;
        private final double[][] sumUnbiasedVars;
        /** Sums of the biased (uncorrected) batch variances; null when rebuilt from sums without them. */
        private final double[][] sumBiasedVars;
        private long batches;

        public Exact(List<? extends BnLayer> layers) {
            sumMeans = new double[layers.size()][];
            sumUnbiasedVars = new double[layers.size()][];
            sumBiasedVars = new double[layers.size()][];
            for (int l = 0; l < layers.size(); l++) {
                sumMeans[l] = new double[layers.get(l).features()];
                sumUnbiasedVars[l] = new double[layers.get(l).features()];
                sumBiasedVars[l] = new double[layers.get(l).features()];
            }
        }

        /** Rebuilds accumulators from their sums (e.g. computed elsewhere). */
        public Exact(double[][] sumMeans, double[][] sumUnbiasedVars, long batches) {
            this.sumMeans = sumMeans;
            this.sumUnbiasedVars = sumUnbiasedVars;
            this.sumBiasedVars = null;
            this.batches = batches;
        }

        public long batches() {
            return batches;
        }

        public double[][] sumMeans() {
            return sumMeans;
        }

        public double[][] sumUnbiasedVariances() {
            return sumUnbiasedVars;
        }

        /** Adds one batch: the statistics of every BN layer for that batch. */
        public void add(List<BatchStats> batch) {
            if (batch.get(0).count() < 2) {
                return;
            }
            for (int l = 0; l < sumMeans.length; l++) {
                BatchStats s = batch.get(l);
                for (int j = 0; j < s.features(); j++) {
                    sumMeans[l][j] += s.mean()[j];
                    sumUnbiasedVars[l][j] += s.unbiasedVariance(j);
                    if (sumBiasedVars != null) {
                        sumBiasedVars[l][j] += s.variance(j);
                    }
                }
            }
            batches++;
        }

        public void merge(Exact other) {
            for (int l = 0; l < sumMeans.length; l++) {
                for (int j = 0; j < sumMeans[l].length; j++) {
                    sumMeans[l][j] += other.sumMeans[l][j];
                    sumUnbiasedVars[l][j] += other.sumUnbiasedVars[l][j];
                    if (sumBiasedVars != null && other.sumBiasedVars != null) {
                        sumBiasedVars[l][j] += other.sumBiasedVars[l][j];
                    }
                }
            }
            batches += other.batches;
        }

        public double mean(int layer, int feature) {
            return sumMeans[layer][feature] / batches;
        }

        public double variance(int layer, int feature) {
            return sumUnbiasedVars[layer][feature] / batches;
        }

        /**
         * The mean of the biased batch variances, without the m/(m-1) correction: what the
         * estimator would give if it skipped Bessel's correction (for comparison only).
         */
        public double uncorrectedVariance(int layer, int feature) {
            if (sumBiasedVars == null) {
                throw new IllegalStateException("these accumulators were rebuilt from sums without the biased variances");
            }
            return sumBiasedVars[layer][feature] / batches;
        }

        /** Writes E[x] and Var[x] into the population state of the layers. */
        public void writeTo(List<? extends BnLayer> layers, float[] state) {
            writeTo(layers, state, true);
        }

        /**
         * Writes E[x] and Var[x] into the population state of the layers; with {@code corrected}
         * false the variance is the uncorrected mean of the batch variances.
         */
        public void writeTo(List<? extends BnLayer> layers, float[] state, boolean corrected) {
            if (batches == 0) {
                throw new IllegalStateException("no batch of 2 or more samples was seen; cannot estimate BN population statistics");
            }
            for (int l = 0; l < layers.size(); l++) {
                BnLayer layer = layers.get(l);
                for (int j = 0; j < sumMeans[l].length; j++) {
                    state[layer.populationMeanOffset() + j] = (float) mean(l, j);
                    state[layer.populationVarianceOffset() + j] = (float) (corrected ? variance(l, j) : uncorrectedVariance(l, j));
                }
            }
        }
    }
}
