package org.sparknn.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * spark-submit of the application jar to a standalone cluster (a master and a worker started
 * from the build's Spark jars, executors in their own JVMs), as a user would run the job.
 */
class StandaloneSubmitTest {

    @Test
    void trainJobRunsThroughSparkSubmitOnAStandaloneCluster(@TempDir Path dir) throws Exception {
        Path home = Path.of(System.getenv("SPARK_HOME"));
        LocalClusterTest.prepareSparkHome(home);
        // mvn test runs before package: the thin application jar is made here from target/classes
        Path appJar = dir.resolve("sparknn-app.jar");
        assertEquals(0, run(List.of(javaHome("jar"), "--create", "--file", appJar.toString(), "-C", "target/classes", "."),
                dir.resolve("jar.log"), 60));
        int masterPort = freePort();
        String master = "spark://127.0.0.1:" + masterPort;
        String jars = home.resolve("jars") + "/*";
        List<String> flags = Arrays.asList(System.getProperty("sparknn.jvmFlags").trim().split("\\s+"));
        Process masterProcess = start(java(jars, flags, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(freePort())), dir.resolve("master.log"));
        Process workerProcess = null;
        try {
            Thread.sleep(3000);
            workerProcess = start(java(jars, flags, "org.apache.spark.deploy.worker.Worker", master, "--host", "127.0.0.1",
                    "--cores", "2", "--memory", "3g", "--webui-port", String.valueOf(freePort()),
                    "--work-dir", dir.resolve("work").toString()), dir.resolve("worker.log"));
            Thread.sleep(3000);
            Path out = dir.resolve("run");
            List<String> submit = java(jars, flags, "org.apache.spark.deploy.SparkSubmit", "--master", master,
                    "--class", "org.sparknn.cli.TrainMain",
                    "--conf", "spark.executor.memory=1g", "--conf", "spark.cores.max=2",
                    "--conf", "spark.executor.extraJavaOptions=-XX:+UseParallelGC " + String.join(" ", flags),
                    appJar.toAbsolutePath().toString(), "--out", out.toString(), "epochs=2");
            Path log = dir.resolve("submit.log");
            int exit = run(submit, log, 300);
            String output = Files.readString(log);
            assertEquals(0, exit, output);
            assertTrue(output.contains("master " + master + ", 2 workers"), output);
            assertTrue(output.contains("final: test accuracy"), output);
            assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        } finally {
            if (workerProcess != null) {
                workerProcess.destroy();
                workerProcess.waitFor(20, TimeUnit.SECONDS);
            }
            masterProcess.destroy();
            masterProcess.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private static List<String> java(String classpath, List<String> flags, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(javaHome("java"), "-Xmx1g"));
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", classpath, mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String javaHome(String tool) {
        return Path.of(System.getProperty("java.home"), "bin", tool).toString();
    }

    private static Process start(List<String> cmd, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    private static int run(List<String> cmd, Path log, int seconds) throws Exception {
        Process p = start(cmd, log);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out after " + seconds + " s: " + Files.readString(log));
        }
        return p.exitValue();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
