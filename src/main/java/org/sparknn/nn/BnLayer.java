package org.sparknn.nn;

/**
 * A batch-normalization layer as the trainers see it: it reports the statistics of each batch
 * (merged exactly across workers, see {@link BatchStats}) and keeps population statistics in
 * the store's state (written by {@link BnPopulation}). Dense BN normalizes each feature, BN2d
 * each channel; both report one mean and M2 per normalized feature.
 */
public interface BnLayer extends Layer {
    /** Number of normalized features: the width of its statistics (channels for BN2d). */
    int features();

    double momentum();

    int populationMeanOffset();

    int populationVarianceOffset();

    /** Statistics of the batch seen by the last batch-statistics forward pass (this worker's rows only). */
    BatchStats lastStats();

    /** From now on, training passes normalize over the global batch through {@code sync}; null: over the local batch. */
    void synchronize(BnSync sync);
}
