package org.sparknn.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** An enum constant that settings accept by its lower-case name. */
public interface Choice {
    String name();

    default String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    static List<String> keys(Class<? extends Choice> type) {
        return Arrays.stream(type.getEnumConstants()).map(Choice::key).toList();
    }
}
