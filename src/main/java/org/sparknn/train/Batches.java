package org.sparknn.train;

import org.sparknn.data.RowSource;

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

    /** Gathers rows order[from, from + n) of the source, or rows from..from+n-1 when order is null. */
    public void gather(RowSource rows, int[] order, int from, int n) {
        float[] features = rows.features();
        float[] rowLabels = rows.labels();
        for (int r = 0; r < n; r++) {
            int row = order == null ? from + r : order[from + r];
            System.arraycopy(features, row * featureSize, x, r * featureSize, featureSize);
            System.arraycopy(rowLabels, row * labelWidth, labels, r * labelWidth, labelWidth);
            ids[r] = rows.sampleId(row);
        }
    }
}
