package org.sparknn.train;

import org.sparknn.data.RowSource;
import org.sparknn.data.ShardRows;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.tensor.Csr;

import java.util.Arrays;

/**
 * Copies the rows of a mini-batch out of a {@link RowSource} into packed buffers: dense rows into
 * a row-major x, sparse rows (a source with {@link RowSource#sparseFeatures()}) into CSR arrays.
 * Each form is allocated when first used, so sparse data never allocate [capacity x features].
 * A batch's rows are gathered in order, all dense or all sparse.
 */
public final class Batches {
    private final int capacity;
    private final int featureSize;
    private final int labelWidth;
    private float[] x;
    private final int[] rowStart;
    private int[] columns = new int[0];
    private float[] values = new float[0];
    private boolean sparse;
    public final float[] labels;
    public final long[] ids;

    public Batches(int capacity, int featureSize, int labelWidth) {
        this.capacity = capacity;
        this.featureSize = featureSize;
        this.labelWidth = labelWidth;
        this.rowStart = new int[capacity + 1];
        this.labels = new float[Math.multiplyExact(capacity, labelWidth)];
        this.ids = new long[capacity];
    }

    /** Gathers rows from..from+n-1 of the source. */
    public void gather(RowSource rows, int from, int n) {
        gatherAt(0, rows, from, n);
    }

    /** Gathers rows from..from+n-1 of the source into batch rows at..at+n-1 (rows before {@code at} already gathered). */
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

    /** Whether the last gathered rows are sparse. */
    public boolean sparse() {
        return sparse;
    }

    /** The dense rows gathered last ([capacity x features] row-major). */
    public float[] x() {
        if (sparse) {
            throw new IllegalStateException("the batch holds sparse rows");
        }
        return x;
    }

    /** The first n sparse rows gathered last. */
    public Csr csr(int n) {
        if (!sparse) {
            throw new IllegalStateException("the batch holds dense rows");
        }
        return new Csr(n, rowStart, columns, values);
    }

    /** The network's forward pass over the first n rows, in the form they were gathered. */
    public float[] forward(Network net, int n, Pass pass) {
        return sparse ? net.forward(csr(n), pass) : net.forward(x, n, pass);
    }

    /** The network's gradient sum over the first n rows (see {@link Network#gradientSum}). */
    public BatchResult gradientSum(Network net, int n, Pass pass, Network.BackwardProgress progress) {
        return sparse ? net.gradientSum(csr(n), labels, pass, progress) : net.gradientSum(x, labels, n, pass, progress);
    }

    private void copy(int r, RowSource rows, int row) {
        int stored = rows.storedRow(row);
        Csr source = rows.sparseFeatures();
        if (r == 0) {
            sparse = source != null;
        } else if (sparse != (source != null)) {
            throw new IllegalStateException("a batch cannot mix dense and sparse rows");
        }
        if (sparse) {
            copySparse(r, source, stored);
        } else {
            if (x == null) {
                x = new float[Math.multiplyExact(capacity, featureSize)];
            }
            System.arraycopy(rows.features(), stored * featureSize, x, r * featureSize, featureSize);
        }
        System.arraycopy(rows.labels(), stored * labelWidth, labels, r * labelWidth, labelWidth);
        ids[r] = rows.sampleId(row);
    }

    private void copySparse(int r, Csr source, int stored) {
        int from = source.rowStart()[stored];
        int count = source.rowStart()[stored + 1] - from;
        int at = rowStart[r];
        int end = Math.addExact(at, count);
        if (end > columns.length) {
            int grown = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(end, 2L * columns.length));
            columns = Arrays.copyOf(columns, grown);
            values = Arrays.copyOf(values, grown);
        }
        System.arraycopy(source.columns(), from, columns, at, count);
        System.arraycopy(source.values(), from, values, at, count);
        rowStart[r + 1] = end;
    }
}
