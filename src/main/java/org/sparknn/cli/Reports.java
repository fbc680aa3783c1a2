package org.sparknn.cli;

import org.sparknn.experiments.Plots;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.Evaluation;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** What training and evaluation reports are made of: PNG curves, the confusion matrix as CSV, evaluation text. */
final class Reports {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Reports() {}

    static byte[] lossChart(List<EpochMetrics> h) throws IOException {
        return chart("Loss per epoch", "loss", h, new String[] {"train", "validation"},
                List.of(EpochMetrics::trainLoss, EpochMetrics::validationLoss));
    }

    static byte[] accuracyChart(List<EpochMetrics> h) throws IOException {
        return chart("Accuracy per epoch", "accuracy", h, new String[] {"train", "validation"},
                List.of(EpochMetrics::trainAccuracy, EpochMetrics::validationAccuracy));
    }

    static byte[] learningRateChart(List<EpochMetrics> h) throws IOException {
        return chart("Learning rate at the end of each epoch", "learning rate", h, new String[] {"learning rate"},
                List.of(EpochMetrics::learningRate));
    }

    private static byte[] chart(String title, String yTitle, List<EpochMetrics> h, String[] names,
                                List<ToDoubleFunction<EpochMetrics>> series) throws IOException {
        double[] x = h.stream().mapToDouble(EpochMetrics::epoch).toArray();
        List<Plots.Series> lines = new java.util.ArrayList<>();
        for (int s = 0; s < names.length; s++) {
            lines.add(new Plots.Series(names[s], x, h.stream().mapToDouble(series.get(s)).toArray()));
        }
        return Plots.lines(title, "epoch", yTitle, lines, false);
    }

    /** Rows: true label; columns: predicted label. */
    static String confusionCsv(long[][] confusion) {
        StringBuilder sb = new StringBuilder("label\\predicted");
        for (int j = 0; j < confusion.length; j++) {
            sb.append(',').append(j);
        }
        sb.append('\n');
        for (int i = 0; i < confusion.length; i++) {
            sb.append(i);
            for (long v : confusion[i]) {
                sb.append(',').append(v);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Accuracy, loss, and per-class precision/recall/F1 with the confusion matrix, as text. */
    static String evaluationText(Evaluation e) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "samples %d  accuracy %.4f  loss %.4f%n", e.count(), e.accuracy(), e.loss()));
        long[][] c = e.confusion();
        if (c.length > 0) {
            sb.append(String.format(Locale.ROOT, "%6s %9s %9s %9s %8s%n", "class", "precision", "recall", "f1", "support"));
            for (int k = 0; k < c.length; k++) {
                long tp = c[k][k];
                long predicted = 0;
                long actual = 0;
                for (int j = 0; j < c.length; j++) {
                    predicted += c[j][k];
                    actual += c[k][j];
                }
                double precision = predicted == 0 ? 0 : (double) tp / predicted;
                double recall = actual == 0 ? 0 : (double) tp / actual;
                double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
                sb.append(String.format(Locale.ROOT, "%6d %9.4f %9.4f %9.4f %8d%n", k, precision, recall, f1, actual));
            }
            sb.append("confusion matrix (rows: label, columns: predicted)\n");
            for (long[] row : c) {
                for (long v : row) {
                    sb.append(String.format(Locale.ROOT, "%6d", v));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }
}
