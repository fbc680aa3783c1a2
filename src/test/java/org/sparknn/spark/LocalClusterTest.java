package org.sparknn.spark;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.cli.TrainMain;
import org.sparknn.train.TrainingResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The main job on local-cluster[2,1,1024]: two executors in separate JVMs, so weights, shards and
 * results really cross process boundaries. Spark launches those JVMs from SPARK_HOME (set by the
 * build to target/spark-home), which this test lays out from Maven's classpath.
 */
class LocalClusterTest {
    private static final String[] PROPS = {"spark.executor.extraClassPath", "spark.executor.extraJavaOptions"};

    @AfterEach
    void clearProperties() {
        for (String p : PROPS) {
            System.clearProperty(p);
        }
    }

    @Test
    void mainJobReaches95PercentOnTwoExecutorJvms(@TempDir Path dir) throws Exception {
        SparkTestSession.stop();
        prepareSparkHome(Path.of(System.getenv("SPARK_HOME")));
        System.setProperty("spark.executor.extraClassPath", Path.of("target/classes").toAbsolutePath().toString());
        System.setProperty("spark.executor.extraJavaOptions", "-XX:+UseParallelGC " + System.getProperty("sparknn.jvmFlags"));
        TrainingResult result = TrainMain.run(new String[] {"--out", dir.resolve("run").toString(),
                "--master", "local-cluster[2,1,1024]", "exchange=driver"});
        assertEquals(2004, result.finalValidation().count());
        assertTrue(result.finalValidation().accuracy() >= 0.95, "test accuracy " + result.finalValidation().accuracy());

        // (the all-reduce over sockets between executor JVMs is checked against this run below, in the run that loses
        // an executor: it must end with exactly these weights)
        byte[] driverWeights = Files.readAllBytes(dir.resolve("run/model/sparknn/weights.bin"));

        // and the same job on local[2] (both workers in this JVM) ends with exactly those weights
        System.clearProperty("spark.executor.extraClassPath");
        System.clearProperty("spark.executor.extraJavaOptions");
        TrainMain.run(new String[] {"--out", dir.resolve("run-local").toString(), "--master", "local[2]", "exchange=allreduce"});
        assertArrayEquals(driverWeights, Files.readAllBytes(dir.resolve("run-local/model/sparknn/weights.bin")),
                "local[2] and local-cluster runs end with the same weights, bit for bit");

        // an executor JVM killed (SIGKILL) mid-run, in both exchange modes: Spark retries the lost tasks (driver), the
        // all-reduce epoch runs again (from the latest state copy, taken every 0.2 s here, unless the kill came before the
        // epoch's first); both runs end as the clean one
        System.setProperty("spark.executor.extraClassPath", Path.of("target/classes").toAbsolutePath().toString());
        System.setProperty("spark.executor.extraJavaOptions", "-XX:+UseParallelGC " + System.getProperty("sparknn.jvmFlags"));
        for (String exchange : new String[] {"driver", "allreduce"}) {
            TrainingResult afterKill = runKillingAnExecutor(dir.resolve("run-killed-" + exchange), "exchange=" + exchange,
                    "stateCopySeconds=0.2");
            assertEquals(result.finalValidation().accuracy(), afterKill.finalValidation().accuracy(), 0.0, exchange);
            assertEquals(result.finalValidation().loss(), afterKill.finalValidation().loss(), 0.0, exchange);
            assertArrayEquals(driverWeights, Files.readAllBytes(dir.resolve("run-killed-" + exchange + "/model/sparknn/weights.bin")),
                    "a run that lost an executor ends with the clean run's weights (" + exchange + ")");
        }
    }

    /** Runs the main job on local-cluster[2,1,1024] and kills one executor JVM with SIGKILL about 12 s into it. */
    private static TrainingResult runKillingAnExecutor(Path out, String... settings) throws Exception {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--out", out.toString(), "--master",
                "local-cluster[2,1,1024]"));
        args.addAll(java.util.List.of(settings));
        java.util.concurrent.CompletableFuture<TrainingResult> killed = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return TrainMain.run(args.toArray(new String[0]));
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        ProcessHandle victim = null;
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (victim == null && System.nanoTime() < deadline && !killed.isDone()) {
            victim = ProcessHandle.allProcesses()
                    .filter(ph -> ph.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                    .findFirst().orElse(null);
            Thread.sleep(200);
        }
        assertTrue(victim != null, "no executor JVM appeared");
        Thread.sleep(12_000); // well into training (the run trains for about 20 s)
        assertTrue(!killed.isDone(), "the run ended before the executor could be killed");
        victim.destroyForcibly();
        return killed.get(300, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** A Spark home: a RELEASE marker and jars/ linking every jar of the build's runtime classpath. */
    static void prepareSparkHome(Path home) throws IOException {
        Path jars = home.resolve("jars");
        Files.createDirectories(jars);
        Files.writeString(home.resolve("RELEASE"), "Spark for sparknn local-cluster tests\n");
        String cp = Files.readString(Path.of("target/runtime-classpath.txt")).trim();
        for (String entry : cp.split(java.io.File.pathSeparator)) {
            Path jar = Path.of(entry);
            Path link = jars.resolve(jar.getFileName());
            if (entry.endsWith(".jar") && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, jar.toAbsolutePath());
            }
        }
    }
}
