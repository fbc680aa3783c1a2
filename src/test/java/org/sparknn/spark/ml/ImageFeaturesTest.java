package org.sparknn.spark.ml;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.spark.FeatureValues;
import org.sparknn.spark.SparkSetup;
import org.sparknn.train.TrainConfig;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A DataFrame of Spark's image source (PNGs written here) trains a CNN through the estimator, no conversion by hand. */
class ImageFeaturesTest {
    private static final int SIDE = 8;
    private static SparkSession spark;

    @BeforeAll
    static void session() {
        spark = SparkSetup.localSession("local[2]", "sparknn-ml-tests", false);
    }

    /** Reddish images are class 0 ("c0_" files), bluish ones class 1, with noise. */
    private static void writeImages(Path dir, int perClass, int side) throws IOException {
        Random random = new Random(3);
        for (int label = 0; label < 2; label++) {
            for (int i = 0; i < perClass; i++) {
                BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        int strong = 150 + random.nextInt(100);
                        int weak = random.nextInt(100);
                        int r = label == 0 ? strong : weak;
                        int b = label == 0 ? weak : strong;
                        image.setRGB(x, y, r << 16 | random.nextInt(256) << 8 | b);
                    }
                }
                ImageIO.write(image, "png", dir.resolve("c" + label + "_" + i + ".png").toFile());
            }
        }
    }

    private static Dataset<Row> images(Path dir) {
        Dataset<Row> df = spark.read().format("image").load(dir.toString());
        return df.withColumn("label", when(col("image.origin").contains("/c1_"), lit(1.0)).otherwise(lit(0.0)));
    }

    private static String tinyCnn() {
        return new ModelSpec(new int[] {3, SIDE, SIDE}, List.of(new LayerSpec.Conv2d(4, 3, 1, 1), new LayerSpec.BatchNorm2d(),
                new LayerSpec.Relu(), new LayerSpec.MaxPool2d(2), new LayerSpec.Flatten(), new LayerSpec.Dense(2),
                new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY).toJson();
    }

    private static NeuralNetClassifier classifier() {
        return new NeuralNetClassifier().setFeaturesCol("image").set(ParamHolder.MODEL_SPEC, tinyCnn()).set(TrainConfig.EPOCHS, 1)
                .set(TrainConfig.BATCH_SIZE, 8).set(TrainConfig.WORKERS, 2).set(TrainConfig.SEED, 7L).set(TrainConfig.PROGRESS, false);
    }

    @Test
    void aCnnTrainsOnTheImageSourceAndPredicts(@TempDir Path dir) throws IOException {
        writeImages(dir, 12, SIDE);
        Dataset<Row> df = images(dir);
        NeuralNetClassificationModel model = classifier().fit(df);
        assertEquals(3 * SIDE * SIDE, model.numFeatures());
        Dataset<Row> out = model.transform(df);
        List<Row> rows = out.select("prediction", "probability", "image.origin").collectAsList();
        assertEquals(24, rows.size());
        for (Row r : rows) {
            double prediction = r.getDouble(0);
            assertTrue(prediction == 0 || prediction == 1, "prediction " + prediction);
            assertEquals(1.0, ((Vector) r.get(1)).toArray()[0] + ((Vector) r.get(1)).toArray()[1], 1e-9);
        }
    }

    @Test
    void pixelsBecomeNchwFloatsInRgbOrderScaledToOne(@TempDir Path dir) throws IOException {
        BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                image.setRGB(x, y, (10 * (3 * y + x)) << 16 | 100 << 8 | 255);
            }
        }
        ImageIO.write(image, "png", dir.resolve("one.png").toFile());
        Row cell = spark.read().format("image").load(dir.toString()).select("image").first().getStruct(0);
        double[] got = ((Vector) FeatureValues.vector(cell, new int[] {3, 2, 3})).toArray();
        double[] expected = new double[18];
        for (int i = 0; i < 6; i++) {
            expected[i] = 10 * i / 255.0; // red plane, row-major
            expected[6 + i] = 100 / 255.0;
            expected[12 + i] = 1.0;
        }
        assertArrayEquals(expected, got, 1e-12);
        assertArrayEquals(new double[] {1.5, 2, -3}, ((Vector) FeatureValues.vector(
                scala.jdk.javaapi.CollectionConverters.asScala(List.of(1.5, 2, -3L)).toSeq(), new int[] {3})).toArray(), 0);
    }

    /** An array column trains an MLP (no modelSpec: any consistent size) and a CNN whose inputShape it fits. */
    @Test
    void arraysOfNumbersTrainAndPredict() {
        Dataset<Row> digits = MlTestData.digits(spark, "train", 20).withColumn("pixels",
                org.apache.spark.ml.functions.vector_to_array(col("features"), "float32")).drop("features");
        NeuralNetClassificationModel mlp = new NeuralNetClassifier().setFeaturesCol("pixels").set(TrainConfig.EPOCHS, 1)
                .set(TrainConfig.WORKERS, 2).set(TrainConfig.PROGRESS, false).fit(digits);
        assertEquals(784, mlp.numFeatures());
        String lenet = new ModelSpec(new int[] {1, 28, 28}, List.of(new LayerSpec.Conv2d(4, 5, 1, 2), new LayerSpec.Relu(),
                new LayerSpec.MaxPool2d(2), new LayerSpec.Flatten(), new LayerSpec.Dense(10), new LayerSpec.Softmax()),
                LossKind.SOFTMAX_CROSS_ENTROPY).toJson();
        NeuralNetClassificationModel cnn = new NeuralNetClassifier().setFeaturesCol("pixels").set(ParamHolder.MODEL_SPEC, lenet)
                .set(TrainConfig.EPOCHS, 1).set(TrainConfig.WORKERS, 2).set(TrainConfig.PROGRESS, false).fit(digits);
        for (NeuralNetClassificationModel model : List.of(mlp, cnn)) {
            assertEquals(digits.count(), model.transform(digits).filter(col("prediction").geq(0)).count());
        }
    }

    @Test
    void anImageOfAnotherShapeIsNamedWithItsRow(@TempDir Path dir) throws IOException {
        Path right = java.nio.file.Files.createDirectories(dir.resolve("right"));
        Path odd = java.nio.file.Files.createDirectories(dir.resolve("odd"));
        writeImages(right, 3, SIDE);
        writeImages(odd, 1, 6);
        Dataset<Row> df = images(right).union(images(odd));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> classifier().fit(df));
        assertTrue(e.getMessage().matches("the training DataFrame: column 'image' of row \\d+ is an image \\(.*c[01]_0\\.png\\) of 6x6 "
                + "pixels with 3 channels, which does not fit the model's inputShape \\[3, 8, 8\\] \\(channels, height, width\\)"),
                e.getMessage());
    }
}
