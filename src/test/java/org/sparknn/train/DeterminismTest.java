package org.sparknn.train;

import org.junit.jupiter.api.Test;
import org.sparknn.data.Dataset;
import org.sparknn.data.IdxReader;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class DeterminismTest {
    private static final ModelSpec SPEC = new ModelSpec(784, List.of(new LayerSpec.Dense(32), new LayerSpec.BatchNorm(),
            new LayerSpec.Relu(), new LayerSpec.Dropout(0.3), new LayerSpec.Dense(10), new LayerSpec.Softmax()),
            LossKind.SOFTMAX_CROSS_ENTROPY);

    private static Network fit(Dataset train, long seed) {
        TrainConfig config = TrainConfig.defaults().with("epochs", 2).with("batchSize", 50).with("seed", seed).with("l1", 1e-4).with("maxNorm", 3);
        Network net = Network.create(SPEC, seed);
        ReferenceTrainer.fit(net, train, null, config, TrainingListener.silent());
        return net;
    }

    @Test
    void sameSeedGivesBitIdenticalWeights() throws IOException {
        Dataset train = IdxReader.readDir(Path.of("data/mnist"), "train").slice(0, 2000);
        Network a = fit(train, 5);
        Network b = fit(train, 5);
        assertArrayEquals(a.store().values(), b.store().values(), 0f);
        assertArrayEquals(a.store().state(), b.store().state(), 0f);
        Network c = fit(train, 6);
        assertFalse(Arrays.equals(a.store().values(), c.store().values()));
    }
}
