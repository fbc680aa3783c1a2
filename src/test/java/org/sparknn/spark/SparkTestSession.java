package org.sparknn.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparknn.data.Dataset;
import org.sparknn.data.IdxReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** One local[2] session shared by the Spark tests of a JVM (tasks may fail up to 3 times). */
final class SparkTestSession {
    /** Two task slots; a failed task is tried up to 3 times, as on a cluster. */
    private static final String MASTER = "local[2,3]";
    private static SparkSession session;
    private static Dataset train;
    private static Dataset test;

    private SparkTestSession() {}

    static synchronized SparkSession get() {
        if (session == null || session.sparkContext().isStopped()) {
            // another test's session (say local[2], which never retries a task) would be reused by getOrCreate
            SparkSession.getDefaultSession().foreach(other -> {
                if (!other.sparkContext().master().equals(MASTER)) {
                    other.stop();
                }
                return null;
            });
            session = SparkSetup.localSession(MASTER, "sparknn-tests", false);
        }
        return session;
    }

    static JavaSparkContext jsc() {
        return JavaSparkContext.fromSparkContext(get().sparkContext());
    }

    static synchronized void stop() {
        if (session != null) {
            session.stop();
            session = null;
        }
    }

    static synchronized Dataset mnistTrain() {
        load();
        return train;
    }

    static synchronized Dataset mnistTest() {
        load();
        return test;
    }

    private static void load() {
        if (train == null) {
            try {
                train = IdxReader.readDir(Path.of("data/mnist"), "train");
                test = IdxReader.readDir(Path.of("data/mnist"), "test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
