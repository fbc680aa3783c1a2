package org.sparknn.tensor;

import java.io.Serializable;

/**
 * Rows of a sparse matrix in compressed sparse row form: the non-zeros of row r are
 * {@code columns[k], values[k]} for k in {@code rowStart[r]..rowStart[r+1]}, columns ascending
 * within a row. The arrays may be longer than the rows use (a batch buffer reused across steps).
 */
public record Csr(int rows, int[] rowStart, int[] columns, float[] values) implements Serializable {

    /** Non-zeros over all rows. */
    public int nonZeros() {
        return rowStart[rows] - rowStart[0];
    }

    /** The rows written out densely, [rows x width] row-major (for tests and small inputs). */
    public float[] toDense(int width) {
        float[] x = new float[Math.multiplyExact(rows, width)];
        for (int r = 0; r < rows; r++) {
            for (int k = rowStart[r]; k < rowStart[r + 1]; k++) {
                x[r * width + columns[k]] = values[k];
            }
        }
        return x;
    }
}
