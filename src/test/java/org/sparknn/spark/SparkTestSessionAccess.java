package org.sparknn.spark;

/** Lets tests outside this package stop the shared test session before a job starts its own. */
public final class SparkTestSessionAccess {
    private SparkTestSessionAccess() {}

    public static void stop() {
        SparkTestSession.stop();
    }
}
