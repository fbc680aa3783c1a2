package org.sparknn.config;

import java.util.List;

/** The reference of declared settings as a markdown table (the README's tables are this text). */
public final class ReferenceTable {
    private ReferenceTable() {}

    public static String markdown(List<Setting<?>> settings) {
        StringBuilder sb = new StringBuilder("| key | default | valid | meaning |\n|---|---|---|---|\n");
        for (Setting<?> s : settings) {
            String def = s.format(s.defaultValue());
            sb.append("| ").append(s.name())
                    .append(" | ").append(def.isEmpty() ? "(empty)" : cell(def))
                    .append(" | ").append(cell(s.range()))
                    .append(" | ").append(cell(s.doc()))
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
