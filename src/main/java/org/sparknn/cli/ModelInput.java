package org.sparknn.cli;

import org.apache.spark.ml.Model;
import org.apache.spark.sql.SparkSession;
import org.sparknn.spark.ml.ModelFiles;
import org.sparknn.spark.ml.NeuralNetClassificationModel;
import org.sparknn.spark.ml.NeuralNetRegressionModel;

import java.io.IOException;

/** Loads a saved sparknn model of either kind, with a clear error when the path holds none. */
final class ModelInput {
    private ModelInput() {}

    static Model<?> load(SparkSession spark, String path) throws IOException {
        Inputs.requireExists(spark, path);
        String kind;
        try {
            kind = ModelFiles.readInfo(path, spark.sparkContext().hadoopConfiguration()).kind();
        } catch (IOException e) {
            // a missing, truncated or foreign model.json is bad input, as a damaged weights file is
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return switch (kind) {
            case "classifier" -> NeuralNetClassificationModel.load(path);
            case "regressor" -> NeuralNetRegressionModel.load(path);
            default -> throw new IllegalArgumentException(path + ": unknown model kind '" + kind + "'");
        };
    }
}
