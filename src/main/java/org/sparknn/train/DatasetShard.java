package org.sparknn.train;

import org.sparknn.data.Dataset;
import org.sparknn.data.RowSource;
import org.sparknn.data.ShardRows;

/**
 * One shard of an in-memory data set, laid out as {@link ShardLayout} places rows, without
 * copying them: each block is a view that maps its slots to the data set's rows. The single-JVM
 * trainer is the one-shard case, so it visits rows exactly as a distributed run's cached blocks do.
 */
public final class DatasetShard implements ShardRows {
    private final ShardLayout layout;
    private final RowSource[] blocks;

    public DatasetShard(Dataset data, ShardLayout layout, int shard) {
        if (layout.total() != data.size()) {
            throw new IllegalArgumentException("layout of " + layout.total() + " rows for " + data.size() + " rows of " + data.source());
        }
        this.layout = layout;
        int k = layout.blocks(shard);
        int[][] rowOfSlot = new int[k][];
        for (int b = 0; b < k; b++) {
            rowOfSlot[b] = new int[layout.blockSize(shard, b)];
        }
        int first = layout.globalBlock(shard, 0);
        for (int id = 0; id < data.size(); id++) {
            long at = layout.locate(id);
            int b = (int) (at >>> 32) - first;
            if (b >= 0 && b < k) {
                rowOfSlot[b][(int) at] = id;
            }
        }
        this.blocks = new RowSource[k];
        for (int b = 0; b < k; b++) {
            blocks[b] = new View(data, rowOfSlot[b]);
        }
    }

    /** The single-JVM trainer's one shard. */
    public static DatasetShard whole(Dataset data, long seed, int blockRowsSetting) {
        return new DatasetShard(data, new ShardLayout(data.size(), 1, seed,
                ShardLayout.blockRows(blockRowsSetting, data.featureSize())), 0);
    }

    public ShardLayout layout() {
        return layout;
    }

    @Override
    public int blockCount() {
        return blocks.length;
    }

    @Override
    public RowSource block(int b) {
        return blocks[b];
    }

    private record View(Dataset data, int[] rowOfSlot) implements RowSource {
        @Override
        public int rows() {
            return rowOfSlot.length;
        }

        @Override
        public int featureSize() {
            return data.featureSize();
        }

        @Override
        public float[] features() {
            return data.features();
        }

        @Override
        public float[] labels() {
            return data.labels();
        }

        @Override
        public long sampleId(int row) {
            return rowOfSlot[row];
        }

        @Override
        public int storedRow(int row) {
            return rowOfSlot[row];
        }
    }
}
