package org.sparknn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.train.Choices.ExchangeMode;
import org.sparknn.train.TrainConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobConfigTest {
    @Test
    void mlpBlockBuildsTheSameSpecAsTheLayerList(@TempDir Path dir) throws Exception {
        JobConfig bundled = JobConfig.load("conf/mnist-mlp.conf", List.of());
        Path conf = dir.resolve("mlp.conf");
        Files.writeString(conf, """
                data { train = "data/mnist", test = "data/mnist" }
                model {
                  inputShape = [784]
                  mlp { hiddenLayers = [256, 256], outputs = 10 }
                  loss = softmax_cross_entropy
                }
                """);
        JobConfig mlp = JobConfig.load(conf.toString(), List.of("exchange=allreduce", "epochs=3"));
        assertEquals(bundled.model(), mlp.model());
        assertEquals(bundled.model().toJson(), mlp.model().toJson());
        assertEquals(ExchangeMode.ALLREDUCE, mlp.training().get(TrainConfig.EXCHANGE));
        assertEquals(3, mlp.training().get(TrainConfig.EPOCHS));

        Files.writeString(conf, """
                data { train = "data/mnist", test = "data/mnist" }
                model { inputShape = [784], mlp { hiddenLayers = [64], dropoutRate = 1.5, outputs = 10 } }
                """);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobConfig.load(conf.toString(), List.of()));
        assertTrue(e.getMessage().contains("dropoutRate must be in [0, 1), got 1.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JobConfig.load("conf/mnist-mlp.conf", List.of("optimizer=lbfgs")));
        assertTrue(e.getMessage().contains("optimizer must be one of [sgd,"), e.getMessage());
    }
}
