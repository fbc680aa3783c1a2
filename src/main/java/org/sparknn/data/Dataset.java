package org.sparknn.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * An in-memory data set: {@code size} samples of {@code featureSize} features each.
 *
 * <p>{@code features} is row-major ({@code features[i * featureSize + j]} is feature j of sample i);
 * {@code labels} holds one value per sample, the class index for classification. The arrays are
 * not copied, so callers should treat them as read-only; like any record holding arrays,
 * {@code equals} compares array identity, not contents.
 *
 * @param source where the samples came from, for messages and logs
 */
public record Dataset(String source, int size, int featureSize, float[] features, float[] labels)
        implements RowSource, java.io.Serializable {

    public Dataset {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        if (size < 0 || featureSize < 0) {
            throw new IllegalArgumentException(source + ": size and featureSize must be >= 0, got size "
                    + size + ", featureSize " + featureSize);
        }
        if ((long) size * featureSize != features.length) {
            throw new IllegalArgumentException(source + ": features has " + features.length
                    + " values, expected size x featureSize = " + size + " x " + featureSize + " = "
                    + (long) size * featureSize);
        }
        if (labels.length != size) {
            throw new IllegalArgumentException(source + ": labels has " + labels.length
                    + " values, expected one per sample (" + size + ")");
        }
    }

    @Override
    public int rows() {
        return size;
    }

    /** Samples of an in-memory data set are identified by their row index. */
    @Override
    public long sampleId(int row) {
        return row;
    }

    /**
     * Number of classes, i.e. the largest label + 1 (0 for an empty set).
     *
     * @throws IllegalStateException if a label is not a non-negative integer
     */
    public int classCount() {
        int max = -1;
        for (int i = 0; i < size; i++) {
            float label = labels[i];
            if (!(label >= 0 && label == Math.rint(label) && label < Integer.MAX_VALUE)) {
                throw new IllegalStateException(source + ": label of sample " + i + " is " + label
                        + ", not a class index (a non-negative integer)");
            }
            max = Math.max(max, (int) label);
        }
        return max + 1;
    }

    /** Copy of samples {@code from} (inclusive) to {@code to} (exclusive). */
    public Dataset slice(int from, int to) {
        Objects.checkFromToIndex(from, to, size);
        return new Dataset(source + "[" + from + ":" + to + "]", to - from, featureSize,
                Arrays.copyOfRange(features, from * featureSize, to * featureSize),
                Arrays.copyOfRange(labels, from, to));
    }
}
