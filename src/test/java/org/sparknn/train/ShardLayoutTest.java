package org.sparknn.train;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardLayoutTest {

    @Test
    void everyRowHasOneSlotAndShardsAndBlocksAreBalancedAndBounded() {
        for (int[] c : new int[][] {{1000, 3, 64}, {7, 7, 1}, {1001, 2, 1000}, {5000, 4, 333}}) {
            int total = c[0];
            ShardLayout layout = new ShardLayout(total, c[1], 11, c[2]);
            int blocks = layout.totalBlocks();
            int[] filled = new int[blocks];
            Set<Long> slots = new HashSet<>();
            for (int id = 0; id < total; id++) {
                long at = layout.locate(id);
                int g = (int) (at >>> 32);
                int shard = layout.shardOfBlock(g);
                assertEquals(layout.shardOf(id), shard, "id " + id);
                // the shard a row lands in is the one the position formula names
                assertEquals((int) (layout.position(id) * c[1] / total), shard);
                int slot = (int) at;
                assertTrue(slot >= 0 && slot < layout.blockSize(shard, g - layout.globalBlock(shard, 0)));
                assertTrue(slots.add(at), "two rows in one slot");
                filled[g]++;
            }
            int sum = 0;
            for (int p = 0; p < c[1]; p++) {
                assertTrue(Math.abs(layout.size(p) - (double) total / c[1]) < 1, "shard " + p + " of " + layout);
                int min = Integer.MAX_VALUE;
                int max = 0;
                for (int b = 0; b < layout.blocks(p); b++) {
                    int n = layout.blockSize(p, b);
                    assertEquals(n, filled[layout.globalBlock(p, b)]);
                    assertTrue(n <= c[2], "block of " + n + " rows, bound " + c[2]);
                    min = Math.min(min, n);
                    max = Math.max(max, n);
                }
                assertTrue(max - min <= 1, "blocks of one shard differ by at most one row");
                assertEquals(layout.blocks(p), (layout.size(p) + c[2] - 1) / c[2]);
                sum += layout.size(p);
            }
            assertEquals(total, sum);
        }
    }

    @Test
    void layoutsOfBillionsOfRowsStayInRange() {
        ShardLayout layout = new ShardLayout(3_000_000_000L, 64, 1, 4096);
        long rows = 0;
        for (int p = 0; p < 64; p++) {
            rows += layout.size(p);
        }
        assertEquals(3_000_000_000L, rows);
        for (long id : new long[] {0, 1_234_567_890L, 2_999_999_999L}) {
            long at = layout.locate(id);
            int g = (int) (at >>> 32);
            int shard = layout.shardOfBlock(g);
            assertTrue((int) at < layout.blockSize(shard, g - layout.globalBlock(shard, 0)));
        }
        assertThrows(IllegalArgumentException.class, () -> new ShardLayout(5_000_000_000L, 2, 1, 4096),
                "a shard of more than 2^31 - 1 rows");
    }

    @Test
    void anEpochVisitsEveryRowOnceAndAStepReadsAtMostTwoBlocks() {
        ShardLayout layout = new ShardLayout(2000, 2, 3, 150);
        BatchPlan plan = new BatchPlan(3, 64, layout);
        for (int shard = 0; shard < 2; shard++) {
            EpochOrder order = plan.order(4, shard);
            Set<Long> seen = new HashSet<>();
            for (long s = 0; s < plan.stepsPerEpoch(); s++) {
                Set<Integer> blocks = new HashSet<>();
                for (int k = 0; k < plan.count(shard, s); k++) {
                    long at = order.locate(plan.from(shard, s) + k);
                    blocks.add((int) (at >>> 32));
                    assertTrue(seen.add(at));
                }
                assertTrue(blocks.size() <= 2, "step " + s + " reads blocks " + blocks);
            }
            assertEquals(layout.size(shard), seen.size());
            // another epoch visits the blocks and rows in another order
            assertTrue(plan.order(5, shard).locate(0) != order.locate(0) || plan.order(5, shard).locate(1) != order.locate(1));
        }
    }
}
