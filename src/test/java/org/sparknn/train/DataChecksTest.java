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
    void extraRowsOfTheGlobalBatchGoToTheLargerShards() {
        BatchPlan plan = new BatchPlan(1, 64, new int[] {2665, 2666, 2665});
        assertEquals(21, plan.localBatch(0));
        assertEquals(22, plan.localBatch(1));
        assertEquals(21, plan.localBatch(2));
        assertEquals(127, plan.stepsPerEpoch());
    }
}
