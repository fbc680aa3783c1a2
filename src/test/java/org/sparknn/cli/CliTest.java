package org.sparknn.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The train, evaluate and predict entry points end to end on the bundled data, and their failures:
 * non-zero exit code, a one-line reason, nothing left behind. Failures run in a child JVM so the
 * real exit code is seen.
 */
class CliTest {
    @TempDir
    static Path dir;
    private static Path model;

    @BeforeAll
    static void trainSmallModel() throws Exception {
        Path out = dir.resolve("trained");
        TrainMain.run(new String[] {"--out", out.toString(), "--master", "local[2]", "epochs=1", "batchSize=128"});
        for (String f : List.of("model/sparknn/model.json", "model/sparknn/weights.bin", "model/metadata", "metrics.jsonl",
                "loss.png", "accuracy.png", "learning-rate.png", "confusion-matrix.csv", "summary.json", "config.conf",
                "evaluation.txt")) {
            assertTrue(Files.exists(out.resolve(f)), f + " missing from the train job's output");
        }
        assertEquals(1, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        model = out.resolve("model");
    }

    @Test
    void evaluateReportsAccuracyPerClassFiguresAndConfusion() throws Exception {
        Path out = dir.resolve("evaluation");
        Map<String, Object> report = EvaluateMain.run(new String[] {"--model", model.toString(), "--out", out.toString(),
                "--master", "local[2]"});
        assertEquals(2004L, ((Number) report.get("samples")).longValue());
        double accuracy = (Double) report.get("accuracy");
        assertTrue(accuracy > 0.8, "accuracy " + accuracy);
        String text = Files.readString(out.resolve("evaluation.txt"));
        assertTrue(text.contains("precision") && text.contains("recall") && text.contains("confusion matrix"), text);
        assertEquals(11, Files.readAllLines(out.resolve("confusion-matrix.csv")).size());
        // the summary of the training run recorded the same test accuracy the evaluate job measures
        String summary = Files.readString(dir.resolve("trained/summary.json"));
        assertTrue(summary.contains(String.valueOf(accuracy)), summary + " vs " + accuracy);
    }

    @Test
    void predictWritesParquetAndCsvAtomically() throws Exception {
        Path parquet = dir.resolve("predictions.parquet");
        assertEquals(2004L, PredictMain.run(new String[] {"--model", model.toString(), "--out", parquet.toString(),
                "--master", "local[2]"}));
        assertTrue(Files.exists(parquet.resolve("_SUCCESS")));
        Path csv = dir.resolve("predictions-csv");
        PredictMain.run(new String[] {"--model", model.toString(), "--out", csv.toString(), "--output-format", "csv",
                "--master", "local[2]"});
        try (Stream<Path> files = Files.list(csv)) {
            Path part = files.filter(p -> p.getFileName().toString().endsWith(".csv")).findFirst().orElseThrow();
            assertEquals("id,prediction,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9", Files.readAllLines(part).get(0));
        }
        assertNoTemporaries();
    }

    @Test
    void trainFailsCleanlyOnBadConfigurationAndInput() throws Exception {
        Path bad = dir.resolve("malformed.conf");
        Files.writeString(bad, "model { layers = [ {type = dense, units = 10 }\n");
        Result r = runChild("org.sparknn.cli.TrainMain", "--conf", bad.toString(), "--out", dir.resolve("never1").toString());
        assertEquals(2, r.exit, r.output);
        assertTrue(r.lastLine().contains("malformed.conf") && r.lastLine().contains("malformed"), r.output);

        r = runChild("org.sparknn.cli.TrainMain", "--out", dir.resolve("never2").toString(), "lerningRate=0.1");
        assertEquals(2, r.exit, r.output);
        assertTrue(r.lastLine().contains("unknown training setting 'lerningRate'") && r.lastLine().contains("learningRate"), r.output);

        Path unknownSection = dir.resolve("unknown.conf");
        Files.writeString(unknownSection, Files.readString(Path.of("conf/mnist-mlp.conf")) + "\nextra { x = 1 }\n");
        r = runChild("org.sparknn.cli.TrainMain", "--conf", unknownSection.toString(), "--out", dir.resolve("never3").toString());
        assertEquals(2, r.exit, r.output);
        assertTrue(r.lastLine().contains("unknown key 'extra'") && r.lastLine().contains("training"), r.output);

        r = runChild("org.sparknn.cli.TrainMain", "--out", dir.resolve("never4").toString(), "data.train=no/such/dir", "--single-jvm");
        assertEquals(2, r.exit, r.output);
        assertTrue(r.lastLine().contains("no/such/dir"), r.output);

        r = runChild("org.sparknn.cli.TrainMain", "--out", dir.resolve("trained").toString(), "--single-jvm");
        assertEquals(2, r.exit, r.output);
        assertTrue(r.lastLine().contains("exists; pass --overwrite"), r.output);

        for (String never : List.of("never1", "never2", "never3", "never4")) {
            assertFalse(Files.exists(dir.resolve(never)), never + " was created by a failed run");
        }
        assertNoTemporaries();
    }

    @Test
    void evaluateAndPredictFailCleanly() throws Exception {
        Result r = runChild("org.sparknn.cli.EvaluateMain", "--model", dir.resolve("no-model").toString());
        assertEquals(2, r.exit, r.output);
        assertTrue(r.lastLine().contains("input path not found") && r.lastLine().contains("no-model"), r.output);

        r = runChild("org.sparknn.cli.PredictMain", "--model", model.toString(), "--data", "no/such/data",
                "--out", dir.resolve("never5").toString());
        assertEquals(2, r.exit, r.output);
        assertTrue(r.lastLine().contains("input path not found: no/such/data"), r.output);
        assertFalse(Files.exists(dir.resolve("never5")));

        r = runChild("org.sparknn.cli.PredictMain", "--model", model.toString(), "--out", dir.resolve("trained").toString());
        assertEquals(2, r.exit, r.output);
        assertTrue(r.lastLine().contains("exists; pass --overwrite"), r.output);
        assertNoTemporaries();
    }

    @Test
    void badLibSvmInputAndDamagedModelsAreExit2DivergenceIsExit1() throws Exception {
        Path good = dir.resolve("good.libsvm");
        Files.writeString(good, "0 1:0.5 3:1\n1 2:0.25\n");
        String[] tiny = {"data.format=libsvm", "data.test=" + good, "data.features=4", "model.inputShape=[4]",
                "model.layers=[{type=dense,units=3},{type=softmax}]", "epochs=1", "batchSize=2", "workers=1", "--master", "local[1]"};
        Path nan = dir.resolve("nan.libsvm");
        Files.writeString(nan, "0 1:0.5\n1 2:NaN\n");
        Result r = runChild("org.sparknn.cli.TrainMain", concat(tiny, "data.train=" + nan, "--out", dir.resolve("never6").toString()));
        assertEquals(2, r.exit, r.output);
        assertEquals("sparknn train: " + nan + ": column 'features' of row 1 holds NaN at index 1; features must be finite numbers",
                r.lastLine(), r.output);

        Path malformed = dir.resolve("malformed.libsvm");
        Files.writeString(malformed, "0 1:0.5\n1 2:abc\n");
        r = runChild("org.sparknn.cli.TrainMain", concat(tiny, "data.train=" + malformed, "--out", dir.resolve("never7").toString()));
        assertEquals(2, r.exit, r.output);
        assertEquals("sparknn train: " + malformed + ":2: value of feature 2 'abc' is not a number (e.g. 1, -0.5, 2e-3)",
                r.lastLine(), r.output);

        Path empty = dir.resolve("empty.libsvm");
        Files.writeString(empty, "");
        r = runChild("org.sparknn.cli.EvaluateMain", "--model", model.toString(), "--data", empty.toString(), "--format", "libsvm",
                "--master", "local[1]");
        assertEquals(2, r.exit, r.output);
        assertEquals("sparknn evaluate: " + empty + " holds no rows", r.lastLine(), r.output);

        Path cut = Files.createDirectories(dir.resolve("cut-model"));
        copyTree(model, cut);
        Path weights = cut.resolve("sparknn/weights.bin");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length / 2));
        Files.deleteIfExists(cut.resolve("sparknn/.weights.bin.crc"));
        r = runChild("org.sparknn.cli.EvaluateMain", "--model", cut.toString(), "--master", "local[1]");
        assertEquals(2, r.exit, r.output);
        assertTrue(r.lastLine().contains(weights + ": truncated"), r.output);

        // the same for model.json (in this JVM: the exception is what Cli turns into exit 2)
        Path json = cut.resolve("sparknn/model.json");
        Files.write(json, Arrays.copyOf(Files.readAllBytes(json), 40));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EvaluateMain.run(new String[] {"--model", cut.toString(), "--master", "local[1]"}));
        assertTrue(e.getMessage().startsWith(json + ": not valid JSON"), e.getMessage());

        // a learning rate far too high: the run stops at the step that diverged and writes nothing
        r = runChild("org.sparknn.cli.TrainMain", "--out", dir.resolve("never8").toString(), "optimizer=sgd", "learningRate=1e6",
                "epochs=1");
        assertEquals(1, r.exit, r.output);
        assertTrue(r.output.contains("training diverged at step"), r.output);
        for (String never : List.of("never6", "never7", "never8")) {
            assertFalse(Files.exists(dir.resolve(never)), never + " was created by a failed run");
        }
        assertNoTemporaries();
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(Arrays.asList(a));
        all.addAll(Arrays.asList(b));
        return all.toArray(new String[0]);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }

    private static void assertNoTemporaries() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> temporaries = files.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp-")).toList();
            assertEquals(List.of(), temporaries);
        }
    }

    private record Result(int exit, String output) {
        String lastLine() {
            String[] lines = output.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private static Result runChild(String mainClass, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        cmd.addAll(Arrays.asList(System.getProperty("sparknn.jvmFlags").trim().split("\\s+")));
        cmd.add("-Dlog4j2.configurationFile=conf/log4j2.properties");
        cmd.addAll(List.of("-cp", "target/classes:" + Files.readString(Path.of("target/runtime-classpath.txt")).trim(), mainClass));
        cmd.addAll(Arrays.asList(args));
        Path log = Files.createTempFile(dir, "child", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        String out = Files.readString(log);
        Files.delete(log);
        return new Result(p.exitValue(), out);
    }
}
