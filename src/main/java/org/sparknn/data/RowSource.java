package org.sparknn.data;

import org.sparknn.tensor.Csr;

/**
 * Rows a trainer takes its batches from: an in-memory data set, a view of some of its rows, or
 * one cached shard block on an executor. Features are row-major and dense ({@link #features()}),
 * or sparse ({@link #sparseFeatures()}, then {@code features()} is null); every row has a global
 * sample id (dropout masks are keyed by it, so they do not depend on where a row lives).
 */
public interface RowSource {
    int rows();

    int featureSize();

    float[] features();

    /** The features as CSR rows when the source keeps them sparse, otherwise null. */
    default Csr sparseFeatures() {
        return null;
    }

    float[] labels();

    long sampleId(int row);

    /** Index of row {@code row} in {@link #features()} and {@link #labels()} (a view may reorder rows). */
    default int storedRow(int row) {
        return row;
    }
}
