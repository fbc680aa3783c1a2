package org.sparknn.config;

import java.io.Serializable;
import java.util.Locale;

/** A numeric interval with its description, e.g. "in [0, 1)" or ">= 1". */
public record Range(double low, boolean lowIncluded, double high, boolean highIncluded) implements Serializable {

    public static Range atLeast(double low) {
        return new Range(low, true, Double.POSITIVE_INFINITY, false);
    }

    public static Range above(double low) {
        return new Range(low, false, Double.POSITIVE_INFINITY, false);
    }

    /** [low, high) */
    public static Range closedOpen(double low, double high) {
        return new Range(low, true, high, false);
    }

    /** (low, high] */
    public static Range openClosed(double low, double high) {
        return new Range(low, false, high, true);
    }

    public boolean contains(double v) {
        return (lowIncluded ? v >= low : v > low) && (highIncluded ? v <= high : v < high);
    }

    /** Throws an error naming {@code what} and this range when v is outside it. */
    public double require(String what, double v) {
        if (!contains(v)) {
            throw new IllegalArgumentException(what + " must be " + text() + ", got " + v);
        }
        return v;
    }

    public String text() {
        if (high == Double.POSITIVE_INFINITY) {
            return (lowIncluded ? ">= " : "> ") + num(low);
        }
        return "in " + (lowIncluded ? "[" : "(") + num(low) + ", " + num(high) + (highIncluded ? "]" : ")");
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
