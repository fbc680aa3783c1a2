package org.sparknn.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads LibSVM text files into a dense {@link Dataset}.
 *
 * <p>Each non-blank line is {@code label index:value index:value ...}, separated by whitespace,
 * with 1-based, strictly ascending indices; omitted features are 0. Everything after a
 * {@code #} is a comment. Feature {@code index} goes to column {@code index - 1}.
 */
public final class LibSvmReader {

    // Plain decimal numbers only: Float.parseFloat would also accept "NaN", "1f" or hex floats.
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern INDEX = Pattern.compile("\\d+");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private LibSvmReader() {
    }

    /** Reads {@code file} with indices 1..{@code featureSize}; a larger index is an error. */
    public static Dataset read(Path file, int featureSize) throws IOException {
        if (featureSize < 0) {
            throw new IllegalArgumentException("featureSize must be >= 0, got " + featureSize);
        }
        return parse(file, featureSize);
    }

    /** Reads {@code file}, taking the largest index that occurs as the feature count. */
    public static Dataset read(Path file) throws IOException {
        return parse(file, -1);
    }

    private static Dataset parse(Path file, int featureSize) throws IOException {
        List<Float> labels = new ArrayList<>();
        List<int[]> indices = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        int maxIndex = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                int comment = line.indexOf('#');
                String content = (comment >= 0 ? line.substring(0, comment) : line).strip();
                if (content.isEmpty()) {
                    continue;
                }
                String[] tokens = WHITESPACE.split(content);
                if (!NUMBER.matcher(tokens[0]).matches()) {
                    throw error(file, lineNo, "label '" + tokens[0] + "' is not a number");
                }
                float label = Float.parseFloat(tokens[0]);
                if (!Float.isFinite(label)) {
                    throw error(file, lineNo, "label '" + tokens[0] + "' overflows a float");
                }
                int[] idx = new int[tokens.length - 1];
                float[] val = new float[tokens.length - 1];
                for (int t = 1; t < tokens.length; t++) {
                    String token = tokens[t];
                    int colon = token.indexOf(':');
                    if (colon < 0) {
                        throw error(file, lineNo, "malformed token '" + token + "', expected index:value");
                    }
                    String indexText = token.substring(0, colon);
                    String valueText = token.substring(colon + 1);
                    if (!INDEX.matcher(indexText).matches()) {
                        throw error(file, lineNo, "malformed token '" + token + "': index '" + indexText
                                + "' is not a positive integer");
                    }
                    if (!NUMBER.matcher(valueText).matches()) {
                        throw error(file, lineNo, "malformed token '" + token + "': value '" + valueText
                                + "' is not a number");
                    }
                    // Very long digit strings cannot be in range anyway; avoid parse overflow.
                    long index = indexText.length() > 18 ? Long.MAX_VALUE : Long.parseLong(indexText);
                    long max = featureSize >= 0 ? featureSize : Integer.MAX_VALUE - 8;
                    if (index < 1 || index > max) {
                        throw error(file, lineNo, "index " + indexText + " out of range 1.." + max);
                    }
                    if (t > 1 && index <= idx[t - 2]) {
                        throw error(file, lineNo, "index " + index + " is not ascending (follows index "
                                + idx[t - 2] + "); indices must be strictly ascending");
                    }
                    float value = Float.parseFloat(valueText);
                    if (!Float.isFinite(value)) {
                        throw error(file, lineNo, "value '" + valueText + "' of index " + index
                                + " overflows a float");
                    }
                    idx[t - 1] = (int) index;
                    val[t - 1] = value;
                    maxIndex = Math.max(maxIndex, (int) index);
                }
                labels.add(label);
                indices.add(idx);
                values.add(val);
            }
        }
        int columns = featureSize >= 0 ? featureSize : maxIndex;
        int rows = labels.size();
        if ((long) rows * columns > Integer.MAX_VALUE - 8) {
            throw new MalformedDataException(file, rows + " rows of " + columns
                    + " features are too many for a dense data set");
        }
        float[] features = new float[rows * columns];
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            y[r] = labels.get(r);
            int[] idx = indices.get(r);
            float[] val = values.get(r);
            for (int k = 0; k < idx.length; k++) {
                features[r * columns + idx[k] - 1] = val[k];
            }
        }
        return new Dataset(file.toString(), rows, columns, features, y);
    }

    private static MalformedDataException error(Path file, int lineNo, String problem) {
        return new MalformedDataException(file, "line " + lineNo + ": " + problem);
    }
}
