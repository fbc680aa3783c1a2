package org.sparknn.train;

import org.sparknn.data.RowSource;
import org.sparknn.data.ShardRows;

/** Copies the rows of a mini-batch out of a {@link RowSource} into packed buffers. */
public final class Batches {
    private final int featureSize;
    private final int labelWidth;
    public final float[] x;
    public final float[] labels;
    public final long[] ids;

    public Batches(int capacity, int featureSize, int labelWidth) {
        this.featureSize = featureSize;
        this.labelWidth = labelWidth;
        this.x = new float[capacity * featureSize];
        this.labels = new float[capacity * labelWidth];
        this.ids = new long[capacity];
    }

    /** Gathers rows from..from+n-1 of the source. */
    public void gather(RowSource rows, int from, int n) {
        gatherAt(0, rows, from, n);
    }

    /** Gathers rows from..from+n-1 of the source into batch rows at..at+n-1. */
    public void gatherAt(int at, RowSource rows, int from, int n) {
        for (int r = 0; r < n; r++) {
            copy(at + r, rows, from + r);
        }
    }

    /** Gathers the rows at positions from..from+n-1 of an epoch's order over the shard's blocks. */
    public void gather(ShardRows shard, EpochOrder order, int from, int n) {
        for (int r = 0; r < n; r++) {
            long at = order.locate(from + r);
            copy(r, shard.block((int) (at >>> 32)), (int) at);
        }
    }

    private void copy(int r, RowSource rows, int row) {
        int stored = rows.storedRow(row);
        System.arraycopy(rows.features(), stored * featureSize, x, r * featureSize, featureSize);
        System.arraycopy(rows.labels(), stored * labelWidth, labels, r * labelWidth, labelWidth);
        ids[r] = rows.sampleId(row);
    }
}
