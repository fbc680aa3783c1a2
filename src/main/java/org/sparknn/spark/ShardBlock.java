package org.sparknn.spark;

import org.sparknn.data.RowSource;
import org.sparknn.tensor.Csr;

import java.io.Serializable;

/**
 * One bounded block of a data-parallel shard, packed: its rows as flat arrays (row-major dense
 * features, or CSR rows with {@code features} null, and labels) plus the global sample id of each
 * row, in slot order (see {@link org.sparknn.train.ShardLayout}). Each block is one cached Spark
 * partition, so Spark can keep it in memory or spill it to disk on its own.
 */
public record ShardBlock(int shard, int block, int rows, int featureSize, float[] features, Csr sparse, float[] labels,
                         long[] ids) implements RowSource, Serializable {

    /** A block of dense rows. */
    public ShardBlock(int shard, int block, int rows, int featureSize, float[] features, float[] labels, long[] ids) {
        this(shard, block, rows, featureSize, features, null, labels, ids);
    }

    @Override
    public Csr sparseFeatures() {
        return sparse;
    }

    @Override
    public long sampleId(int row) {
        return ids[row];
    }
}
