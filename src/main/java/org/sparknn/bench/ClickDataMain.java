package org.sparknn.bench;

import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.sparknn.cli.Cli;
import org.sparknn.spark.SparkSetup;

import java.util.Locale;

/**
 * Writes the sparse benchmark's click-shaped rows (2^18 features, 40 non-zeros of value 1 per
 * row, the label the sign of a hidden linear score; seeded) as LibSVM text: train/ with --rows
 * rows and test/ with --test-rows further rows, for conf/clicks-mlp.conf.
 *
 * <pre>ClickDataMain [--out data/clicks] [--rows 100000] [--test-rows 20000] [--master local[2]]</pre>
 */
public final class ClickDataMain {
    private static final String USAGE = "usage: make-clicks [--out DIR] [--rows N] [--test-rows N] [--master URL]";

    private ClickDataMain() {}

    public static void main(String[] args) {
        Cli.exit("make-clicks", () -> {
            run(args);
            return null;
        });
    }

    static void run(String[] args) {
        String out = "data/clicks";
        long rows = 100_000;
        long testRows = 20_000;
        String master = "local[2]";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Cli.value(args, ++i, "--out", USAGE);
                case "--rows" -> rows = Long.parseLong(Cli.value(args, ++i, "--rows", USAGE));
                case "--test-rows" -> testRows = Long.parseLong(Cli.value(args, ++i, "--test-rows", USAGE));
                case "--master" -> master = Cli.value(args, ++i, "--master", USAGE);
                default -> throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; " + USAGE);
            }
        }
        if (rows < 1 || testRows < 1) {
            throw new IllegalArgumentException("--rows and --test-rows must be at least 1; " + USAGE);
        }
        SparkSession spark = SparkSetup.localSession(master, "sparknn-make-clicks", false);
        try {
            long t0 = System.nanoTime();
            int parts = (int) Math.max(1, Math.min(16, rows / 50_000));
            SparseBenchMain.generate(spark, 0, rows, parts).write().mode(SaveMode.Overwrite).format("libsvm").save(out + "/train");
            SparseBenchMain.generate(spark, rows, testRows, 1).write().mode(SaveMode.Overwrite).format("libsvm").save(out + "/test");
            System.out.printf(Locale.ROOT, "wrote %,d training rows to %s/train and %,d test rows to %s/test (LibSVM, 262144 features) in %.1fs%n",
                    rows, out, testRows, out, (System.nanoTime() - t0) / 1e9);
        } finally {
            spark.stop();
        }
    }
}
