package org.sparknn.cli;

import org.apache.spark.ml.Model;
import org.apache.spark.ml.PredictionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparknn.spark.RowCheck;
import org.sparknn.spark.ml.ModelFiles;
import org.sparknn.spark.ml.NeuralNetClassificationModel;
import org.sparknn.spark.ml.NeuralNetRegressionModel;

import java.io.IOException;

/** Loads a saved sparknn model of either kind, with a clear error when the path holds none, and the data it is applied to. */
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

    /**
     * The data the job names, read and checked as training data is: LibSVM indices within
     * --features or else the model's inputs, vectors of the model's size, finite values and, when
     * the labels are read, class indices for a classifier.
     */
    static Dataset<Row> data(SparkSession spark, ModelJobArgs a, Model<?> m, boolean readLabels) throws IOException {
        int inputs = ((PredictionModel<?, ?>) m).numFeatures();
        int features = a.features() > 0 ? a.features() : inputs;
        String bound = a.features() > 0 ? "--features " + a.features() : "the model's " + inputs + " inputs";
        Dataset<Row> df = Inputs.frame(spark, a.format(), a.data(), a.split(), features, bound);
        int classes = readLabels && m instanceof NeuralNetClassificationModel c ? c.numClasses() : 0;
        return new RowCheck(a.data(), "features", readLabels ? "label" : null, classes, false).withSize(inputs).apply(df);
    }
}
