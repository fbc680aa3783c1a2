package org.sparknn.train;

import org.sparknn.data.Dataset;

/** Copies the rows of a mini-batch out of a data set into packed buffers. */
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

    /** Gathers rows order[from, from + n) of data; global ids are the row indices. */
    public void gather(Dataset data, int[] order, int from, int n) {
        gather(data.features(), data.labels(), null, order, from, n);
    }

    /**
     * Gathers rows order[from, from + n) (or from..from+n-1 when order is null) of packed rows;
     * rowIds maps a row to its global sample id (null: the row index is the id).
     */
    public void gather(float[] features, float[] rowLabels, long[] rowIds, int[] order, int from, int n) {
        for (int r = 0; r < n; r++) {
            int row = order == null ? from + r : order[from + r];
            System.arraycopy(features, row * featureSize, x, r * featureSize, featureSize);
            System.arraycopy(rowLabels, row * labelWidth, labels, r * labelWidth, labelWidth);
            ids[r] = rowIds == null ? row : rowIds[row];
        }
    }
}
