package org.sparknn.cli;

import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparknn.data.Dataset;
import org.sparknn.data.IdxReader;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads the data a job names: IDX directories on the driver, LibSVM and Parquet through Spark. */
public final class Inputs {
    private Inputs() {}

    /** An IDX split (train or test) of a directory, read on the driver. */
    public static Dataset idx(String dir, String split) throws IOException {
        return IdxReader.readDir(java.nio.file.Path.of(dir), split);
    }

    /**
     * A DataFrame with columns id (long), label (double) and features (vector). For IDX the split
     * names the files of the directory; LibSVM and Parquet read the path as it is (Parquet needs
     * label and features columns).
     */
    static org.apache.spark.sql.Dataset<Row> frame(SparkSession spark, String format, String path, String split,
                                                   int features) throws IOException {
        requireExists(spark, path);
        switch (format) {
            case "idx" -> {
                return frame(spark, idx(path, split));
            }
            case "libsvm" -> {
                var reader = spark.read().format("libsvm");
                if (features > 0) {
                    reader = reader.option("numFeatures", String.valueOf(features));
                }
                return withId(reader.load(path));
            }
            case "parquet" -> {
                org.apache.spark.sql.Dataset<Row> df = spark.read().parquet(path);
                for (String col : new String[] {"label", "features"}) {
                    if (!Arrays.asList(df.columns()).contains(col)) {
                        throw new IllegalArgumentException(path + ": no column '" + col + "'; found " + Arrays.toString(df.columns()));
                    }
                }
                return withId(df.select("label", "features"));
            }
            default -> throw new IllegalArgumentException("data format must be one of " + JobConfig.FORMATS + ", got '" + format + "'");
        }
    }

    public static org.apache.spark.sql.Dataset<Row> frame(SparkSession spark, Dataset d) {
        List<Row> rows = new ArrayList<>(d.size());
        int f = d.featureSize();
        for (int i = 0; i < d.size(); i++) {
            double[] x = new double[f];
            for (int j = 0; j < f; j++) {
                x[j] = d.features()[i * f + j];
            }
            rows.add(RowFactory.create((long) i, (double) d.labels()[i], Vectors.dense(x)));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("label", DataTypes.DoubleType)
                .add("features", SQLDataTypes.VectorType());
        return spark.createDataFrame(rows, schema);
    }

    /** {@link #frame(SparkSession, Dataset)}, cached and materialized (for runs that time training alone). */
    public static org.apache.spark.sql.Dataset<Row> cachedFrame(SparkSession spark, Dataset d) {
        org.apache.spark.sql.Dataset<Row> df = frame(spark, d).cache();
        df.count();
        return df;
    }

    private static org.apache.spark.sql.Dataset<Row> withId(org.apache.spark.sql.Dataset<Row> df) {
        return df.withColumn("id", org.apache.spark.sql.functions.monotonically_increasing_id()).select("id", "label", "features");
    }

    static void requireExists(SparkSession spark, String path) throws IOException {
        Path p = new Path(path);
        if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
            throw new IllegalArgumentException("input path not found: " + path);
        }
    }
}
