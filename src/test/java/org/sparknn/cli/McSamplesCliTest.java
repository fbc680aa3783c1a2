package org.sparknn.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Monte-Carlo dropout from the command line: evaluate and predict with --mc-samples K. */
class McSamplesCliTest {
    @TempDir
    static Path dir;
    private static Path model;

    @BeforeAll
    static void trainBundledModelBriefly() throws Exception {
        Path out = dir.resolve("trained");
        TrainMain.run(new String[] {"--out", out.toString(), "--master", "local[2]", "epochs=1", "batchSize=128", "progress=false"});
        model = out.resolve("model");
    }

    @Test
    void evaluateWithMonteCarloDropoutReportsItAndScoresLikeTheModel() throws Exception {
        Map<String, Object> scaled = EvaluateMain.run(new String[] {"--model", model.toString(), "--master", "local[2]"});
        Map<String, Object> mc = EvaluateMain.run(new String[] {"--model", model.toString(), "--master", "local[2]", "--mc-samples", "8"});
        assertFalse(scaled.containsKey("mcSamples"));
        assertEquals(8, mc.get("mcSamples"));
        assertEquals(2004L, ((Number) mc.get("samples")).longValue());
        double a = (Double) scaled.get("accuracy");
        double b = (Double) mc.get("accuracy");
        // the bundled model (dropout 0.2): averaging 8 thinned networks scores close to the weight-scaled one, not the same
        assertTrue(Math.abs(a - b) < 0.03, a + " vs " + b);
        assertTrue((Double) mc.get("loss") != (Double) scaled.get("loss"));
    }

    @Test
    void predictWritesMonteCarloProbabilities() throws Exception {
        Path out = dir.resolve("predictions");
        long rows = PredictMain.run(new String[] {"--model", model.toString(), "--out", out.toString(), "--master", "local[2]",
                "--output-format", "csv", "--mc-samples", "4"});
        assertEquals(2004, rows);
        try (Stream<Path> files = Files.list(out)) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().endsWith(".csv")));
        }
    }

    @Test
    void badCountsAreRefused() {
        for (String bad : List.of("-1", "x", "10001", "2147483647", "99999999999")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvaluateMain.run(
                    new String[] {"--model", model.toString(), "--master", "local[2]", "--mc-samples", bad}));
            assertTrue(e.getMessage().contains("--mc-samples"), e.getMessage());
        }
    }
}
