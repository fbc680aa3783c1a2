package org.sparknn.spark;

import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Features columns besides ML vectors, read as the dense vectors the network takes: a struct of
 * Spark's {@code image} data source (height, width, nChannels, mode, data: 8-bit pixels, rows of
 * interleaved BGR(A) bytes) becomes NCHW floats in [0, 1] with the channels in RGB(A) order
 * (gray stays one channel); an array of numbers is taken as it is. Both are checked against the
 * model's input shape, so that a row of the wrong size fails naming its shape, not as a
 * mismatched vector length somewhere later.
 */
public final class FeatureValues {
    private static final List<String> IMAGE_FIELDS = List.of("height", "width", "nChannels", "mode", "data");
    /** OpenCV type codes of Spark's image source: 8-bit unsigned, 1, 3 or 4 channels. */
    private static final int CV_8UC1 = 0;
    private static final int CV_8UC3 = 16;
    private static final int CV_8UC4 = 24;

    private FeatureValues() {}

    /** Whether a column of this type is an image struct or an array of numbers (the forms this class reads). */
    public static boolean convertible(DataType type) {
        if (type instanceof ArrayType a) {
            return a.elementType() instanceof NumericType;
        }
        return type instanceof StructType s && Arrays.asList(s.fieldNames()).containsAll(IMAGE_FIELDS);
    }

    /**
     * Spark ML's schema check as if {@code col} held vectors: {@code validate} sees the column as
     * a vector column, and the schema it returns gets the column's own type back (the rows keep it).
     */
    public static StructType validated(StructType schema, String col, UnaryOperator<StructType> validate) {
        if (!Arrays.asList(schema.fieldNames()).contains(col) || !convertible(schema.apply(col).dataType())) {
            return validate.apply(schema);
        }
        StructField own = schema.apply(col);
        StructType out = validate.apply(replace(schema, col, new StructField(col, SQLDataTypes.VectorType(), own.nullable(), own.metadata())));
        return replace(out, col, own);
    }

    private static StructType replace(StructType schema, String col, StructField field) {
        StructField[] fields = schema.fields().clone();
        fields[schema.fieldIndex(col)] = field;
        return new StructType(fields);
    }

    /**
     * The cell as a vector: a vector as it is, an image or a numeric array converted (null stays
     * null). {@code shape}: the model's input shape (checked), or null to take any size.
     *
     * @throws IllegalArgumentException saying what the cell holds and what the shape needs (the caller names the row)
     */
    public static Object vector(Object cell, int[] shape) {
        if (cell instanceof Row image) {
            return image(image, shape);
        }
        if (cell instanceof scala.collection.Seq<?> seq) {
            return array(seq, shape);
        }
        return cell;
    }

    private static Vector image(Row image, int[] shape) {
        int h = image.getInt(image.fieldIndex("height"));
        int w = image.getInt(image.fieldIndex("width"));
        int c = image.getInt(image.fieldIndex("nChannels"));
        int mode = image.getInt(image.fieldIndex("mode"));
        byte[] data = (byte[]) image.get(image.fieldIndex("data"));
        String origin = Arrays.asList(image.schema().fieldNames()).contains("origin") ? " (" + image.getAs("origin") + ")" : "";
        if (mode != CV_8UC1 && mode != CV_8UC3 && mode != CV_8UC4 || data == null) {
            throw new IllegalArgumentException("is an image" + origin + " of mode " + mode + ", not an 8-bit image of 1, 3 or 4 "
                    + "channels (an invalid file? read with the image source's dropInvalid=true)");
        }
        if (shape != null && !(shape.length == 3 ? shape[0] == c && shape[1] == h && shape[2] == w : product(shape) == (long) c * h * w)) {
            throw new IllegalArgumentException("is an image" + origin + " of " + h + "x" + w + " pixels with " + c
                    + " channels, which does not fit the model's inputShape " + Arrays.toString(shape) + " (channels, height, width)");
        }
        if (data.length != h * w * c) {
            throw new IllegalArgumentException("is an image" + origin + " of " + h + "x" + w + "x" + c + " whose data holds "
                    + data.length + " bytes, not " + h * w * c);
        }
        double[] x = new double[c * h * w];
        int area = h * w;
        for (int ch = 0; ch < c; ch++) {
            int from = c >= 3 && ch < 3 ? 2 - ch : ch; // BGR(A) bytes, RGB(A) channels
            for (int i = 0; i < area; i++) {
                x[ch * area + i] = (data[i * c + from] & 0xFF) / 255.0;
            }
        }
        return new DenseVector(x);
    }

    private static Vector array(scala.collection.Seq<?> seq, int[] shape) {
        int n = seq.length();
        if (shape != null && product(shape) != n) {
            throw new IllegalArgumentException("is an array of " + n + " values; the model's inputShape " + Arrays.toString(shape)
                    + " needs " + product(shape));
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            if (!(seq.apply(i) instanceof Number v)) {
                throw new IllegalArgumentException("is an array holding a null at index " + i);
            }
            x[i] = v.doubleValue();
        }
        return new DenseVector(x);
    }

    private static long product(int[] shape) {
        long p = 1;
        for (int d : shape) {
            p *= d;
        }
        return p;
    }
}
