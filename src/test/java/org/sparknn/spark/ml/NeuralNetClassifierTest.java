package org.sparknn.spark.ml;

import org.apache.spark.ml.param.DoubleParam;
import org.sparknn.nn.MlpShape;
import org.sparknn.train.TrainConfig;

import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.spark.SparkSetup;

import java.nio.file.Files;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NeuralNetClassifierTest {
    private static SparkSession spark;
    private static Dataset<Row> train;
    private static Dataset<Row> test;

    @BeforeAll
    static void data() {
        spark = SparkSetup.localSession("local[2]", "sparknn-ml-tests", false);
        train = MlTestData.digits(spark, "train", 4).cache();
        test = MlTestData.digits(spark, "test", 4).cache();
    }

    private static NeuralNetClassifier small() {
        return new NeuralNetClassifier().set(MlpShape.HIDDEN_LAYERS, new int[] {64}).set(TrainConfig.EPOCHS, 4).set(TrainConfig.BATCH_SIZE, 64)
                .set(TrainConfig.WORKERS, 2).set(TrainConfig.LEARNING_RATE, 0.002).set(TrainConfig.SEED, 5L);
    }

    private static double accuracy(Dataset<Row> predictions) {
        return new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predictions);
    }

    @Test
    void fitTransformAddsPredictionProbabilityAndRawPrediction() {
        NeuralNetClassificationModel model = small().fit(train);
        assertEquals(10, model.numClasses());
        assertEquals(784, model.numFeatures());
        Dataset<Row> out = model.transform(test);
        assertTrue(List.of(out.columns()).containsAll(List.of("prediction", "probability", "rawPrediction")));
        double acc = accuracy(out);
        assertTrue(acc > 0.85, "accuracy " + acc);
        Row first = out.select("probability", "rawPrediction", "prediction").first();
        Vector p = first.getAs(0);
        double sum = 0;
        for (double v : p.toArray()) {
            sum += v;
        }
        assertEquals(1.0, sum, 1e-9);
        assertEquals(p.argmax(), (int) first.getDouble(2));
        assertEquals(((Vector) first.getAs(1)).argmax(), p.argmax());
        assertEquals(4, ((Number) model.trainingSummary().get("epochs")).intValue());
    }

    @Test
    void saveThenLoadGivesIdenticalPredictions(@TempDir java.nio.file.Path dir) throws Exception {
        NeuralNetClassificationModel model = small().set(TrainConfig.EPOCHS, 1).fit(train);
        String path = dir.resolve("model").toString();
        model.write().save(path);
        NeuralNetClassificationModel loaded = NeuralNetClassificationModel.load(path);
        assertEquals(model.uid(), loaded.uid());
        assertEquals(model.get(TrainConfig.EPOCHS), loaded.get(TrainConfig.EPOCHS));
        assertArrayEquals(model.get(MlpShape.HIDDEN_LAYERS), loaded.get(MlpShape.HIDDEN_LAYERS));
        List<Row> a = model.transform(test).select("probability").collectAsList();
        List<Row> b = loaded.transform(test).select("probability").collectAsList();
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(((Vector) a.get(i).get(0)).toArray(), ((Vector) b.get(i).get(0)).toArray(), 0.0);
        }
        // no silent overwrite; overwrite() when asked
        assertThrows(Exception.class, () -> model.write().save(path));
        model.write().overwrite().save(path);

        // a corrupt or foreign file is refused with a clear error; the local file system's own
        // .crc sidecars are removed so that sparknn's checks are the ones tested (object stores have none)
        Files.deleteIfExists(dir.resolve("model/sparknn/.weights.bin.crc"));
        Files.deleteIfExists(dir.resolve("model/sparknn/.model.json.crc"));
        java.nio.file.Path weights = dir.resolve("model/sparknn/weights.bin");
        byte[] bytes = Files.readAllBytes(weights);
        bytes[100] ^= 1;
        Files.write(weights, bytes);
        Exception e = assertThrows(Exception.class, () -> NeuralNetClassificationModel.load(path));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        // a well-formed file (valid checksum) whose weights are not finite
        bytes[100] ^= 1;
        java.util.List<float[]> arrays = org.sparknn.data.FloatFile.decode(bytes, "SPARKNNW", ModelFiles.FORMAT_VERSION, "weights");
        arrays.get(0)[3] = Float.NaN;
        Files.write(weights, org.sparknn.data.FloatFile.encode("SPARKNNW", ModelFiles.FORMAT_VERSION, arrays));
        e = assertThrows(IllegalArgumentException.class, () -> NeuralNetClassificationModel.load(path));
        assertTrue(e.getMessage().contains("model weight 3 is NaN; a model holds finite numbers only"), e.getMessage());
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        e = assertThrows(Exception.class, () -> NeuralNetClassificationModel.load(path));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        java.nio.file.Path meta = dir.resolve("model/sparknn/model.json");
        String metaText = Files.readString(meta);
        String version = "\"formatVersion\" : " + ModelFiles.FORMAT_VERSION;
        assertTrue(metaText.contains(version), metaText);
        Files.writeString(meta, metaText.replace(version, "\"formatVersion\" : 7"));
        e = assertThrows(Exception.class, () -> NeuralNetClassificationModel.load(path));
        assertTrue(e.getMessage().contains("model format version 7; this sparknn reads version " + ModelFiles.FORMAT_VERSION),
                e.getMessage());
        // a spec whose parameter count disagrees with the (intact) weight file
        Files.write(weights, bytes);
        java.util.regex.Matcher units = java.util.regex.Pattern.compile("\"units\"\\s*:\\s*(\\d+)").matcher(metaText);
        assertTrue(units.find(), metaText);
        String wider = metaText.substring(0, units.start(1)) + (Integer.parseInt(units.group(1)) + 1) + metaText.substring(units.end(1));
        Files.writeString(meta, wider);
        e = assertThrows(Exception.class, () -> NeuralNetClassificationModel.load(path));
        assertTrue(e.getMessage().contains(path) && e.getMessage().contains("its spec needs"), e.getMessage());
    }

    @Test
    void pipelineWithStringLabelsRoundTrips(@TempDir java.nio.file.Path dir) throws Exception {
        Dataset<Row> named = train.withColumn("digit", concat(lit("digit-"), col("label").cast("int")));
        StringIndexer indexer = new StringIndexer().setInputCol("digit").setOutputCol("indexed");
        NeuralNetClassifier nn = small().set(TrainConfig.EPOCHS, 2);
        nn.setLabelCol("indexed");
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {indexer, nn}).fit(named);
        String path = dir.resolve("pipeline").toString();
        model.save(path);
        PipelineModel loaded = PipelineModel.load(path);
        Dataset<Row> namedTest = test.withColumn("digit", concat(lit("digit-"), col("label").cast("int")));
        List<Row> a = model.transform(namedTest).select("prediction").collectAsList();
        List<Row> b = loaded.transform(namedTest).select("prediction").collectAsList();
        assertEquals(a, b);
        assertTrue(loaded.stages()[1] instanceof NeuralNetClassificationModel);
        double acc = new MulticlassClassificationEvaluator().setLabelCol("indexed").setMetricName("accuracy")
                .evaluate(loaded.transform(namedTest));
        assertTrue(acc > 0.8, "accuracy " + acc);
        assertTrue(new Path(path).getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(new Path(path, "stages")));
    }

    @Test
    void crossValidatorPicksOneOfTwoValuesAndTheResultIsUsable() {
        NeuralNetClassifier nn = small().set(TrainConfig.EPOCHS, 2);
        ParamMap[] grid = new ParamGridBuilder().addGrid(nn.<DoubleParam>param(TrainConfig.L2), new double[] {0.0, 0.5}).build();
        CrossValidator cv = new CrossValidator().setEstimator(nn).setEstimatorParamMaps(grid)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2).setSeed(3);
        CrossValidatorModel cvModel = cv.fit(train);
        double[] metrics = cvModel.avgMetrics();
        assertEquals(2, metrics.length);
        NeuralNetClassificationModel best = (NeuralNetClassificationModel) cvModel.bestModel();
        double bestL2 = best.get(TrainConfig.L2);
        assertTrue(bestL2 == 0.0 || bestL2 == 0.5);
        int bestIndex = metrics[0] >= metrics[1] ? 0 : 1;
        assertEquals(bestIndex == 0 ? 0.0 : 0.5, bestL2);
        assertTrue(accuracy(cvModel.transform(test)) > 0.7);
    }

    @Test
    void paramsValidateAndDescribeThemselves() {
        NeuralNetClassifier nn = new NeuralNetClassifier();
        assertThrows(IllegalArgumentException.class, () -> nn.set(TrainConfig.MOMENTUM, 1.5));
        assertThrows(IllegalArgumentException.class, () -> nn.set(nn.getParam("optimizer"), "lbfgs"));
        assertThrows(IllegalArgumentException.class, () -> nn.set(MlpShape.DROPOUT_RATE, 1.0));
        assertEquals(10, nn.get(TrainConfig.EPOCHS));
        assertTrue(nn.explainParams().contains("learningRate: base learning rate, > 0 (default: 0.001)"), nn.explainParams());
        NeuralNetClassifier copy = nn.set(TrainConfig.L1, 0.01).copy(ParamMap.empty());
        assertEquals(0.01, copy.get(TrainConfig.L1));
        assertEquals(nn.uid(), copy.uid());
    }
}
