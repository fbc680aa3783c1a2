package org.sparknn.spark;

import org.junit.jupiter.api.Test;
import org.sparknn.data.Dataset;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;
import org.sparknn.train.TrainingResult;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalSgdTest {
    private static final ModelSpec SPEC = new ModelSpec(784, List.of(new LayerSpec.Dense(64), new LayerSpec.BatchNorm(),
            new LayerSpec.Relu(), new LayerSpec.Dropout(0.2), new LayerSpec.Dense(10), new LayerSpec.Softmax()),
            LossKind.SOFTMAX_CROSS_ENTROPY);

    private static Network fit(TrainConfig config, TrainingResult[] result) {
        return fit(config, result, 2);
    }

    private static Network fit(TrainConfig config, TrainingResult[] result, int workers) {
        Dataset train = SparkTestSession.mnistTrain(); // stored class by class: a prefix would miss classes
        Dataset test = SparkTestSession.mnistTest();
        Shards shards = Shards.fromDataset(SparkTestSession.jsc(), train, workers, config.get(TrainConfig.SEED));
        Shards testShards = Shards.fromDataset(SparkTestSession.jsc(), test, 2, config.get(TrainConfig.SEED));
        try {
            Network net = Network.create(SPEC, config.get(TrainConfig.SEED));
            result[0] = SparkTrainer.fit(shards, testShards, net, config, TrainingListener.silent()).training();
            return net;
        } finally {
            shards.release();
            testShards.release();
        }
    }

    @Test
    void withOneWorkerLocalStepsAreExactlySynchronousTraining() {
        TrainConfig config = TrainConfig.defaults().with("epochs", 1).with("batchSize", 64).with("syncEvery", 5).with("seed", 13);
        TrainingResult[] r = new TrainingResult[1];
        Network local = fit(config, r, 1);
        Network synchronous = fit(config.with("syncEvery", 1), r, 1);
        assertArrayEquals(synchronous.store().values(), local.store().values(), 0f);
        assertArrayEquals(synchronous.store().state(), local.store().state(), 0f);
    }

    @Test
    void localStepsWithAveragingTrainAndAreDeterministic() {
        TrainConfig config = TrainConfig.defaults().with("epochs", 2).with("batchSize", 64).with("syncEvery", 4).with("seed", 12);
        TrainingResult[] r = new TrainingResult[1];
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Network a;
        try {
            System.setOut(new PrintStream(captured, true));
            a = fit(config, r);
        } finally {
            System.setOut(stdout);
        }
        assertTrue(captured.toString().contains("local SGD on: each worker takes 4 local steps"), captured.toString());
        double localAccuracy = r[0].finalValidation().accuracy();

        Network b = fit(config, r);
        assertArrayEquals(a.store().values(), b.store().values(), 0f);
        assertArrayEquals(a.store().state(), b.store().state(), 0f);

        Network synchronous = fit(config.with("syncEvery", 1), r);
        assertFalse(java.util.Arrays.equals(a.store().values(), synchronous.store().values()));
        double syncAccuracy = r[0].finalValidation().accuracy();
        assertTrue(localAccuracy > 0.85 && localAccuracy > syncAccuracy - 0.02,
                "local SGD accuracy " + localAccuracy + ", synchronous " + syncAccuracy);
    }
}
