package org.sparknn.spark.ml;

import org.sparknn.nn.MlpShape;
import org.sparknn.train.TrainConfig;

import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.spark.SparkSetup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NeuralNetRegressorTest {

    /** y = 2 x0 - x1 + 0.5 x2 x3 + small noise; the label's standard deviation is about 2.3. */
    private static Dataset<Row> data(SparkSession spark, int n, long seed) {
        Random rnd = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] x = new double[5];
            for (int j = 0; j < 5; j++) {
                x[j] = rnd.nextGaussian();
            }
            double y = 2 * x[0] - x[1] + 0.5 * x[2] * x[3] + 0.01 * rnd.nextGaussian();
            rows.add(RowFactory.create(y, Vectors.dense(x)));
        }
        return spark.createDataFrame(rows, MlTestData.schema());
    }

    @Test
    void fitsANonLinearFunctionWithEitherLossAndRoundTrips(@TempDir Path dir) throws Exception {
        SparkSession spark = SparkSetup.localSession("local[2]", "sparknn-ml-tests", false);
        Dataset<Row> train = data(spark, 2000, 1);
        Dataset<Row> test = data(spark, 500, 2);
        RegressionEvaluator rmse = new RegressionEvaluator().setMetricName("rmse");
        for (String loss : new String[] {"mse", "mae"}) {
            NeuralNetRegressor nn = new NeuralNetRegressor().setLoss(loss).set(MlpShape.HIDDEN_LAYERS, new int[] {32})
                    .set(MlpShape.ACTIVATION, MlpShape.Activation.TANH).set(MlpShape.BATCH_NORM, false).set(MlpShape.DROPOUT_RATE, 0.0).set(TrainConfig.EPOCHS, 12).set(TrainConfig.BATCH_SIZE, 64)
                    .set(TrainConfig.LEARNING_RATE, 0.02).set(TrainConfig.WORKERS, 2).set(TrainConfig.SEED, 4L);
            NeuralNetRegressionModel model = nn.fit(train);
            double error = rmse.evaluate(model.transform(test));
            assertTrue(error < 0.35, loss + ": test RMSE " + error + " (label sd about 2.3)");

            String path = dir.resolve(loss).toString();
            model.write().save(path);
            NeuralNetRegressionModel loaded = NeuralNetRegressionModel.load(path);
            assertEquals(model.transform(test).select("prediction").collectAsList(),
                    loaded.transform(test).select("prediction").collectAsList());
            assertEquals(loss, loaded.getOrDefault(loaded.loss()));
            // a regressor's files are not a classifier
            assertThrows(IllegalArgumentException.class, () -> NeuralNetClassificationModel.load(path));
        }
    }
}
