package org.sparknn.spark.ml;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparknn.data.IdxReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Bundled digits as DataFrames with label and features columns. */
final class MlTestData {
    private MlTestData() {}

    static StructType schema() {
        return new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
    }

    /** Every {@code stride}-th sample of a split (the files are stored class by class). */
    static Dataset<Row> digits(SparkSession spark, String split, int stride) {
        org.sparknn.data.Dataset d;
        try {
            d = IdxReader.readDir(Path.of("data/mnist"), split);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < d.size(); i += stride) {
            double[] x = new double[d.featureSize()];
            for (int j = 0; j < x.length; j++) {
                x[j] = d.features()[i * d.featureSize() + j];
            }
            rows.add(RowFactory.create((double) d.labels()[i], Vectors.dense(x)));
        }
        return spark.createDataFrame(rows, schema());
    }
}
