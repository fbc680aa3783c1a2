package org.sparknn.train;

/**
 * Which rows make up each global mini-batch when the training set is split into shards (one per
 * data-parallel worker). Shard p takes a local share of the global batch size (the shares differ
 * by at most one row, the larger ones going to the larger shards) from its own rows, visited in
 * the {@link EpochOrder} drawn from (seed, epoch, p) over its blocks. The single-JVM trainer is
 * the one-shard case.
 */
public final class BatchPlan {
    private final long seed;
    private final int[] shardSizes;
    private final int blockRows;
    private final int[] localBatch;
    private final long stepsPerEpoch;

    /** The plan over a layout's shards and blocks. */
    public BatchPlan(long seed, int globalBatch, ShardLayout layout) {
        this(seed, globalBatch, layout.sizes(), layout.blockRows());
    }

    /** The plan over shards of the given sizes, each one block. */
    public BatchPlan(long seed, int globalBatch, int[] shardSizes) {
        this(seed, globalBatch, shardSizes, Integer.MAX_VALUE);
    }

    private BatchPlan(long seed, int globalBatch, int[] shardSizes, int blockRows) {
        int p = shardSizes.length;
        this.blockRows = blockRows;
        if (globalBatch < p) {
            throw new IllegalArgumentException("batchSize " + globalBatch + " is smaller than the number of workers " + p
                    + "; every worker needs at least one sample per step");
        }
        this.seed = seed;
        this.shardSizes = shardSizes.clone();
        this.localBatch = new int[p];
        // The rows left over by globalBatch / p go to the larger shards (ties: lower index), so the
        // shards run out together and the epoch's last global batches stay full.
        Integer[] bySize = new Integer[p];
        for (int i = 0; i < p; i++) {
            if (shardSizes[i] == 0) {
                throw new IllegalArgumentException("shard " + i + " holds no samples; use fewer workers than samples");
            }
            bySize[i] = i;
        }
        java.util.Arrays.sort(bySize, (a, b) -> shardSizes[a] != shardSizes[b] ? Integer.compare(shardSizes[b], shardSizes[a])
                : Integer.compare(a, b));
        for (int r = 0; r < p; r++) {
            localBatch[bySize[r]] = globalBatch / p + (r < globalBatch % p ? 1 : 0);
        }
        long steps = 0;
        for (int i = 0; i < p; i++) {
            steps = Math.max(steps, (shardSizes[i] + localBatch[i] - 1) / localBatch[i]);
        }
        this.stepsPerEpoch = steps;
    }

    public int shards() {
        return shardSizes.length;
    }

    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    public int localBatch(int shard) {
        return localBatch[shard];
    }

    /** Visiting order of the rows of a shard in an epoch (epoch -1: the BN population pass). */
    public EpochOrder order(int epoch, int shard) {
        return new EpochOrder(seed, epoch, shard, shardSizes[shard], blockRows);
    }

    /** First position (in the epoch order) of the rows shard takes at a step of the epoch. */
    public int from(int shard, long stepInEpoch) {
        return (int) Math.min(stepInEpoch * localBatch[shard], shardSizes[shard]);
    }

    /** Number of rows shard takes at a step of the epoch (0 once its rows are used up). */
    public int count(int shard, long stepInEpoch) {
        return Math.min(localBatch[shard], shardSizes[shard] - from(shard, stepInEpoch));
    }
}
