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
        for (int r = 0; r < n; r++) {
            int row = order == null ? from + r : order[from + r];
            System.arraycopy(data.features(), row * featureSize, x, r * featureSize, featureSize);
            System.arraycopy(data.labels(), row * labelWidth, labels, r * labelWidth, labelWidth);
            ids[r] = row;
        }
    }
}
