package org.sparknn.spark;

import org.apache.spark.HashPartitioner;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.sparknn.data.Dataset;
import org.sparknn.tensor.CounterRng;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.StreamSupport;

/**
 * Training data split into P data-parallel shards, one cached {@link ShardBlock} per Spark
 * partition. Sample ids are global and stable: the row's position in the input (among the kept
 * rows, when rows with non-finite values are dropped). Rows are dealt
 * to shards through a seeded permutation of the ids (shard sizes differ by at most one), so data
 * stored sorted by label still gives every worker a mix of all labels, and a given input and seed
 * always give the same shards. Within a shard rows are kept in id order.
 */
public final class Shards {
    private static final long SHARD_TAG = 0x5348_4152L;
    private final JavaRDD<ShardBlock> blocks;
    private final int[] sizes;
    private final int featureSize;
    private final long dropped;

    private Shards(JavaRDD<ShardBlock> blocks, int[] sizes, int featureSize, long dropped) {
        this.blocks = blocks;
        this.sizes = sizes;
        this.featureSize = featureSize;
        this.dropped = dropped;
    }

    public JavaRDD<ShardBlock> blocks() {
        return blocks;
    }

    public int partitions() {
        return sizes.length;
    }

    public int[] sizes() {
        return sizes.clone();
    }

    public long totalRows() {
        long n = 0;
        for (int s : sizes) {
            n += s;
        }
        return n;
    }

    public int featureSize() {
        return featureSize;
    }

    /** Rows of the input left out because they held non-finite values (see {@link RowCheck}). */
    public long dropped() {
        return dropped;
    }

    public void release() {
        blocks.unpersist(false);
    }

    /** The shard that holds sample {@code id} of {@code total}. */
    public static int shardOf(long id, long total, int partitions, long seed) {
        long position = CounterRng.permuteIndex(id, total, CounterRng.key(seed, SHARD_TAG));
        return (int) (position * partitions / total);
    }

    /** Shards an in-memory data set (ids are row indices). */
    public static Shards fromDataset(JavaSparkContext sc, Dataset data, int partitions, long seed) {
        requirePartitions(partitions, data.size(), data.source());
        int f = data.featureSize();
        int[] shardOfRow = new int[data.size()];
        int[] sizes = new int[partitions];
        for (int i = 0; i < data.size(); i++) {
            shardOfRow[i] = shardOf(i, data.size(), partitions, seed);
            sizes[shardOfRow[i]]++;
        }
        float[][] features = new float[partitions][];
        float[][] labels = new float[partitions][];
        long[][] ids = new long[partitions][];
        for (int p = 0; p < partitions; p++) {
            features[p] = new float[sizes[p] * f];
            labels[p] = new float[sizes[p]];
            ids[p] = new long[sizes[p]];
        }
        int[] fill = new int[partitions];
        for (int i = 0; i < data.size(); i++) {
            int p = shardOfRow[i];
            int k = fill[p]++;
            System.arraycopy(data.features(), i * f, features[p], k * f, f);
            labels[p][k] = data.labels()[i];
            ids[p][k] = i;
        }
        List<ShardBlock> list = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            list.add(new ShardBlock(p, sizes[p], f, features[p], labels[p], ids[p]));
        }
        // A parallelized collection's partitions carry their data into every task that reads them.
        // Behind one shuffle, step tasks only name their cached block, and a lost block can still
        // be recomputed from the lineage.
        JavaRDD<ShardBlock> rdd = sc.parallelize(list, partitions)
                .mapToPair(b -> new Tuple2<>(b.partition(), b))
                .partitionBy(new HashPartitioner(partitions))
                .values()
                .persist(StorageLevel.MEMORY_ONLY());
        rdd.setName("sparknn shards of " + data.source());
        rdd.count();
        return new Shards(rdd, sizes, f, 0);
    }

    /** {@link #fromDataFrame(org.apache.spark.sql.Dataset, int, long, RowCheck)} for any finite labels. */
    public static Shards fromDataFrame(org.apache.spark.sql.Dataset<Row> df, String featuresCol, String labelCol,
                                       int partitions, long seed) {
        return fromDataFrame(df, partitions, seed, new RowCheck("input DataFrame", featuresCol, labelCol, 0, false));
    }

    /**
     * Shards a DataFrame with a vector features column and a numeric label column. Every row passes
     * {@code check} as it is read; the kept rows are numbered 0..n-1 in input order (their
     * positions, when none is dropped). One shuffle places rows by id; each partition is then
     * packed once into a block and cached.
     */
    public static Shards fromDataFrame(org.apache.spark.sql.Dataset<Row> df, int partitions, long seed, RowCheck check) {
        check.requireColumns(df);
        JavaRDD<Tuple2<Long, Tuple2<float[], Float>>> checked = df.select(check.featuresCol(), check.labelCol()).javaRDD()
                .zipWithIndex()
                .map(t -> new Tuple2<>(t._2(), check.keep(t._1().get(0), t._1().get(1), t._2()) ? floats(t._1()) : null));
        // one pass checks every row and counts what each partition keeps, so kept rows can be renumbered without a gap
        List<long[]> counts = checked.mapPartitionsWithIndex((p, it) -> {
            long kept = 0;
            long dropped = 0;
            while (it.hasNext()) {
                if (it.next()._2() == null) {
                    dropped++;
                } else {
                    kept++;
                }
            }
            return List.of(new long[] {p, kept, dropped}).iterator();
        }, false).collect();
        long[] firstId = new long[counts.size()];
        long total = 0;
        long dropped = 0;
        for (long[] c : counts) {
            firstId[(int) c[0]] = c[1];
            dropped += c[2];
        }
        for (int p = 0; p < firstId.length; p++) {
            long kept = firstId[p];
            firstId[p] = total;
            total += kept;
        }
        if (total == 0) {
            throw new IllegalArgumentException(check.source() + " holds no rows"
                    + (dropped > 0 ? " with finite values (dropNonFiniteRows dropped all " + dropped + ")" : ""));
        }
        requirePartitions(partitions, total, check.source());
        JavaPairRDD<Long, Tuple2<float[], Float>> byId = checked.filter(t -> t._2() != null)
                .mapPartitionsWithIndex((p, it) -> renumber(firstId[p], it), true)
                .mapToPair(t -> t);
        JavaRDD<ShardBlock> rdd = byId.partitionBy(new PermutedPartitioner(total, partitions, seed))
                .mapPartitionsWithIndex((p, it) -> List.of(pack(p, it)).iterator(), true)
                .persist(StorageLevel.MEMORY_ONLY());
        rdd.setName("sparknn shards");
        List<int[]> shapes = rdd.map(b -> new int[] {b.partition(), b.rows(), b.featureSize()}).collect();
        int[] sizes = new int[partitions];
        int featureSize = -1;
        for (int[] s : shapes) {
            sizes[s[0]] = s[1];
            if (s[1] > 0) {
                if (featureSize >= 0 && s[2] != featureSize) {
                    throw new IllegalArgumentException("column '" + check.featuresCol() + "' holds vectors of sizes " + featureSize
                            + " and " + s[2] + "; all rows need the same size");
                }
                featureSize = s[2];
            }
        }
        return new Shards(rdd, sizes, featureSize, dropped);
    }

    private static Tuple2<float[], Float> floats(Row row) {
        double[] d = ((Vector) row.get(0)).toArray();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return new Tuple2<>(f, ((Number) row.get(1)).floatValue());
    }

    /** The kept rows of a partition, numbered from {@code first} on in their order. */
    private static <T> Iterator<Tuple2<Long, T>> renumber(long first, Iterator<Tuple2<Long, T>> rows) {
        long[] next = {first};
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(rows, Spliterator.ORDERED), false)
                .map(t -> new Tuple2<>(next[0]++, t._2()))
                .iterator();
    }

    private static ShardBlock pack(int partition, Iterator<Tuple2<Long, Tuple2<float[], Float>>> it) {
        List<Tuple2<Long, Tuple2<float[], Float>>> rows = new ArrayList<>();
        it.forEachRemaining(rows::add);
        rows.sort((a, b) -> Long.compare(a._1(), b._1()));
        int n = rows.size();
        int f = n == 0 ? 0 : rows.get(0)._2()._1().length;
        float[] features = new float[n * f];
        float[] labels = new float[n];
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            float[] x = rows.get(i)._2()._1();
            if (x.length != f) {
                throw new IllegalArgumentException("row " + rows.get(i)._1() + " has " + x.length + " features, row "
                        + rows.get(0)._1() + " has " + f + "; all rows need the same size");
            }
            System.arraycopy(x, 0, features, i * f, f);
            labels[i] = rows.get(i)._2()._2();
            ids[i] = rows.get(i)._1();
        }
        return new ShardBlock(partition, n, f, features, labels, ids);
    }

    private static void requirePartitions(int partitions, long rows, String what) {
        if (partitions < 1 || partitions > rows) {
            throw new IllegalArgumentException("workers must be in 1.." + rows + " for " + what + " (" + rows
                    + " rows), got " + partitions);
        }
    }

    /** Places id i in {@link #shardOf}'s partition. */
    static final class PermutedPartitioner extends Partitioner {
        private final long total;
        private final int partitions;
        private final long seed;

        PermutedPartitioner(long total, int partitions, long seed) {
            this.total = total;
            this.partitions = partitions;
            this.seed = seed;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return shardOf((Long) key, total, partitions, seed);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PermutedPartitioner c && c.total == total && c.partitions == partitions && c.seed == seed;
        }

        @Override
        public int hashCode() {
            return (Long.hashCode(total) * 31 + partitions) * 31 + Long.hashCode(seed);
        }
    }
}
