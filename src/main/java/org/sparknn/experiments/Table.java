package org.sparknn.experiments;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** A results table: named columns, rows of numbers and text, written as CSV and as markdown. */
public final class Table {
    private final List<String> columns;
    private final List<List<Object>> rows = new ArrayList<>();

    public Table(String... columns) {
        this.columns = List.of(columns);
    }

    public Table add(Object... row) {
        if (row.length != columns.size()) {
            throw new IllegalArgumentException("a row of " + row.length + " values for " + columns.size() + " columns " + columns);
        }
        rows.add(java.util.Arrays.asList(row));
        return this;
    }

    public List<String> columns() {
        return columns;
    }

    public List<List<Object>> rows() {
        return Collections.unmodifiableList(rows);
    }

    /** CSV: a header line, then one line per row; numbers in full precision, text quoted when it needs to be. */
    public String csv() {
        StringBuilder b = new StringBuilder(String.join(",", columns)).append('\n');
        for (List<Object> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                b.append(i == 0 ? "" : ",").append(csvCell(row.get(i)));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** A markdown table; numbers with 4 significant decimals. */
    public String markdown() {
        StringBuilder b = new StringBuilder("| ").append(String.join(" | ", columns)).append(" |\n|");
        b.append("---|".repeat(columns.size())).append('\n');
        for (List<Object> row : rows) {
            b.append('|');
            for (Object v : row) {
                b.append(' ').append(text(v)).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }

    static String text(Object v) {
        if (v instanceof Double d) {
            return Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "-";
        }
        if (v instanceof Float f) {
            return text(f.doubleValue());
        }
        return String.valueOf(v);
    }

    private static String csvCell(Object v) {
        if (v instanceof Double d) {
            return Double.isFinite(d) ? Double.toString(d) : "";
        }
        String s = String.valueOf(v);
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
