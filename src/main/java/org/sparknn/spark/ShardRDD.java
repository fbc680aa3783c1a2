package org.sparknn.spark;

import org.apache.spark.Partition;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.RDDBlockId;
import org.sparknn.train.ShardLayout;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One partition per shard, each yielding a {@link CachedShard} that reads the shard's blocks from
 * the cached block RDD on demand. It declares no dependency on the blocks (a barrier stage may
 * not contain RDDs of another partition count), so the blocks must be cached before a job runs
 * on it, and {@link Shards} rebuilds lost ones; tasks are placed where most of their shard's
 * blocks are.
 */
final class ShardRDD extends RDD<CachedShard> {
    private static final long serialVersionUID = 1L;
    private final int blocksRddId;
    private final String identity;
    private final ShardLayout layout;

    @SuppressWarnings("unchecked")
    ShardRDD(SparkContext sc, int blocksRddId, ShardLayout layout) {
        super(sc, (scala.collection.immutable.Seq<org.apache.spark.Dependency<?>>) (Object) scala.collection.immutable.List$.MODULE$.empty(),
                ClassTag$.MODULE$.apply(CachedShard.class));
        this.blocksRddId = blocksRddId;
        this.identity = sc.applicationId() + "/" + java.util.UUID.randomUUID();
        this.layout = layout;
    }

    @Override
    public Iterator<CachedShard> compute(Partition split, TaskContext context) {
        return CollectionConverters.asScala(List.of(handle(split.index())).iterator());
    }

    /** Shard {@code shard} as a task reads it. */
    CachedShard handle(int shard) {
        return new CachedShard(blocksRddId, identity, layout, shard);
    }

    @Override
    public Partition[] getPartitions() {
        Partition[] parts = new Partition[layout.partitions()];
        for (int p = 0; p < parts.length; p++) {
            parts[p] = new ShardPartition(p);
        }
        return parts;
    }

    /** The executor that holds most of the shard's blocks (Spark's cache locality for an RDD of its own). */
    @Override
    public scala.collection.immutable.Seq<String> getPreferredLocations(Partition split) {
        int shard = split.index();
        int k = layout.blocks(shard);
        BlockId[] ids = new BlockId[k];
        for (int b = 0; b < k; b++) {
            ids[b] = new RDDBlockId(blocksRddId, layout.globalBlock(shard, b));
        }
        Map<BlockManagerId, Integer> held = new HashMap<>();
        scala.collection.immutable.IndexedSeq<scala.collection.immutable.Seq<BlockManagerId>> where =
                SparkEnv.get().blockManager().master().getLocations(ids);
        for (int b = 0; b < k; b++) {
            CollectionConverters.asJava(where.apply(b)).forEach(bm -> held.merge(bm, 1, Integer::sum));
        }
        return held.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(e -> CollectionConverters.asScala(List.of("executor_" + e.getKey().host() + "_" + e.getKey().executorId())).toList())
                .orElseGet(() -> CollectionConverters.asScala(List.<String>of()).toList());
    }

    private record ShardPartition(int index) implements Partition {
    }
}
