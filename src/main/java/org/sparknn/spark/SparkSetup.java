package org.sparknn.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Spark settings sparknn's step loop relies on, and an embedded session for local runs.
 * <ul>
 * <li>spark.task.maxDirectResultSize: gradients come back as task results; above this size
 * (1 MiB by default) Spark parks each result in the block manager and fetches it again.</li>
 * <li>spark.broadcast.compress=false: float weights barely compress, compressing them costs
 * milliseconds per step; likewise the broadcast checksum (task results are not checksummed either).</li>
 * </ul>
 */
public final class SparkSetup {
    private SparkSetup() {}

    public static SparkConf recommended(SparkConf conf) {
        return conf
                .setIfMissing("spark.task.maxDirectResultSize", "100m")
                .setIfMissing("spark.broadcast.compress", "false")
                .setIfMissing("spark.broadcast.checksum", "false")
                .setIfMissing("spark.sql.shuffle.partitions", "8");
    }

    /** A local session (master local[N] or local-cluster[...]) for development, tests and embedded jobs. */
    public static SparkSession localSession(String master, String appName, boolean ui) {
        return localSession(master, appName, java.util.Map.of("spark.ui.enabled", String.valueOf(ui)));
    }

    /** A local session with extra settings, which win over the recommended ones (the UI is off unless set). */
    public static SparkSession localSession(String master, String appName, java.util.Map<String, String> settings) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName(appName);
        settings.forEach(conf::set);
        recommended(conf)
                .setIfMissing("spark.ui.enabled", "false")
                .setIfMissing("spark.driver.host", "127.0.0.1")
                .setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
