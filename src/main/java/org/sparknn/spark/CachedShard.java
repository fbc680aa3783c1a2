package org.sparknn.spark;

import org.apache.spark.SparkEnv;
import org.apache.spark.storage.BlockResult;
import org.apache.spark.storage.RDDBlockId;
import org.sparknn.data.RowSource;
import org.sparknn.data.ShardRows;
import org.sparknn.train.ShardLayout;
import scala.Option;
import scala.reflect.ClassTag$;

import java.io.Serializable;
import java.lang.ref.SoftReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A shard as a task sees it: its blocks are read from Spark's block manager when a step needs
 * them (from memory, from the executor's disk, or from another executor), so a shard need not fit
 * in memory. The two blocks a JVM used last for each shard are kept (softly) across tasks: a step
 * reads one block or two, and steps of the driver exchange are separate tasks.
 */
public final class CachedShard implements ShardRows, Serializable {
    private static final long serialVersionUID = 1L;
    private static final ConcurrentHashMap<String, Recent> RECENT = new ConcurrentHashMap<>();
    private static final int MAX_SHARDS_KEPT = 256;

    private final int rddId;
    private final String identity; // unique per Shards: RDD ids start over in a new SparkContext
    private final ShardLayout layout;
    private final int shard;

    CachedShard(int rddId, String identity, ShardLayout layout, int shard) {
        this.rddId = rddId;
        this.identity = identity;
        this.layout = layout;
        this.shard = shard;
    }

    public int shard() {
        return shard;
    }

    @Override
    public long rows() {
        return layout.size(shard);
    }

    @Override
    public int blockCount() {
        return layout.blocks(shard);
    }

    @Override
    public RowSource block(int b) {
        int g = layout.globalBlock(shard, b);
        if (RECENT.size() > MAX_SHARDS_KEPT) {
            RECENT.clear(); // shards of released data sets: their entries only hold soft references
        }
        Recent recent = RECENT.computeIfAbsent(identity + "/" + shard, k -> new Recent());
        ShardBlock block = recent.get(g);
        if (block == null) {
            block = fetch(g);
            recent.put(g, block);
        }
        return block;
    }

    private ShardBlock fetch(int g) {
        RDDBlockId id = new RDDBlockId(rddId, g);
        Option<BlockResult> result = SparkEnv.get().blockManager().get(id, ClassTag$.MODULE$.apply(ShardBlock.class));
        if (result.isEmpty()) {
            throw new MissingBlockException(id);
        }
        scala.collection.Iterator<Object> it = result.get().data();
        ShardBlock block = (ShardBlock) it.next();
        while (it.hasNext()) {
            it.next(); // one block per partition; reaching the end releases the read lock
        }
        if (block.shard() != shard || block.rows() != layout.blockSize(shard, block.block())
                || layout.globalBlock(shard, block.block()) != g) {
            throw new IllegalStateException("cached block " + id + " holds block " + block.block() + " of shard " + block.shard()
                    + " (" + block.rows() + " rows); the layout expects block " + (g - layout.globalBlock(shard, 0)) + " of shard " + shard);
        }
        return block;
    }

    /** A cached block that is gone (its executor was lost, or memory-only storage evicted it). */
    static final class MissingBlockException extends IllegalStateException {
        static final String MESSAGE = "sparknn shard block missing: ";

        MissingBlockException(RDDBlockId id) {
            super(MESSAGE + id + " (its executor was lost or it was evicted); the driver rebuilds it from the input");
        }
    }

    /** The last two blocks used, by global index. */
    private static final class Recent {
        private int lastIndex = -1;
        private SoftReference<ShardBlock> last = new SoftReference<>(null);
        private int olderIndex = -1;
        private SoftReference<ShardBlock> older = new SoftReference<>(null);

        synchronized ShardBlock get(int g) {
            return g == lastIndex ? last.get() : g == olderIndex ? older.get() : null;
        }

        synchronized void put(int g, ShardBlock block) {
            olderIndex = lastIndex;
            older = last;
            lastIndex = g;
            last = new SoftReference<>(block);
        }
    }
}
