package org.sparknn.experiments;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Mean and spread of a figure over seeds, and the comparisons verdicts are made of. */
public record Stats(double mean, double sd, int n) {

    /** Mean and sample standard deviation (0 for a single value). */
    public static Stats of(double... values) {
        int n = values.length;
        double mean = Arrays.stream(values).average().orElse(Double.NaN);
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        return new Stats(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n);
    }

    public static Stats of(List<Double> values) {
        return of(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * Whether this mean lies above {@code other}'s by more than the two spreads together (the
     * rule every verdict uses for "differs": the gap exceeds sd + sd).
     */
    public boolean clearlyAbove(Stats other) {
        return mean - other.mean > sd + other.sd;
    }

    public boolean clearlyBelow(Stats other) {
        return other.clearlyAbove(this);
    }

    /** Neither clearly above nor clearly below. */
    public boolean within(Stats other) {
        return !clearlyAbove(other) && !clearlyBelow(other);
    }

    /** "0.1234 ± 0.0056" (sd over n seeds). */
    public String text() {
        return String.format(Locale.ROOT, "%.4f ± %.4f", mean, sd);
    }

    /** As a percentage: "12.34% ± 0.56". */
    public String percent() {
        return String.format(Locale.ROOT, "%.2f%% ± %.2f", 100 * mean, 100 * sd);
    }

    public static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    public static String num(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
