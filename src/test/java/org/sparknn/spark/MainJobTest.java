package org.sparknn.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.cli.TrainMain;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.TrainingResult;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's main job (jobs/train.sh runs this entry point with no arguments): an MLP with BN
 * and dropout trained by 2 workers on an embedded local Spark, on the bundled data.
 */
class MainJobTest {
    @Test
    void mainJobReaches95PercentWithTwoWorkersOnLocalSpark(@TempDir Path dir) throws Exception {
        SparkTestSession.stop(); // the job starts its own embedded Spark
        Path out = dir.resolve("run");
        TrainingResult result = TrainMain.run(new String[] {"--out", out.toString(), "--master", "local[2]"});
        assertEquals(2004, result.finalValidation().count());
        assertTrue(result.finalValidation().accuracy() >= 0.95, "test accuracy " + result.finalValidation().accuracy());
        assertEquals(10, result.history().size());
        EpochMetrics last = result.history().get(9);
        assertEquals(1250, last.step());
        assertEquals(10, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        assertTrue(Files.readString(out.resolve("config.conf")).contains("workers=2"), Files.readString(out.resolve("config.conf")));
        try (var siblings = Files.list(dir)) {
            assertEquals(1, siblings.count(), "temporary output left behind");
        }

        // a run that diverges stops with the reason and publishes nothing
        Path diverged = dir.resolve("diverged");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> TrainMain.run(new String[] {"--out",
                diverged.toString(), "--master", "local[2]", "optimizer=sgd", "learningRate=1e30", "epochs=1"}));
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        assertTrue(messages.toString().contains("training diverged at step"), messages.toString());
        try (var siblings = Files.list(dir)) {
            assertEquals(1, siblings.count(), "a diverged run left output behind");
        }
    }
}
