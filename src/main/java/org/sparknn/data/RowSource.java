package org.sparknn.data;

/**
 * Rows a trainer takes its batches from: the in-memory data set of the single-JVM trainer, or
 * one cached shard block on an executor. Features are row-major; every row has a global sample
 * id (dropout masks are keyed by it, so they do not depend on where a row lives).
 */
public interface RowSource {
    int rows();

    int featureSize();

    float[] features();

    float[] labels();

    long sampleId(int row);
}
