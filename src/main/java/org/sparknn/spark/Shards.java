package org.sparknn.spark;

import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageLevel;
import org.sparknn.data.Dataset;
import org.sparknn.train.Choices.ShardStorage;
import org.sparknn.train.ShardLayout;
import org.sparknn.train.TrainConfig;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * Training data split into P data-parallel shards, each a sequence of bounded blocks
 * ({@link ShardLayout}) cached by Spark as one partition each, at a storage level that may spill
 * to disk. Sample ids are global and stable: the row's position in the input (among the kept
 * rows, when rows with non-finite values are dropped). Jobs run on {@link #shards()}, one task
 * per shard, which reads its blocks on demand.
 */
public final class Shards {
    private final JavaRDD<ShardBlock> blocks;
    private final ShardRDD shards;
    private final ShardLayout layout;
    private final int featureSize;
    private final long dropped;
    private final List<Broadcast<?>> sources;
    private final boolean sparse;

    private Shards(JavaRDD<ShardBlock> blocks, ShardLayout layout, int featureSize, long dropped, List<Broadcast<?>> sources,
                   boolean sparse) {
        this.sparse = sparse;
        this.blocks = blocks;
        this.layout = layout;
        this.featureSize = featureSize;
        this.dropped = dropped;
        this.sources = sources;
        this.shards = new ShardRDD(blocks.context(), blocks.id(), layout);
        shards.setName("sparknn shards of " + blocks.name());
    }

    /** One partition per shard; a task reads its shard's cached blocks on demand. */
    public JavaRDD<CachedShard> shards() {
        return JavaRDD.fromRDD(shards, scala.reflect.ClassTag$.MODULE$.apply(CachedShard.class));
    }

    /**
     * What a task of another job needs to read these shards' blocks on demand, one per shard in
     * order (the all-reduce's tasks evaluate validation shards this way, wherever those are).
     */
    List<CachedShard> handles() {
        List<CachedShard> all = new java.util.ArrayList<>();
        for (int p = 0; p < layout.partitions(); p++) {
            all.add(shards.handle(p));
        }
        return all;
    }

    /** The cached blocks, one per partition, shard by shard. */
    public JavaRDD<ShardBlock> blocks() {
        return blocks;
    }

    public ShardLayout layout() {
        return layout;
    }

    public int partitions() {
        return layout.partitions();
    }

    public int[] sizes() {
        return layout.sizes();
    }

    public long totalRows() {
        return layout.total();
    }

    public int featureSize() {
        return featureSize;
    }

    /** Whether the blocks hold sparse (CSR) rows. */
    public boolean sparse() {
        return sparse;
    }

    /** Rows of the input left out because they held non-finite values (see {@link RowCheck}). */
    public long dropped() {
        return dropped;
    }

    /** Where Spark keeps the blocks now, e.g. "2 blocks: 25 MB in memory, 0 MB on disk". */
    public String storage() {
        for (org.apache.spark.storage.RDDInfo info : blocks.context().getRDDStorageInfo()) {
            if (info.id() == blocks.id()) {
                return String.format(java.util.Locale.ROOT, "%d of %d blocks cached: %,d MB in memory, %,d MB on disk",
                        info.numCachedPartitions(), info.numPartitions(), info.memSize() >> 20, info.diskSize() >> 20);
            }
        }
        return "blocks not cached";
    }

    public void release() {
        blocks.unpersist(false);
        sources.forEach(b -> b.destroy());
    }

    /**
     * Runs a job over {@link #shards()}. When it fails because a cached block is gone (an
     * executor was lost, or memory-only storage evicted it), the lost blocks are rebuilt from
     * the input and the job runs again.
     */
    public <T> T withBlocks(Supplier<T> job) {
        for (int attempt = 1; ; attempt++) {
            try {
                return job.get();
            } catch (Exception e) { // SparkException, which Java sees as checked
                if (attempt >= 3 || !rebuildMissing()) {
                    throw Shards.<RuntimeException>sneaky(e);
                }
                System.err.println("sparknn: cached shard blocks were lost (" + rootMessage(e) + "); rebuilt them, running the job again");
            }
        }
    }

    /** Rebuilds the blocks no executor holds; false when none was missing. */
    public boolean rebuildMissing() {
        BlockId[] ids = new BlockId[layout.totalBlocks()];
        for (int g = 0; g < ids.length; g++) {
            ids[g] = new RDDBlockId(blocks.id(), g);
        }
        scala.collection.immutable.IndexedSeq<scala.collection.immutable.Seq<org.apache.spark.storage.BlockManagerId>> where =
                org.apache.spark.SparkEnv.get().blockManager().master().getLocations(ids);
        boolean missing = false;
        for (int g = 0; g < ids.length && !missing; g++) {
            missing = where.apply(g).isEmpty();
        }
        if (missing) {
            blocks.foreachPartition(it -> it.forEachRemaining(b -> { }));
        }
        return missing;
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> E sneaky(Throwable e) throws E {
        throw (E) e;
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage();
    }

    /** The shard that holds sample {@code id} of {@code total}, with blocks of any size. */
    public static int shardOf(long id, long total, int partitions, long seed) {
        return new ShardLayout(total, partitions, seed, 1).shardOf(id);
    }

    /** Shards an in-memory data set (ids are row indices), with automatic block size and the default storage. */
    public static Shards fromDataset(JavaSparkContext sc, Dataset data, int partitions, long seed) {
        return fromDataset(sc, data, partitions, TrainConfig.defaults().with(TrainConfig.SEED, seed));
    }

    /**
     * Shards an in-memory data set (ids are row indices). The data travel to the executors once,
     * as a broadcast (in pieces, not inside tasks); each block task copies its rows from it.
     */
    public static Shards fromDataset(JavaSparkContext sc, Dataset data, int partitions, TrainConfig config) {
        requirePartitions(partitions, data.size(), data.source());
        ShardLayout layout = new ShardLayout(data.size(), partitions, config.get(TrainConfig.SEED),
                ShardLayout.blockRows(config.get(TrainConfig.BLOCK_ROWS), data.featureSize()));
        int[] blockFirst = new int[layout.totalBlocks() + 1]; // rows before each global block
        for (int p = 0; p < layout.partitions(); p++) {
            for (int b = 0; b < layout.blocks(p); b++) {
                int g = layout.globalBlock(p, b);
                blockFirst[g + 1] = blockFirst[g] + layout.blockSize(p, b);
            }
        }
        int[] idAt = new int[data.size()]; // the row in each (block, slot), blocks in order
        for (int id = 0; id < data.size(); id++) {
            long where = layout.locate(id);
            idAt[blockFirst[(int) (where >>> 32)] + (int) where] = id;
        }
        Broadcast<Dataset> shared = sc.broadcast(data);
        Broadcast<int[]> placement = sc.broadcast(idAt);
        List<Integer> all = new ArrayList<>();
        for (int g = 0; g < layout.totalBlocks(); g++) {
            all.add(g);
        }
        JavaRDD<ShardBlock> rdd = sc.parallelize(all, layout.totalBlocks()).map(g -> {
            Dataset d = shared.value();
            int shard = layout.shardOfBlock(g);
            int b = g - layout.globalBlock(shard, 0);
            int n = blockFirst[g + 1] - blockFirst[g];
            int f = d.featureSize();
            float[] x = new float[Math.multiplyExact(n, f)];
            float[] y = new float[n];
            long[] ids = new long[n];
            for (int slot = 0; slot < n; slot++) {
                int id = placement.value()[blockFirst[g] + slot];
                System.arraycopy(d.features(), id * f, x, slot * f, f);
                y[slot] = d.labels()[id];
                ids[slot] = id;
            }
            return new ShardBlock(shard, b, n, f, x, y, ids);
        });
        return materialize(rdd, "sparknn blocks of " + data.source(), layout, config, data.featureSize(), 0,
                List.of(shared, placement), false);
    }

    /** {@link #fromDataFrame(org.apache.spark.sql.Dataset, int, TrainConfig, RowCheck)} for any finite labels. */
    public static Shards fromDataFrame(org.apache.spark.sql.Dataset<Row> df, String featuresCol, String labelCol,
                                       int partitions, long seed) {
        return fromDataFrame(df, partitions, TrainConfig.defaults().with(TrainConfig.SEED, seed),
                new RowCheck("input DataFrame", featuresCol, labelCol, 0, false));
    }

    /** {@link #fromDataFrame(org.apache.spark.sql.Dataset, int, TrainConfig, RowCheck)} with the default block size and storage. */
    public static Shards fromDataFrame(org.apache.spark.sql.Dataset<Row> df, int partitions, long seed, RowCheck check) {
        return fromDataFrame(df, partitions, TrainConfig.defaults().with(TrainConfig.SEED, seed), check);
    }

    /**
     * Shards a DataFrame with a vector features column and a numeric label column. The input is
     * read once: one pass checks every row ({@code check}), counts what each partition keeps and
     * holds the kept rows in a serialized, spillable cache; the kept rows are numbered 0..n-1 in
     * input order, and one shuffle from that cache places each row in its block's slot. When the
     * first row's vector is a SparseVector the rows stay sparse (CSR blocks, see {@link RowFormat})
     * and the automatic block size counts the mean non-zeros per row, not the vector size.
     */
    public static Shards fromDataFrame(org.apache.spark.sql.Dataset<Row> df, int partitions, TrainConfig config, RowCheck check) {
        check.requireColumns(df);
        JavaRDD<Row> input = df.select(check.featuresCol(), check.labelCol()).javaRDD();
        List<Row> first = input.filter(r -> !r.isNullAt(0)).take(1);
        boolean sparse = !first.isEmpty() && first.get(0).get(0) instanceof SparseVector;
        return sparse ? fromRows(input, partitions, config, check, RowFormat.SPARSE)
                : fromRows(input, partitions, config, check, RowFormat.DENSE);
    }

    private static <R> Shards fromRows(JavaRDD<Row> input, int partitions, TrainConfig config, RowCheck check, RowFormat<R> format) {
        JavaRDD<Tuple2<R, Float>> kept = input.mapPartitionsWithIndex((p, it) -> checked(p, it, check, format), true)
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        kept.setName("sparknn checked rows");
        try {
            // the one pass over the input: per partition, rows kept, rows dropped, feature count, values stored
            List<long[]> counts = kept.mapPartitionsWithIndex((p, it) -> {
                long keptRows = 0;
                long droppedRows = 0;
                long f = -1;
                long stored = 0;
                while (it.hasNext()) {
                    Tuple2<R, Float> row = it.next();
                    if (row._1() == null) {
                        droppedRows++;
                    } else {
                        f = format.size(row._1());
                        stored += format.stored(row._1());
                        keptRows++;
                    }
                }
                return List.of(new long[] {p, keptRows, droppedRows, f, stored}).iterator();
            }, false).collect();
            return place(kept, counts, partitions, config, check, format);
        } catch (Exception e) { // SparkException, which Java sees as checked
            throw RowInPartition.placed(e, input);
        } finally {
            kept.unpersist(false);
        }
    }

    private static <R> Shards place(JavaRDD<Tuple2<R, Float>> kept, List<long[]> counts, int partitions, TrainConfig config,
                                    RowCheck check, RowFormat<R> format) {
        long[] firstId = new long[counts.size()];
        long total = 0;
        long dropped = 0;
        long stored = 0;
        int featureSize = -1;
        for (long[] c : counts) {
            firstId[(int) c[0]] = c[1];
            dropped += c[2];
            stored += c[4];
            if (c[3] >= 0) {
                if (featureSize >= 0 && featureSize != c[3]) {
                    throw new IllegalArgumentException("column '" + check.featuresCol() + "' of " + check.source()
                            + " holds vectors of sizes " + featureSize + " and " + c[3] + "; all rows need the same size");
                }
                featureSize = (int) c[3];
            }
        }
        for (int p = 0; p < firstId.length; p++) {
            long n = firstId[p];
            firstId[p] = total;
            total += n;
        }
        if (total == 0) {
            throw new IllegalArgumentException(check.source() + " holds no rows"
                    + (dropped > 0 ? " with finite values (dropNonFiniteRows dropped all " + dropped + ")" : ""));
        }
        requirePartitions(partitions, total, check.source());
        long valuesPerRow = (stored + total - 1) / total;
        ShardLayout layout = new ShardLayout(total, partitions, config.get(TrainConfig.SEED),
                ShardLayout.blockRows(config.get(TrainConfig.BLOCK_ROWS), valuesPerRow));
        int f = featureSize;
        JavaRDD<Tuple2<Long, Tuple2<R, Float>>> numbered =
                kept.mapPartitionsWithIndex((p, it) -> numbered(firstId[p], it, f, check, format), true);
        return packed(numbered, layout, f, "sparknn blocks of " + check.source(), config, dropped, format);
    }

    /**
     * Shards a split of an IDX directory ("train", "test") that the executors read (see
     * {@link IdxSource}); with {@code loss} set, labels must suit a model with that loss and
     * {@code outputs} outputs. Ids are record indices.
     */
    public static Shards fromIdx(JavaSparkContext sc, String dir, String split, int partitions, TrainConfig config,
                                 org.sparknn.nn.LossKind loss, int outputs) throws java.io.IOException {
        IdxSource source = IdxSource.find(sc.hadoopConfiguration(), dir, split);
        requirePartitions(partitions, source.count(), source.source());
        int f = source.featureSize();
        ShardLayout layout = new ShardLayout(source.count(), partitions, config.get(TrainConfig.SEED),
                ShardLayout.blockRows(config.get(TrainConfig.BLOCK_ROWS), f));
        return packed(source.rows(sc, loss, outputs), layout, f, "sparknn blocks of " + source.source(), config, 0,
                RowFormat.DENSE);
    }

    /** Rows (id, (features, label)) placed by one shuffle into their blocks' slots, then cached. */
    private static <R> Shards packed(JavaRDD<Tuple2<Long, Tuple2<R, Float>>> rows, ShardLayout layout, int f, String name,
                                     TrainConfig config, long dropped, RowFormat<R> format) {
        JavaRDD<ShardBlock> rdd = rows.mapToPair(t -> new Tuple2<>(layout.locate(t._1()), t))
                .partitionBy(new BlockPartitioner(layout.totalBlocks()))
                .mapPartitionsWithIndex((g, it) -> {
                    int shard = layout.shardOfBlock(g);
                    int b = g - layout.globalBlock(shard, 0);
                    return List.of(format.pack(shard, b, layout.blockSize(shard, b), f, it)).iterator();
                }, true);
        return materialize(rdd, name, layout, config, f, dropped, List.of(), format == RowFormat.SPARSE);
    }

    /** The rows of a partition as they pass the check; a dropped row becomes (null, null). */
    private static <R> Iterator<Tuple2<R, Float>> checked(int partition, Iterator<Row> rows, RowCheck check, RowFormat<R> format) {
        long[] position = {-1};
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Tuple2<R, Float> next() {
                Row r = rows.next();
                position[0]++;
                try {
                    Object features = check.features(r.get(0), position[0]);
                    return check.keep(features, r.get(1), position[0])
                            ? new Tuple2<>(format.convert((Vector) features), ((Number) r.get(1)).floatValue())
                            : new Tuple2<>(null, null);
                } catch (IllegalArgumentException e) {
                    throw new RowInPartition(partition, position[0], e.getMessage());
                }
            }
        };
    }

    /** Kept rows numbered from {@code firstId} on: (id, row); dropped rows are skipped. */
    private static <R> Iterator<Tuple2<Long, Tuple2<R, Float>>> numbered(
            long firstId, Iterator<Tuple2<R, Float>> rows, int featureSize, RowCheck check, RowFormat<R> format) {
        long[] next = {firstId};
        return new Iterator<>() {
            private Tuple2<R, Float> ahead = advance();

            private Tuple2<R, Float> advance() {
                while (rows.hasNext()) {
                    Tuple2<R, Float> r = rows.next();
                    if (r._1() != null) {
                        return r;
                    }
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return ahead != null;
            }

            @Override
            public Tuple2<Long, Tuple2<R, Float>> next() {
                Tuple2<R, Float> r = ahead;
                ahead = advance();
                long id = next[0]++;
                if (format.size(r._1()) != featureSize) {
                    throw new IllegalArgumentException("row " + id + " of " + check.source() + " has " + format.size(r._1())
                            + " features, others have " + featureSize + "; all rows need the same size");
                }
                return new Tuple2<>(id, r);
            }
        };
    }

    /** Caches the blocks at the configured storage level, builds them once and checks them against the layout. */
    private static Shards materialize(JavaRDD<ShardBlock> rdd, String name, ShardLayout layout, TrainConfig config,
                                      int featureSize, long dropped, List<Broadcast<?>> sources, boolean sparse) {
        rdd.persist(storageLevel(config.get(TrainConfig.SHARD_STORAGE)));
        rdd.setName(name);
        List<int[]> shapes = rdd.map(b -> new int[] {layout.globalBlock(b.shard(), b.block()), b.rows()}).collect();
        if (shapes.size() != layout.totalBlocks()) {
            throw new IllegalStateException(name + ": " + shapes.size() + " blocks built, the layout has " + layout.totalBlocks());
        }
        return new Shards(rdd, layout, featureSize, dropped, sources, sparse);
    }

    static StorageLevel storageLevel(ShardStorage s) {
        return switch (s) {
            case MEMORY_AND_DISK -> StorageLevel.MEMORY_AND_DISK();
            case MEMORY_AND_DISK_SER -> StorageLevel.MEMORY_AND_DISK_SER();
            case MEMORY -> StorageLevel.MEMORY_ONLY();
            case DISK -> StorageLevel.DISK_ONLY();
        };
    }

    private static void requirePartitions(int partitions, long rows, String what) {
        if (partitions < 1 || partitions > rows) {
            throw new IllegalArgumentException("workers must be in 1.." + rows + " for " + what + " (" + rows
                    + " rows), got " + partitions);
        }
    }

    /** Key (global block) << 32 | slot goes to the block's partition. */
    static final class BlockPartitioner extends Partitioner {
        private final int blocks;

        BlockPartitioner(int blocks) {
            this.blocks = blocks;
        }

        @Override
        public int numPartitions() {
            return blocks;
        }

        @Override
        public int getPartition(Object key) {
            return (int) ((Long) key >>> 32);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BlockPartitioner c && c.blocks == blocks;
        }

        @Override
        public int hashCode() {
            return blocks;
        }
    }
}
