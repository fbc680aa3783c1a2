package org.sparknn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparknn.spark.ml.NeuralNetClassificationModel;
import org.sparknn.train.Evaluation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.sum;

/**
 * The evaluate job: a saved model on a data set. Classifiers: accuracy, loss (mean cross-entropy),
 * per-class precision/recall/F1 and the confusion matrix; regressors: RMSE, MAE, R^2. Computed
 * on Spark; with --out, also written as evaluation.json / evaluation.txt / confusion-matrix.csv.
 */
public final class EvaluateMain {
    static final String USAGE = "usage: evaluate --model DIR [--data PATH] [--format idx|libsvm|parquet] [--split train|test] "
            + "[--features N] [--out DIR] [--overwrite] [--master URL] [--mc-samples K]";

    private EvaluateMain() {}

    public static void main(String[] args) {
        Cli.exit("evaluate", () -> run(args));
    }

    public static Map<String, Object> run(String[] args) throws Exception {
        ModelJobArgs a = ModelJobArgs.parse(args, USAGE, false);
        SparkSession spark = Cli.session(null, a.master(), null);
        OutputDir output = null;
        try {
            output = a.out() == null ? null : OutputDir.prepare(a.out(), a.overwrite(), spark.sparkContext().hadoopConfiguration());
            Model<?> m = a.configure(ModelInput.load(spark, a.model()));
            org.apache.spark.sql.Dataset<Row> predictions = m.transform(ModelInput.data(spark, a, m, true)).cache();
            if (predictions.count() == 0) {
                throw new IllegalArgumentException(a.data() + " holds no rows");
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("model", a.model());
            report.put("data", a.data() + (a.format().equals("idx") ? " (" + a.split() + ")" : ""));
            if (a.mcSamples() > 0) {
                report.put("mcSamples", a.mcSamples());
            }
            String text;
            long[][] confusion = null;
            if (m instanceof NeuralNetClassificationModel c) {
                Evaluation e = classification(predictions, c.numClasses());
                confusion = e.confusion();
                report.put("samples", e.count());
                report.put("accuracy", e.accuracy());
                report.put("loss", e.loss());
                report.put("confusion", e.confusion());
                text = Reports.evaluationText(e);
            } else {
                RegressionEvaluator r = new RegressionEvaluator();
                double rmse = r.setMetricName("rmse").evaluate(predictions);
                double mae = r.setMetricName("mae").evaluate(predictions);
                double r2 = r.setMetricName("r2").evaluate(predictions);
                report.put("samples", predictions.count());
                report.put("rmse", rmse);
                report.put("mae", mae);
                report.put("r2", r2);
                text = String.format(Locale.ROOT, "samples %d  rmse %.6f  mae %.6f  r2 %.6f%n", predictions.count(), rmse, mae, r2);
            }
            predictions.unpersist();
            System.out.print(text);
            if (output != null) {
                output.writeString("evaluation.json", new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
                output.writeString("evaluation.txt", text);
                if (confusion != null) {
                    output.writeString("confusion-matrix.csv", Reports.confusionCsv(confusion));
                }
                output.publish();
                System.out.println("evaluation written to " + output.target());
            }
            return report;
        } finally {
            if (output != null) {
                output.close();
            }
            Cli.stopIfEmbedded(spark);
        }
    }

    /** Confusion matrix and summed cross-entropy, aggregated on Spark. */
    static Evaluation classification(org.apache.spark.sql.Dataset<Row> predictions, int classes) {
        long[][] confusion = new long[classes][classes];
        long count = 0;
        long correct = 0;
        List<Row> cells = predictions.groupBy("label", "prediction").count().collectAsList();
        for (Row r : cells) {
            double y = r.getDouble(0);
            int label = (int) y;
            int predicted = (int) r.getDouble(1);
            if (y != label || label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + y + " (" + r.getLong(2) + " rows) is not a class index of the model's "
                        + classes + " classes (0.." + (classes - 1) + ")");
            }
            confusion[label][predicted] += r.getLong(2);
            count += r.getLong(2);
            if (label == predicted) {
                correct += r.getLong(2);
            }
        }
        Row loss = predictions.select(sum(log(greatest(element_at(
                org.apache.spark.ml.functions.vector_to_array(col("probability"), "float64"),
                col("label").cast("int").plus(1)), lit(1e-12))).multiply(-1))).first();
        return new Evaluation(count, loss.isNullAt(0) ? 0 : loss.getDouble(0), correct, confusion);
    }
}
