package org.sparknn.cli;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparknn.data.Dataset;
import org.sparknn.data.IdxReader;
import org.sparknn.spark.LibSvmReader;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads the data a job names: IDX directories, LibSVM and Parquet, all through Spark's executors. */
public final class Inputs {
    private Inputs() {}

    /** An IDX split (train or test) of a directory, read on the driver. */
    public static Dataset idx(String dir, String split) throws IOException {
        return IdxReader.readDir(java.nio.file.Path.of(dir), split);
    }

    /**
     * A DataFrame with columns id (the row's 0-based position in the input), label (double) and
     * features (vector). For IDX the split names the files of the directory; LibSVM and Parquet
     * read the path as it is (Parquet needs label and features columns). LibSVM indices must lie in
     * 1..features, which {@code bound} names for the message; features = 0 infers the count.
     */
    static org.apache.spark.sql.Dataset<Row> frame(SparkSession spark, String format, String path, String split,
                                                   int features, String bound) throws IOException {
        return frame(spark, format, path, split, features, bound, true);
    }

    /**
     * LibSVM or Parquet input with columns label and features, and id when {@code ids} (numbering
     * the rows costs a pass over the input, which training does not need).
     */
    static org.apache.spark.sql.Dataset<Row> frame(SparkSession spark, String format, String path, String split,
                                                   int features, String bound, boolean ids) throws IOException {
        requireExists(spark, path);
        switch (format) {
            case "idx" -> {
                return org.sparknn.spark.IdxSource.frame(spark, path, split);
            }
            case "libsvm" -> {
                return LibSvmReader.read(spark, path, features, bound, ids);
            }
            case "parquet" -> {
                org.apache.spark.sql.Dataset<Row> df = spark.read().parquet(path);
                for (String col : new String[] {"label", "features"}) {
                    if (!Arrays.asList(df.columns()).contains(col)) {
                        throw new IllegalArgumentException(path + ": no column '" + col + "'; found " + Arrays.toString(df.columns()));
                    }
                }
                return ids ? withPositions(df.select("label", "features")) : df.select("label", "features");
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

    /** Columns id, label, features; the id is the row's position, as in the other formats and in the row checks' messages. */
    private static org.apache.spark.sql.Dataset<Row> withPositions(org.apache.spark.sql.Dataset<Row> df) {
        StructType schema = new StructType().add("id", DataTypes.LongType).add(df.schema().apply("label"))
                .add(df.schema().apply("features"));
        JavaRDD<Row> rows = df.javaRDD().zipWithIndex().map(t -> RowFactory.create(t._2(), t._1().get(0), t._1().get(1)));
        return df.sparkSession().createDataFrame(rows, schema);
    }

    static void requireExists(SparkSession spark, String path) throws IOException {
        Path p = new Path(path);
        if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
            throw new IllegalArgumentException("input path not found: " + path);
        }
    }
}
