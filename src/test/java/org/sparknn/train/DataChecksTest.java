package org.sparknn.train;

import org.junit.jupiter.api.Test;
import org.sparknn.data.Dataset;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DataChecksTest {
    private static final Network CLASSIFIER = Network.create(new ModelSpec(3, List.of(new LayerSpec.Dense(4),
            new LayerSpec.BatchNorm(), new LayerSpec.Relu(), new LayerSpec.Dense(2), new LayerSpec.Softmax()),
            LossKind.SOFTMAX_CROSS_ENTROPY), 1);

    private static Dataset data(int features, float... labels) {
        return new Dataset("mem", labels.length, features, new float[labels.length * features], labels);
    }

    @Test
    void labelOutsideTheClassesNamesTheSample() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataChecks.requireCompatible(CLASSIFIER, data(3, 0, 1, 2), "test"));
        assertEquals("test data (mem): label of sample 2 is 2.0, which is not a class index of the model's 2 classes (0..1)",
                e.getMessage());
    }

    @Test
    void nonFiniteFeaturesAreBadInputNamingSampleAndFeature() {
        Dataset d = data(3, 0, 1, 0);
        d.features()[1 * 3 + 2] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataChecks.requireCompatible(CLASSIFIER, d, "training"));
        assertEquals("training data (mem): feature 2 of sample 1 is NaN; features must be finite numbers", e.getMessage());
        d.features()[1 * 3 + 2] = Float.POSITIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> DataChecks.requireCompatible(CLASSIFIER, d, "training"));
        assertEquals("training data (mem): feature 2 of sample 1 is Infinity; features must be finite numbers", e.getMessage());
    }

    @Test
    void divergenceStopsTrainingNamingStepLayerAndLearningRate() {
        Network net = Network.create(new ModelSpec(3, List.of(new LayerSpec.Dense(4), new LayerSpec.Relu(),
                new LayerSpec.Dense(2), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY), 1);
        Dataset d = data(3, 0, 1, 0, 1, 1, 0, 1, 0);
        java.util.Arrays.fill(d.features(), 30f);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> ReferenceTrainer.fit(net, d, null,
                TrainConfig.defaults().with("optimizer", "sgd").with("learningRate", 1e30).with("batchSize", 4),
                TrainingListener.silent()));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().matches(
                "training diverged at step \\d+: the (mean gradient|weights after the update) of dense\\d\\.(weight|bias) is "
                        + "(NaN|-?Infinity) \\(learning rate 1\\.00e\\+30(, 4 samples in the batch)?\\).*"), e.getMessage());
    }

    @Test
    void featureCountMismatchOfValidationDataIsCaughtBeforeTraining() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceTrainer.fit(CLASSIFIER, data(3, 0, 1, 0, 1), data(5, 0, 1), TrainConfig.defaults().with("epochs", 1),
                        TrainingListener.silent()));
        assertEquals("validation data (mem) has 5 features per sample, the model expects 3", e.getMessage());
    }

    @Test
    void multiOutputRegressionIsRejectedClearly() {
        Network regression = Network.create(new ModelSpec(3, List.of(new LayerSpec.Dense(2)), LossKind.MSE), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataChecks.requireCompatible(regression, data(3, 0.5f), "training"));
        assertEquals("loss MSE with 2 outputs needs that many targets per sample; data sets hold one label per sample, "
                + "so the model needs one output", e.getMessage());
    }

    @Test
    void batchNormNeedsTwoSamplesPerWorker() {
        BatchPlan plan = new BatchPlan(1, 4, new int[] {10, 10, 10, 10});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataChecks.requireBatchNormBatches(CLASSIFIER, plan));
        assertEquals("batchSize gives worker 0 a local batch of 1 sample(s); batch normalization needs at least 2 per worker "
                + "(batchSize >= 2 x workers)", e.getMessage());
    }

    @Test
    void finiteRowsKeepsTheRowsWithoutNaNOrInfinityInOrder() {
        Dataset d = data(2, 0, 1, Float.NaN, 1, 0);
        for (int i = 0; i < d.features().length; i++) {
            d.features()[i] = i;
        }
        d.features()[1 * 2 + 1] = Float.POSITIVE_INFINITY;
        d.features()[4 * 2] = Float.NaN;
        Dataset kept = DataChecks.finiteRows(d);
        assertEquals(2, kept.size());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0, 1}, kept.labels());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0, 1, 6, 7}, kept.features());
        Dataset clean = data(2, 0, 1);
        org.junit.jupiter.api.Assertions.assertSame(clean, DataChecks.finiteRows(clean));
    }

    @Test
    void extraRowsOfTheGlobalBatchGoToTheLargerShards() {
        BatchPlan plan = new BatchPlan(1, 64, new int[] {2665, 2666, 2665});
        assertEquals(21, plan.localBatch(0));
        assertEquals(22, plan.localBatch(1));
        assertEquals(21, plan.localBatch(2));
        assertEquals(127, plan.stepsPerEpoch());
    }
}
