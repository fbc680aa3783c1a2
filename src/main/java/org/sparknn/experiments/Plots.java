package org.sparknn.experiments;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * PNG line charts (XChart, 800 x 500), the kind the train job draws its loss and accuracy
 * curves with: series of (x, y) points, optionally with error bars, and histograms drawn as
 * step lines over their bins. Series holding a non-finite value are left out.
 */
public final class Plots {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    /** One curve: points (x[i], y[i]), with error bars err[i] (null: none). */
    public record Series(String name, double[] x, double[] y, double[] err) {
        public Series(String name, double[] x, double[] y) {
            this(name, x, y, null);
        }
    }

    /** A line chart of the series; {@code logX} puts the x axis on a log scale. */
    public static byte[] lines(String title, String xTitle, String yTitle, List<Series> series, boolean logX) {
        XYChart chart = chart(title, xTitle, yTitle);
        chart.getStyler().setXAxisLogarithmic(logX);
        for (Series s : series) {
            if (s.x().length == 0 || !finite(s.x()) || !finite(s.y()) || (s.err() != null && !finite(s.err()))) {
                continue;
            }
            if (s.err() != null) {
                chart.addSeries(s.name(), s.x(), s.y(), s.err());
            } else {
                chart.addSeries(s.name(), s.x(), s.y());
            }
        }
        return png(chart);
    }

    /**
     * Histograms of several samples over the same {@code bins} equal bins spanning [lo, hi]
     * (values outside are counted in the end bins), as the share of each sample per bin, drawn
     * as step lines.
     */
    public static byte[] histogram(String title, String xTitle, List<String> names, List<double[]> samples, int bins,
                                   double lo, double hi, boolean logY) {
        XYChart chart = chart(title, xTitle, "share of values per bin");
        chart.getStyler().setYAxisLogarithmic(logY);
        if (logY) {
            chart.getStyler().setYAxisDecimalPattern("0.######");
        }
        for (int s = 0; s < names.size(); s++) {
            double[] share = shares(samples.get(s), bins, lo, hi);
            double[] x = new double[2 * bins];
            double[] y = new double[2 * bins];
            double width = (hi - lo) / bins;
            for (int b = 0; b < bins; b++) {
                x[2 * b] = lo + b * width;
                x[2 * b + 1] = lo + (b + 1) * width;
                double v = logY ? Math.max(share[b], 1e-6) : share[b];
                y[2 * b] = v;
                y[2 * b + 1] = v;
            }
            XYSeries series = chart.addSeries(names.get(s), x, y);
            series.setMarker(new org.knowm.xchart.style.markers.None());
        }
        return png(chart);
    }

    /** The share of the values in each of {@code bins} equal bins over [lo, hi] (ends clamped). */
    public static double[] shares(double[] values, int bins, double lo, double hi) {
        double[] share = new double[bins];
        if (values.length == 0 || !(hi > lo)) {
            return share;
        }
        for (double v : values) {
            int b = (int) Math.floor((v - lo) / (hi - lo) * bins);
            share[Math.max(0, Math.min(bins - 1, b))]++;
        }
        for (int b = 0; b < bins; b++) {
            share[b] /= values.length;
        }
        return share;
    }

    /** An empty 800 x 500 chart with readable number formats and a title font that fits long titles. */
    public static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        // long titles get a smaller font so that they fit the 800-pixel width
        int size = title.length() <= 90 ? 13 : Math.max(9, 13 * 90 / title.length());
        chart.getStyler().setChartTitleFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, size));
        chart.getStyler().setXAxisDecimalPattern("#,##0.###");
        chart.getStyler().setYAxisDecimalPattern("#,##0.####");
        return chart;
    }

    public static byte[] png(XYChart chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean finite(double[] a) {
        return Arrays.stream(a).allMatch(Double::isFinite);
    }
}
