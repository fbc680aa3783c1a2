package org.sparknn.nn;

/**
 * How a forward pass runs. Dropout masks are keyed by (seed, step, layer, sample id), so the
 * sample ids of the rows must be the global ids of the samples.
 *
 * @param mode       TRAIN: dropout on, BN on batch statistics. INFER: dropout off, BN on population
 *                   statistics. MC_DROPOUT: dropout on (keyed by a pass number), BN on population
 *                   statistics. BN_STATS: dropout off, BN on batch statistics (the pass that
 *                   estimates population statistics with the final weights).
 * @param seed       the run's seed
 * @param step       global optimizer step (TRAIN) or Monte-Carlo pass number (MC_DROPOUT)
 * @param sampleIds  global id of each row; null means the row index
 */
public record Pass(Mode mode, long seed, long step, long[] sampleIds) {
    public enum Mode { TRAIN, INFER, MC_DROPOUT, BN_STATS }

    public static Pass train(long seed, long step, long[] sampleIds) {
        return new Pass(Mode.TRAIN, seed, step, sampleIds);
    }

    public static Pass inference() {
        return new Pass(Mode.INFER, 0, 0, null);
    }

    public static Pass bnStatistics() {
        return new Pass(Mode.BN_STATS, 0, 0, null);
    }

    /** Monte-Carlo dropout pass k (its masks never coincide with a training step's). */
    public static Pass mcDropout(long seed, int k, long[] sampleIds) {
        return new Pass(Mode.MC_DROPOUT, seed, -1L - k, sampleIds);
    }

    public boolean dropoutActive() {
        return mode == Mode.TRAIN || mode == Mode.MC_DROPOUT;
    }

    public boolean batchStatistics() {
        return mode == Mode.TRAIN || mode == Mode.BN_STATS;
    }

    public long sampleId(int row) {
        return sampleIds == null ? row : sampleIds[row];
    }
}
