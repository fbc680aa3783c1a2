package org.sparknn.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.data.Dataset;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;
import org.sparknn.train.TrainingResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run that dies after a checkpoint and is started again ends exactly where an uninterrupted run ends. */
class CheckpointTest {
    private static final ModelSpec SPEC = new ModelSpec(784, List.of(new LayerSpec.Dense(32), new LayerSpec.BatchNorm(),
            new LayerSpec.Relu(), new LayerSpec.Dropout(0.2), new LayerSpec.Dense(10), new LayerSpec.Softmax()),
            LossKind.SOFTMAX_CROSS_ENTROPY);

    private static Network fit(TrainConfig config, TrainingResult[] result) {
        return fit(config, result, 0);
    }

    private static Network fit(TrainConfig config, TrainingResult[] result, int offset) {
        Dataset data = SparkTestSession.mnistTrain();
        // every 6th row: all classes, 1,333 rows, 14 steps per epoch at batch 100
        float[] x = new float[1333 * 784];
        float[] y = new float[1333];
        for (int i = 0; i < 1333; i++) {
            System.arraycopy(data.features(), (i * 6 + offset) * 784, x, i * 784, 784);
            y[i] = data.labels()[i * 6 + offset];
        }
        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), new Dataset("subset", 1333, 784, x, y), 2, config.get(TrainConfig.SEED));
        try {
            Network net = Network.create(SPEC, config.get(TrainConfig.SEED));
            result[0] = SparkTrainer.fit(shards, null, net, config, TrainingListener.silent()).training();
            return net;
        } finally {
            shards.release();
        }
    }

    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path dir) throws Exception {
        TrainConfig base = TrainConfig.defaults().with("exchange", "driver").with("epochs", 3).with("batchSize", 100).with("seed", 9).with("schedule", "cosine").with("l2", 1e-4);
        TrainingResult[] r = new TrainingResult[1];
        Network uninterrupted = fit(base.with("checkpointDir", dir.resolve("a").toString()), r);
        assertEquals(3, r[0].history().size());

        TrainConfig crashing = base.with("checkpointDir", dir.resolve("b").toString());
        long stepInThirdEpoch = 2 * 14 + 5;
        try (FaultInjection crash = FaultInjection.everyAttempt(1, stepInThirdEpoch)) {
            assertThrows(Exception.class, () -> fit(crashing, r));
        }
        assertTrue(Files.isDirectory(dir.resolve("b/epoch-000002")), "checkpoint after epoch 2 missing");
        try (var files = Files.list(dir.resolve("b"))) {
            assertEquals(List.of("epoch-000001", "epoch-000002"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }

        Network resumed = fit(crashing, r);
        assertArrayEquals(uninterrupted.store().values(), resumed.store().values(), 0f);
        assertArrayEquals(uninterrupted.store().state(), resumed.store().state(), 0f);
        assertEquals(3, r[0].history().size());
        assertEquals(3 * 14, r[0].steps());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fit(crashing.with("l2", 1e-3), r));
        assertTrue(e.getMessage().contains("l2=1.0E-4") && e.getMessage().contains("l2=0.001"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fit(crashing, r, 1));
        assertTrue(e.getMessage().contains("other training data"), e.getMessage());

        // a damaged latest checkpoint is refused naming the file (the file system's own .crc sidecar is
        // removed so that sparknn's check is the one tested; object stores have none)
        Path state = dir.resolve("b/epoch-000003/state.bin");
        Files.deleteIfExists(dir.resolve("b/epoch-000003/.state.bin.crc"));
        byte[] bytes = Files.readAllBytes(state);
        bytes[bytes.length / 2] ^= 1;
        Files.write(state, bytes);
        e = assertThrows(IllegalArgumentException.class, () -> fit(crashing, r));
        assertTrue(e.getMessage().contains("epoch-000003/state.bin: checksum mismatch"), e.getMessage());
        Files.write(state, java.util.Arrays.copyOf(bytes, 40));
        e = assertThrows(IllegalArgumentException.class, () -> fit(crashing, r));
        assertTrue(e.getMessage().contains("epoch-000003/state.bin: truncated"), e.getMessage());
    }
}
