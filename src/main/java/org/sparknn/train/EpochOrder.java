package org.sparknn.train;

import org.sparknn.tensor.CounterRng;

/**
 * The order in which one shard visits its rows in one epoch: its blocks in a seeded random
 * order, and within each block its rows in a seeded random order. A step's rows are consecutive
 * positions of this order, so a step reads one block, or two at a block boundary, and an epoch
 * streams over the blocks once. Only the permutations of the blocks in use are held.
 */
public final class EpochOrder {
    private static final long BLOCK_TAG = 0x424CL;
    private static final long ROW_TAG = 0x5348L;

    private final long seed;
    private final int epoch;
    private final int shard;
    private final int rows;
    private final int[] blockOrder;
    private final int[] firstPosition; // position of the first row of blockOrder[j]; [K] = rows
    private int cachedIndex = -1;
    private int[] cachedRows;
    private int previousIndex = -1;
    private int[] previousRows;

    EpochOrder(long seed, int epoch, int shard, int rows, int blockRows) {
        this.seed = seed;
        this.epoch = epoch;
        this.shard = shard;
        this.rows = rows;
        int k = ShardLayout.blockCount(rows, blockRows);
        this.blockOrder = CounterRng.permutation(k, CounterRng.key(seed, BLOCK_TAG, epoch, shard));
        this.firstPosition = new int[k + 1];
        for (int j = 0; j < k; j++) {
            int b = blockOrder[j];
            firstPosition[j + 1] = firstPosition[j] + ShardLayout.blockStart(rows, k, b + 1) - ShardLayout.blockStart(rows, k, b);
        }
    }

    public int epoch() {
        return epoch;
    }

    public int rows() {
        return rows;
    }

    /** The row at {@code position} of the epoch: (block << 32) | slot. */
    public long locate(int position) {
        if (position < 0 || position >= rows) {
            throw new IndexOutOfBoundsException("position " + position + " outside 0.." + (rows - 1));
        }
        int j = indexOf(position);
        int[] perm = rowsOf(j);
        return (long) blockOrder[j] << 32 | perm[position - firstPosition[j]];
    }

    private int indexOf(int position) {
        if (cachedIndex >= 0 && position >= firstPosition[cachedIndex] && position < firstPosition[cachedIndex + 1]) {
            return cachedIndex;
        }
        int i = java.util.Arrays.binarySearch(firstPosition, position);
        return i >= 0 ? i : -i - 2;
    }

    /** Row permutation of the j-th visited block; the current and the previous one are kept. */
    private int[] rowsOf(int j) {
        if (j == cachedIndex) {
            return cachedRows;
        }
        if (j == previousIndex) {
            int[] t = cachedRows;
            cachedRows = previousRows;
            previousRows = t;
            previousIndex = cachedIndex;
            cachedIndex = j;
            return cachedRows;
        }
        previousIndex = cachedIndex;
        previousRows = cachedRows;
        cachedIndex = j;
        cachedRows = CounterRng.permutation(firstPosition[j + 1] - firstPosition[j],
                CounterRng.key(seed, ROW_TAG, epoch, shard, blockOrder[j]));
        return cachedRows;
    }
}
