package org.sparknn.nn;

import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Central-difference gradient checks for float32 code. Each coordinate is probed with two step
 * sizes; where they disagree the probe straddles a kink (ReLU, |x|) and the coordinate is
 * skipped - the share of skipped coordinates is bounded so a broken gradient cannot hide there.
 */
final class GradientCheck {
    static final double EPS = 1e-2;

    private GradientCheck() {}

    /**
     * Compares analytic[i] with d objective / d values[i] for every i, by perturbing values[i]
     * in place (restored afterwards).
     */
    static void check(String what, float[] values, float[] analytic, DoubleSupplier objective) {
        int n = analytic.length;
        double[] numeric = new double[n];
        boolean[] skipped = new boolean[n];
        int skips = 0;
        for (int i = 0; i < n; i++) {
            double d1 = centralDifference(values, i, EPS, objective);
            double d2 = centralDifference(values, i, EPS / 2, objective);
            if (Math.abs(d1 - d2) > 2e-3 + 0.05 * Math.abs(d2)) {
                skipped[i] = true;
                skips++;
            }
            numeric[i] = d2;
        }
        assertTrue(skips <= Math.max(1, n / 20), what + ": " + skips + " of " + n + " coordinates sit on kinks");
        double diff = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (skipped[i]) {
                continue;
            }
            double a = analytic[i];
            double b = numeric[i];
            if (Math.abs(a - b) > 2e-3 + 0.05 * Math.max(Math.abs(a), Math.abs(b))) {
                fail(what + ": coordinate " + i + " analytic " + a + " numeric " + b);
            }
            diff += (a - b) * (a - b);
            sum += (a + b) * (a + b);
        }
        double rel = Math.sqrt(diff) / Math.max(1e-12, Math.sqrt(sum));
        assertTrue(rel < 1e-2, what + ": relative error of the gradient vector " + rel);
    }

    private static double centralDifference(float[] values, int i, double eps, DoubleSupplier objective) {
        float orig = values[i];
        values[i] = (float) (orig + eps);
        double up = objective.getAsDouble();
        float actualUp = values[i];
        values[i] = (float) (orig - eps);
        double down = objective.getAsDouble();
        float actualDown = values[i];
        values[i] = orig;
        return (up - down) / ((double) actualUp - actualDown);
    }
}
