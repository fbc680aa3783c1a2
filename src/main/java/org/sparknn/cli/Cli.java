package org.sparknn.cli;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.sparknn.spark.SparkSetup;

import org.sparknn.data.MalformedDataException;
import java.util.concurrent.Callable;

/** What the entry points share: exit codes, argument values, and the Spark session. */
public final class Cli {
    private Cli() {}

    /**
     * Runs a job and exits: 0 on success; 2 with a one-line reason for bad arguments,
     * configuration or input; 1 with the root cause for any other failure.
     */
    public static void exit(String job, Callable<?> body) {
        try {
            body.call();
            System.exit(0);
        } catch (IllegalArgumentException | MalformedDataException | java.nio.file.NoSuchFileException
                 | java.io.FileNotFoundException e) {
            System.err.println("sparknn " + job + ": " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root instanceof IllegalArgumentException || root instanceof MalformedDataException) {
                System.err.println("sparknn " + job + ": " + root.getMessage());
                System.exit(2);
            }
            System.err.println("sparknn " + job + ": failed: " + root);
            System.exit(1);
        }
    }

    public static String value(String[] args, int i, String flag, String usage) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value; " + usage);
        }
        return args[i];
    }

    /** True when spark-submit launched this JVM (it passes the master as a system property). */
    static boolean submitted() {
        return System.getProperty("spark.master") != null;
    }

    /**
     * The session spark-submit configured, or an embedded one: master from the command line,
     * else {@code fallbackMaster} when given, else the configuration's.
     */
    static SparkSession session(JobConfig job, String master, String fallbackMaster) {
        if (master == null && submitted()) {
            return SparkSession.builder().config(SparkSetup.recommended(new SparkConf())).getOrCreate();
        }
        String m = master != null ? master : fallbackMaster != null ? fallbackMaster : job == null ? "local[*]" : job.sparkMaster();
        return SparkSetup.localSession(m, "sparknn", job == null ? java.util.Map.of() : job.sparkConf());
    }

    static void stopIfEmbedded(SparkSession spark) {
        if (!submitted()) {
            spark.stop();
        }
    }
}
