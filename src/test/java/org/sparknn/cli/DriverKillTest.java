package org.sparknn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The train job's driver JVM killed with SIGKILL after its first checkpoint, then run again with
 * the same checkpointDir: it resumes and ends with the weights of a run that was never
 * interrupted, in both exchange modes.
 */
class DriverKillTest {

    @Test
    void killedDriverResumesToTheUninterruptedWeights(@TempDir Path dir) throws Exception {
        org.sparknn.spark.SparkTestSessionAccess.stop();
        for (String exchange : List.of("allreduce", "driver")) {
            String[] common = {"--master", "local[2]", "exchange=" + exchange, "epochs=6"};
            Path clean = dir.resolve("clean-" + exchange);
            TrainMain.run(concat(common, "--out", clean.toString()));

            Path checkpoints = dir.resolve("ckpt-" + exchange);
            Path out = dir.resolve("killed-" + exchange);
            String[] resumable = concat(common, "--out", out.toString(), "checkpointDir=" + checkpoints);
            Process child = startChild(dir, resumable);
            long deadline = System.nanoTime() + 180_000_000_000L;
            while (!Files.isDirectory(checkpoints.resolve("epoch-000001")) && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(child.isAlive(), exchange + ": the job ended before its driver could be killed");
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertFalse(Files.exists(out), exchange + ": a killed run must leave no output");

            java.io.PrintStream console = System.out;
            java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
            System.setOut(new java.io.PrintStream(printed, true));
            try {
                TrainMain.run(resumable);
            } finally {
                System.setOut(console);
            }
            assertTrue(printed.toString().contains("sparknn: resuming from the checkpoint in " + checkpoints + " after epoch "),
                    exchange + ": the second run must resume, not start over");
            assertArrayEquals(Files.readAllBytes(clean.resolve("model/sparknn/weights.bin")),
                    Files.readAllBytes(out.resolve("model/sparknn/weights.bin")),
                    exchange + ": the resumed run ends with the uninterrupted run's weights");
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static Process startChild(Path dir, String[] args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g"));
        cmd.addAll(Arrays.asList(System.getProperty("sparknn.jvmFlags").trim().split("\\s+")));
        cmd.add("-Dlog4j2.configurationFile=conf/log4j2.properties");
        cmd.addAll(List.of("-cp", "target/classes:" + Files.readString(Path.of("target/runtime-classpath.txt")).trim(),
                "org.sparknn.cli.TrainMain"));
        cmd.addAll(Arrays.asList(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    }
}
