package org.sparknn.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.cli.TrainMain;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main job's configuration on the bundled data, through the same entry point the README runs. */
class MnistFitTest {
    @Test
    void referenceTrainerReaches95PercentOnTheBundledSubset(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        TrainingResult result = TrainMain.run(new String[] {"--single-jvm", "--conf", "conf/mnist-mlp.conf",
                "--out", out.toString()});
        double accuracy = result.finalValidation().accuracy();
        assertEquals(2004, result.finalValidation().count());
        assertTrue(accuracy >= 0.95, "test accuracy " + accuracy);
        assertEquals(10, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        assertTrue(Files.readString(out.resolve("config.conf")).contains("learningRate"));
    }
}
