package org.sparknn.spark.ml;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Model files of sequential specs keep format version 2; image layers and residual blocks write 3. */
class ModelFilesFormatTest {
    private static TrainedNetwork trained(ModelSpec spec) {
        Network net = Network.create(spec, 4);
        return new TrainedNetwork(spec.toJson(), net.store().values().clone(), net.store().state().clone(), Map.of(), Map.of());
    }

    private static ModelFiles.Loaded roundTrip(Path dir, ModelSpec spec, int expectedVersion) throws Exception {
        TrainedNetwork t = trained(spec);
        String path = dir.toString();
        ModelFiles.write(path, new Configuration(), "classifier", spec.inputSize(), spec.outputSize(), t);
        String meta = Files.readString(dir.resolve("sparknn/model.json"));
        assertTrue(meta.contains("\"formatVersion\" : " + expectedVersion), meta);
        ModelFiles.Loaded loaded = ModelFiles.read(path, new Configuration());
        assertEquals(spec, loaded.network().spec());
        assertArrayEquals(t.weights(), loaded.network().weights(), 0f);
        assertArrayEquals(t.state(), loaded.network().state(), 0f);
        return loaded;
    }

    @Test
    void sequentialSpecsKeepVersion2AndCnnsWriteVersion3(@TempDir Path dir) throws Exception {
        ModelSpec mlp = new ModelSpec(12, List.of(new LayerSpec.Dense(5), new LayerSpec.BatchNorm(), new LayerSpec.Relu(),
                new LayerSpec.Dense(3), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
        roundTrip(dir.resolve("mlp"), mlp, ModelFiles.FORMAT_VERSION);
        ModelSpec cnn = new ModelSpec(new int[] {1, 6, 6}, List.of(new LayerSpec.Conv2d(2, 3, 1, 1), new LayerSpec.BatchNorm2d(),
                new LayerSpec.Relu(), new LayerSpec.Residual(List.of(new LayerSpec.Conv2d(4, 3, 2, 1), new LayerSpec.BatchNorm2d())),
                new LayerSpec.MaxPool2d(3), new LayerSpec.Flatten(), new LayerSpec.Dense(3), new LayerSpec.Softmax()),
                LossKind.SOFTMAX_CROSS_ENTROPY);
        assertEquals(3, ModelFiles.BLOCK_FORMAT_VERSION);
        roundTrip(dir.resolve("cnn"), cnn, ModelFiles.BLOCK_FORMAT_VERSION);
    }
}
