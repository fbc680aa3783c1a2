package org.sparknn.cli;

import org.apache.spark.ml.Model;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparknn.spark.ml.NeuralNetClassificationModel;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * The predict job: applies a saved model to a data set and writes id, prediction and (for
 * classifiers) the class probabilities, as Parquet (probability as an array) or CSV (one column
 * per class). The output path appears only when complete and is not replaced without --overwrite.
 */
public final class PredictMain {
    static final String USAGE = "usage: predict --model DIR --out PATH [--data PATH] [--format idx|libsvm|parquet] "
            + "[--split train|test] [--features N] [--output-format parquet|csv] [--overwrite] [--master URL] [--mc-samples K]";

    private PredictMain() {}

    public static void main(String[] args) {
        Cli.exit("predict", () -> run(args));
    }

    public static long run(String[] args) throws Exception {
        ModelJobArgs a = ModelJobArgs.parse(args, USAGE, true);
        if (a.out() == null) {
            throw new IllegalArgumentException("--out is required; " + USAGE);
        }
        SparkSession spark = Cli.session(null, a.master(), null);
        try (OutputDir output = OutputDir.prepare(a.out(), a.overwrite(), spark.sparkContext().hadoopConfiguration())) {
            Model<?> m = a.configure(ModelInput.load(spark, a.model()));
            org.apache.spark.sql.Dataset<Row> predictions = m.transform(ModelInput.data(spark, a, m, false));
            List<Column> cols = new ArrayList<>(List.of(col("id"), col("prediction")));
            if (m instanceof NeuralNetClassificationModel c) {
                Column p = org.apache.spark.ml.functions.vector_to_array(col("probability"), "float64");
                if (a.outputFormat().equals("csv")) {
                    for (int k = 0; k < c.numClasses(); k++) {
                        cols.add(p.getItem(k).as("p_" + k));
                    }
                } else {
                    cols.add(p.as("probability"));
                }
            }
            org.apache.spark.sql.Dataset<Row> result = predictions.select(cols.toArray(new Column[0])).cache();
            long rows = result.count();
            if (rows == 0) {
                throw new IllegalArgumentException(a.data() + " holds no rows");
            }
            if (a.outputFormat().equals("csv")) {
                result.write().option("header", "true").csv(output.tmpUri());
            } else {
                result.write().parquet(output.tmpUri());
            }
            result.unpersist();
            output.publish();
            System.out.println(rows + " predictions written to " + output.target() + " (" + a.outputFormat() + ")");
            return rows;
        } finally {
            Cli.stopIfEmbedded(spark);
        }
    }
}
