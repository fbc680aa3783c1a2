package org.sparknn.data;

import java.io.Serializable;
import java.util.regex.Pattern;

/**
 * One row of a LibSVM text file, parsed strictly: {@code label index:value index:value ...},
 * indices 1-based and strictly ascending. Numbers may be NaN or infinite here ("nan", "inf" in
 * any case too, as C and Python write them); whether such a row is acceptable is the row check's
 * decision, so that its messages are the same for every input format.
 *
 * @param label   the label as written
 * @param indices 0-based feature indices (the file's index minus one), ascending
 * @param values  the value of each index
 */
public record LibSvmLine(double label, int[] indices, double[] values) implements Serializable {
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern NAN = Pattern.compile("[+-]?nan", Pattern.CASE_INSENSITIVE);
    private static final Pattern INFINITY = Pattern.compile("([+-]?)inf(inity)?", Pattern.CASE_INSENSITIVE);

    /** The largest 1-based index of the row, 0 when it has no features. */
    public int maxIndex() {
        return indices.length == 0 ? 0 : indices[indices.length - 1] + 1;
    }

    /**
     * The row a line holds, or null for a blank line or a comment (first non-blank character '#').
     *
     * @param features the largest valid index, or 0 for any
     * @param bound    what sets {@code features}, for the message (e.g. "data.features=4")
     * @throws IllegalArgumentException saying what is wrong with the line and what is valid
     */
    public static LibSvmLine parse(String line, int features, String bound) {
        String s = line.strip();
        if (s.isEmpty() || s.startsWith("#")) {
            return null;
        }
        String[] tokens = s.split("\\s+");
        double label = number(tokens[0], "label");
        int[] indices = new int[tokens.length - 1];
        double[] values = new double[tokens.length - 1];
        String valid = features > 0 ? "(valid 1.." + features + ")" : "(valid: whole numbers from 1)";
        for (int k = 1; k < tokens.length; k++) {
            String t = tokens[k];
            int colon = t.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("token '" + t + "' has no ':'; features are written index:value after the label");
            }
            String indexText = t.substring(0, colon);
            long index;
            try {
                index = Long.parseLong(indexText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("feature index '" + indexText + "' in '" + t + "' is not a whole number " + valid);
            }
            if (index < 1) {
                throw new IllegalArgumentException("feature index " + index + " in '" + t + "': LibSVM indices start at 1 " + valid);
            }
            if (features > 0 && index > features) {
                throw new IllegalArgumentException("feature index " + index + " is past " + bound + " " + valid);
            }
            if (index > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("feature index " + index + " is too large " + valid);
            }
            int previous = k == 1 ? 0 : indices[k - 2] + 1;
            if (index <= previous) {
                throw new IllegalArgumentException("feature index " + index + (index == previous ? " appears twice" : " follows index " + previous)
                        + "; indices must be strictly ascending");
            }
            indices[k - 1] = (int) index - 1;
            values[k - 1] = number(t.substring(colon + 1), "value of feature " + index);
        }
        return new LibSvmLine(label, indices, values);
    }

    private static double number(String text, String what) {
        if (DECIMAL.matcher(text).matches()) {
            return Double.parseDouble(text);
        }
        if (NAN.matcher(text).matches()) {
            return Double.NaN;
        }
        var inf = INFINITY.matcher(text);
        if (inf.matches()) {
            return inf.group(1).equals("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        throw new IllegalArgumentException(what + " '" + text + "' is not a number (e.g. 1, -0.5, 2e-3)");
    }
}
