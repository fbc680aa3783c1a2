package org.sparknn.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The check every input row passes as it is read, for training ({@link Shards#fromDataFrame}) and
 * for the evaluate and predict jobs alike: a features vector (of the model's size when one is
 * given) of finite float values, a finite label, and for a classifier a class index. Errors name
 * the source and the row, its 0-based position in the input (in a LibSVM file: among the lines
 * that hold rows), and a feature by its 0-based index in the vector.
 *
 * <p>With {@code dropNonFinite}, a row whose label or a feature is not a finite float is skipped
 * instead; a finite label that is not a class index is still an error.
 */
public final class RowCheck implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String source;
    private final String featuresCol;
    private final String labelCol;
    private final int classes;
    private final boolean dropNonFinite;
    private final int size;
    /** The model's input shape that image and array cells must fit (see {@link FeatureValues}); null: any. */
    private final int[] shape;

    /**
     * @param labelCol null when the labels are not read (predict)
     * @param classes  above 0: labels must be class indices below it
     */
    public RowCheck(String source, String featuresCol, String labelCol, int classes, boolean dropNonFinite) {
        this(source, featuresCol, labelCol, classes, dropNonFinite, 0, null);
    }

    private RowCheck(String source, String featuresCol, String labelCol, int classes, boolean dropNonFinite, int size, int[] shape) {
        this.source = source;
        this.featuresCol = featuresCol;
        this.labelCol = labelCol;
        this.classes = classes;
        this.dropNonFinite = dropNonFinite;
        this.size = size;
        this.shape = shape;
    }

    /** The same check, also requiring vectors of {@code size} values (the model's inputs). */
    public RowCheck withSize(int size) {
        return new RowCheck(source, featuresCol, labelCol, classes, dropNonFinite, size, shape);
    }

    /** The same check, with image and array cells required to fit the model's input shape. */
    public RowCheck withShape(int[] shape) {
        return new RowCheck(source, featuresCol, labelCol, classes, dropNonFinite, size, shape.clone());
    }

    /** The features cell as a vector: images and numeric arrays converted (see {@link FeatureValues}), the error naming the row. */
    Object features(Object cell, long row) {
        try {
            return FeatureValues.vector(cell, shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where(featuresCol, row) + " " + e.getMessage(), e);
        }
    }

    public String source() {
        return source;
    }

    public String featuresCol() {
        return featuresCol;
    }

    public String labelCol() {
        return labelCol;
    }

    public boolean dropsNonFinite() {
        return dropNonFinite;
    }

    void requireColumns(Dataset<Row> df) {
        for (String col : labelCol == null ? new String[] {featuresCol} : new String[] {featuresCol, labelCol}) {
            if (!Arrays.asList(df.columns()).contains(col)) {
                throw new IllegalArgumentException(source + " has no column '" + col + "'; columns: " + Arrays.toString(df.columns()));
            }
        }
    }

    /**
     * The rows of {@code df} checked as they are read (lazily, by whatever action reads them), the
     * row number taken from its {@code id} column; rows the check drops are left out.
     */
    public Dataset<Row> apply(Dataset<Row> df) {
        requireColumns(df);
        int id = df.schema().fieldIndex("id");
        int f = df.schema().fieldIndex(featuresCol);
        int l = labelCol == null ? -1 : df.schema().fieldIndex(labelCol);
        JavaRDD<Row> rows = df.javaRDD().filter(r -> keep(r.get(f), l < 0 ? null : r.get(l), r.getLong(id)));
        return df.sparkSession().createDataFrame(rows, df.schema());
    }

    /** True when the row passes; false when it holds a non-finite value and such rows are dropped. */
    boolean keep(Object features, Object label, long row) {
        if (!(features instanceof Vector vec)) {
            throw new IllegalArgumentException(where(featuresCol, row) + " is " + (features == null ? "null" : features.getClass().getSimpleName())
                    + ", expected a vector, an image or an array of numbers");
        }
        if (size > 0 && vec.size() != size) {
            throw new IllegalArgumentException(where(featuresCol, row) + " has " + vec.size() + " values, the model expects " + size);
        }
        if (labelCol != null) {
            if (!(label instanceof Number num)) {
                throw new IllegalArgumentException(where(labelCol, row) + " is " + label + ", expected a finite number");
            }
            double d = num.doubleValue();
            if (!Float.isFinite((float) d)) {
                if (dropNonFinite) {
                    return false;
                }
                throw new IllegalArgumentException(where(labelCol, row) + " is " + d + (Double.isFinite(d) ? ", beyond the float range" : "")
                        + ", expected a finite number");
            }
            if (classes > 0 && (d != Math.rint(d) || d < 0 || d >= classes)) {
                throw new IllegalArgumentException(where(labelCol, row) + " is " + d + ", which is not a class index of the model's "
                        + classes + " classes (0.." + (classes - 1) + ")");
            }
        }
        // only the stored values: a sparse vector is not expanded to be checked
        SparseVector sparse = vec instanceof SparseVector s ? s : null;
        double[] values = sparse != null ? sparse.values() : vec.toArray();
        for (int k = 0; k < values.length; k++) {
            if (!Float.isFinite((float) values[k])) {
                if (dropNonFinite) {
                    return false;
                }
                int i = sparse != null ? sparse.indices()[k] : k;
                throw new IllegalArgumentException(where(featuresCol, row) + " holds " + values[k] + " at index " + i
                        + (Double.isFinite(values[k]) ? ", beyond the float range" : "") + "; features must be finite numbers");
            }
        }
        return true;
    }

    private String where(String col, long row) {
        return source + ": column '" + col + "' of row " + row;
    }
}
