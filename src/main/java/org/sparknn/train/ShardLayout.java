package org.sparknn.train;

import org.sparknn.tensor.CounterRng;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Where every row of a training set lives: which of P shards, which bounded block of the shard,
 * which slot of the block. A row's place follows from its id alone: the seeded permutation of the
 * ids gives it a position in 0..total-1; shard p holds a contiguous range of positions (shard
 * sizes differ by at most one), cut into blocks of at most {@code blockRows} rows (sizes within a
 * shard differ by at most one), rows in position order. So data stored sorted by label still
 * gives every shard and every block a mix of all labels, packing writes each row straight into
 * its slot (no sort, no second copy), and a given input and seed always give the same layout.
 */
public final class ShardLayout implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final long SHARD_TAG = 0x5348_4152L;
    /** Values per block when the block size is chosen automatically: 16 MB of floats. */
    static final long AUTO_BLOCK_VALUES = 4L << 20;

    private final long total;
    private final long seed;
    private final int blockRows;
    private final int[] sizes;
    private final int[] firstBlock; // global index of each shard's first block; firstBlock[P] = all blocks

    public ShardLayout(long total, int partitions, long seed, int blockRows) {
        if (partitions < 1 || partitions > total) {
            throw new IllegalArgumentException("workers must be in 1.." + total + " for " + total + " rows, got " + partitions);
        }
        if (blockRows < 1) {
            throw new IllegalArgumentException("blockRows must be >= 1, got " + blockRows);
        }
        if (total > Long.MAX_VALUE / (partitions + 1)) {
            throw new IllegalArgumentException(total + " rows is more than this layout can number");
        }
        if (total / partitions >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException(total + " rows on " + partitions + " workers is more than "
                    + Integer.MAX_VALUE + " rows per worker; use more workers");
        }
        this.total = total;
        this.seed = seed;
        this.blockRows = blockRows;
        this.sizes = new int[partitions];
        this.firstBlock = new int[partitions + 1];
        long blocks = 0;
        for (int p = 0; p < partitions; p++) {
            sizes[p] = (int) (shardStart(p + 1) - shardStart(p));
            firstBlock[p] = (int) blocks;
            blocks += blockCount(sizes[p], blockRows);
            if (blocks > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(total + " rows in blocks of " + blockRows + " rows make more than "
                        + Integer.MAX_VALUE + " blocks; raise blockRows");
            }
        }
        firstBlock[partitions] = (int) blocks;
    }

    /**
     * Rows per block: {@code setting} when it is positive, else as many rows as fit 16 MB of
     * feature values (at least 1, at most 65,536).
     */
    public static int blockRows(int setting, long valuesPerRow) {
        if (setting > 0) {
            return setting;
        }
        return (int) Math.max(1, Math.min(1 << 16, AUTO_BLOCK_VALUES / Math.max(1, valuesPerRow)));
    }

    public long total() {
        return total;
    }

    public int partitions() {
        return sizes.length;
    }

    public int blockRows() {
        return blockRows;
    }

    public int[] sizes() {
        return sizes.clone();
    }

    public int size(int shard) {
        return sizes[shard];
    }

    public int blocks(int shard) {
        return firstBlock[shard + 1] - firstBlock[shard];
    }

    public int totalBlocks() {
        return firstBlock[sizes.length];
    }

    /** Global index (0..totalBlocks-1, shard by shard) of block {@code block} of {@code shard}. */
    public int globalBlock(int shard, int block) {
        return firstBlock[shard] + block;
    }

    /** The shard a global block belongs to. */
    public int shardOfBlock(int globalBlock) {
        int i = Arrays.binarySearch(firstBlock, globalBlock);
        if (i < 0) {
            return -i - 2;
        }
        while (i + 1 < firstBlock.length && firstBlock[i + 1] == globalBlock) {
            i++; // skip shards without blocks
        }
        return i;
    }

    /** Rows of block {@code block} of {@code shard}. */
    public int blockSize(int shard, int block) {
        return blockStart(shard, block + 1) - blockStart(shard, block);
    }

    /** Rank (within the shard) of the block's first row. */
    public int blockStart(int shard, int block) {
        return blockStart(sizes[shard], blocks(shard), block);
    }

    /** Rank of the first row of block {@code block} when {@code rows} rows are cut into {@code blocks} even blocks. */
    static int blockStart(int rows, int blocks, int block) {
        return (int) ((long) block * rows / blocks);
    }

    /** Blocks of at most {@code blockRows} rows that {@code rows} rows take. */
    static int blockCount(int rows, int blockRows) {
        return rows == 0 ? 0 : (int) (((long) rows + blockRows - 1) / blockRows);
    }

    /** Position of row {@code id} in the seeded permutation of 0..total-1. */
    public long position(long id) {
        return CounterRng.permuteIndex(id, total, CounterRng.key(seed, SHARD_TAG));
    }

    public int shardOf(long id) {
        return shardOfPosition(position(id));
    }

    /** Where row {@code id} lives: (global block) << 32 | slot. */
    public long locate(long id) {
        long position = position(id);
        int shard = shardOfPosition(position);
        int rank = (int) (position - shardStart(shard));
        int k = blocks(shard);
        int block = (int) ((long) rank * k / sizes[shard]);
        while (block + 1 < k && blockStart(shard, block + 1) <= rank) {
            block++;
        }
        while (blockStart(shard, block) > rank) {
            block--;
        }
        return (long) globalBlock(shard, block) << 32 | (rank - blockStart(shard, block));
    }

    private int shardOfPosition(long position) {
        return (int) (position * sizes.length / total);
    }

    /** First position of shard p: the least position q with q * P / total >= p. */
    private long shardStart(int p) {
        return (p * total + sizes.length - 1) / sizes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardLayout l && l.total == total && l.seed == seed && l.blockRows == blockRows
                && l.sizes.length == sizes.length;
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(total) * 31 + Long.hashCode(seed)) * 31 + blockRows * 7 + sizes.length;
    }

    @Override
    public String toString() {
        return total + " rows on " + sizes.length + " shards, " + totalBlocks() + " blocks of at most " + blockRows + " rows";
    }
}
