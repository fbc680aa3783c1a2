package org.sparknn.spark.ml;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.config.Setting;
import org.sparknn.nn.MlpShape;
import org.sparknn.train.Choices.OptimizerKind;
import org.sparknn.train.TrainConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every declared setting is a Spark ML param of every estimator and model, found the ways Spark finds params. */
class ParamsTest {
    private static List<Setting<?>> declared() {
        List<Setting<?>> all = new ArrayList<>(TrainConfig.settings());
        all.addAll(MlpShape.settings());
        all.add(ParamHolder.MODEL_SPEC);
        return all;
    }

    @Test
    void everySettingIsAParamWithItsDefaultAndDoc() {
        for (NeuralNetParams<?> owner : List.<NeuralNetParams<?>>of(new NeuralNetClassifier(), new NeuralNetRegressor())) {
            List<String> names = Arrays.stream(owner.params()).map(Param::name).toList();
            assertTrue(names.contains("featuresCol") && names.contains("labelCol"), "Spark's own params stay: " + names);
            for (Setting<?> s : declared()) {
                assertTrue(owner.hasParam(s.name()), s.name());
                assertSame(owner.param(s), owner.getParam(s.name()), s.name());
                assertTrue(names.contains(s.name()), s.name());
                Object def = owner.getOrDefault(owner.getParam(s.name()));
                Object expected = ParamHolder.paramValue(s.defaultValue());
                if (def instanceof int[] a) {
                    assertArrayEquals((int[]) expected, a, s.name());
                } else {
                    assertEquals(expected, def, s.name());
                }
                assertTrue(owner.explainParam(owner.getParam(s.name())).contains(s.doc()), s.name());
            }
        }
    }

    @Test
    void typedAccessRangeChecksAndCopies() {
        NeuralNetClassifier nn = new NeuralNetClassifier().set(TrainConfig.OPTIMIZER, OptimizerKind.RMSPROP)
                .set(MlpShape.HIDDEN_LAYERS, new int[] {7, 3}).set(TrainConfig.SEED, 11L);
        assertEquals("rmsprop", nn.getOrDefault(nn.getParam("optimizer")));
        assertEquals(OptimizerKind.RMSPROP, nn.get(TrainConfig.OPTIMIZER));
        assertEquals(OptimizerKind.RMSPROP, nn.trainConfig().get(TrainConfig.OPTIMIZER));
        assertEquals(11L, nn.trainConfig().get(TrainConfig.SEED));
        assertArrayEquals(new int[] {7, 3}, nn.mlpShape().hiddenLayers());
        assertThrows(IllegalArgumentException.class, () -> nn.set(MlpShape.HIDDEN_LAYERS, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> nn.set(nn.getParam("schedule"), "sometimes"));
        NeuralNetClassifier copy = nn.copy(ParamMap.empty());
        assertEquals(OptimizerKind.RMSPROP, copy.get(TrainConfig.OPTIMIZER));
        assertArrayEquals(new int[] {7, 3}, copy.get(MlpShape.HIDDEN_LAYERS));
    }

    @Test
    void estimatorSaveLoadKeepsEverySetParam(@TempDir Path dir) throws Exception {
        org.sparknn.spark.SparkSetup.localSession("local[1]", "params-test", false);
        NeuralNetRegressor nn = new NeuralNetRegressor().set(TrainConfig.OPTIMIZER, OptimizerKind.NESTEROV)
                .set(TrainConfig.L2, 0.25).set(MlpShape.HIDDEN_LAYERS, new int[] {5}).set(NeuralNetRegressor.LOSS,
                        NeuralNetRegressor.RegressionLoss.MAE);
        String path = dir.resolve("estimator").toString();
        nn.write().save(path);
        NeuralNetRegressor loaded = NeuralNetRegressor.load(path);
        assertEquals(nn.uid(), loaded.uid());
        assertEquals(nn.trainConfig(), loaded.trainConfig());
        assertArrayEquals(new int[] {5}, loaded.get(MlpShape.HIDDEN_LAYERS));
        assertEquals("mae", loaded.getLoss());
    }
}
