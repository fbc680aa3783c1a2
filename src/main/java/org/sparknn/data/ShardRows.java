package org.sparknn.data;

/**
 * The rows of one shard as a sequence of bounded blocks (see {@code train.ShardLayout}): a cached
 * shard on an executor, whose blocks may have been spilled to disk, or a view of an in-memory
 * data set for the single-JVM trainer.
 */
public interface ShardRows {
    int blockCount();

    /** Block {@code b}; an implementation may load it on demand and keep only the blocks in use. */
    RowSource block(int b);

    /** Rows over all blocks. */
    default long rows() {
        long n = 0;
        for (int b = 0; b < blockCount(); b++) {
            n += block(b).rows();
        }
        return n;
    }
}
