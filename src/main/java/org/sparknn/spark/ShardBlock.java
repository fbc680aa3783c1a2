package org.sparknn.spark;

import org.sparknn.data.RowSource;

import java.io.Serializable;

/**
 * One data-parallel shard, packed: the rows of one Spark partition as flat float arrays (row-major
 * features, labels) plus the global sample id of each row. Cached once, read by every step.
 */
public record ShardBlock(int partition, int rows, int featureSize, float[] features, float[] labels, long[] ids)
        implements RowSource, Serializable {

    @Override
    public long sampleId(int row) {
        return ids[row];
    }
}
