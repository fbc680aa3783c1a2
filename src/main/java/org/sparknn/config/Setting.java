package org.sparknn.config;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * One setting, declared once: name, type, default, valid range and doc. Parsing (from HOCON
 * values, {@code key=value} strings or Spark ML param values), validation, error messages, the
 * Spark ML param and the README's reference table are all derived from this declaration.
 *
 * @param <T> Integer, Long, Double, Boolean, String, int[] or an enum implementing {@link Choice}
 */
public final class Setting<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A serializable range check (settings travel inside Spark ML params to executors). */
    private interface Check<T> extends Predicate<T>, Serializable {
    }

    /** The value types a setting can have; each knows how to parse and print its values. */
    public enum Type { INT, LONG, DOUBLE, BOOLEAN, STRING, INT_ARRAY, CHOICE }

    private final String name;
    private final Type type;
    private final Class<T> javaType;
    private final T defaultValue;
    private final Check<T> valid;
    private final String range;
    private final String doc;

    private Setting(String name, Type type, Class<T> javaType, T defaultValue, Check<T> valid, String range, String doc) {
        this.name = name;
        this.type = type;
        this.javaType = javaType;
        this.defaultValue = defaultValue;
        this.valid = valid;
        this.range = range;
        this.doc = doc;
        if (!valid.test(defaultValue)) {
            throw new IllegalStateException("default of " + name + " is outside its range " + range);
        }
    }

    public static Setting<Integer> intSetting(String name, int defaultValue, Range range, String doc) {
        return new Setting<>(name, Type.INT, Integer.class, defaultValue, v -> range.contains(v), range.text(), doc);
    }

    public static Setting<Long> longSetting(String name, long defaultValue, String doc) {
        return new Setting<>(name, Type.LONG, Long.class, defaultValue, v -> true, "any integer", doc);
    }

    public static Setting<Double> doubleSetting(String name, double defaultValue, Range range, String doc) {
        return new Setting<>(name, Type.DOUBLE, Double.class, defaultValue, v -> Double.isFinite(v) && range.contains(v),
                range.text(), doc);
    }

    public static Setting<Boolean> booleanSetting(String name, boolean defaultValue, String doc) {
        return new Setting<>(name, Type.BOOLEAN, Boolean.class, defaultValue, v -> true, "true or false", doc);
    }

    public static Setting<String> stringSetting(String name, String defaultValue, String doc) {
        return new Setting<>(name, Type.STRING, String.class, defaultValue, v -> true, "any text", doc);
    }

    /** A list of integers, each within {@code range}. */
    public static Setting<int[]> intArraySetting(String name, int[] defaultValue, Range range, String doc) {
        return new Setting<>(name, Type.INT_ARRAY, int[].class, defaultValue.clone(),
                v -> Arrays.stream(v).allMatch(range::contains), "integers, each " + range.text(), doc);
    }

    /** One of the constants of an enum; written in lower case. */
    public static <E extends Enum<E> & Choice> Setting<E> choiceSetting(String name, E defaultValue, String doc) {
        return new Setting<>(name, Type.CHOICE, defaultValue.getDeclaringClass(), defaultValue, v -> true,
                "one of " + Choice.keys(defaultValue.getDeclaringClass()), doc);
    }

    public String name() {
        return name;
    }

    public Type type() {
        return type;
    }

    public Class<T> javaType() {
        return javaType;
    }

    public T defaultValue() {
        return defaultValue instanceof int[] a ? javaType.cast(a.clone()) : defaultValue;
    }

    /** The valid values in words, e.g. "in [0, 1)" or "one of [sgd, adam]". */
    public String range() {
        return range;
    }

    public String doc() {
        return doc;
    }

    /** A value of this setting's type checked against its range; the error names the setting and the range. */
    public T check(T value) {
        if (value == null || !javaType.isInstance(value)) {
            throw new IllegalArgumentException(name + " must be " + describeType() + ", got " + value);
        }
        if (!valid.test(value)) {
            throw new IllegalArgumentException(name + " must be " + range + ", got " + format(value));
        }
        return value;
    }

    public boolean isValid(Object raw) {
        try {
            parse(raw);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Parses a raw value: a string (command line), a number, boolean or list (HOCON), or the
     * value itself; then checks the range.
     */
    public T parse(Object raw) {
        if (javaType.isInstance(raw)) {
            return check(javaType.cast(raw));
        }
        String text = raw instanceof String s ? s.trim() : null;
        Object value = switch (type) {
            case INT -> raw instanceof Integer || raw instanceof Long l && l == l.intValue() ? ((Number) raw).intValue()
                    : text != null ? parseNumber(text, Integer::parseInt, "an integer") : fail(raw, "an integer");
            case LONG -> raw instanceof Integer || raw instanceof Long ? ((Number) raw).longValue()
                    : text != null ? parseNumber(text, Long::parseLong, "an integer") : fail(raw, "an integer");
            case DOUBLE -> raw instanceof Number n ? n.doubleValue()
                    : text != null ? parseNumber(text, Double::parseDouble, "a number") : fail(raw, "a number");
            case BOOLEAN -> parseBoolean(raw, text);
            case STRING -> raw == null ? fail(null, "text") : String.valueOf(raw).trim();
            case INT_ARRAY -> parseIntArray(raw);
            case CHOICE -> parseChoice(raw);
        };
        return check(javaType.cast(value));
    }

    /** The value as configuration files and model metadata write it. */
    public String format(Object value) {
        if (value instanceof int[] a) {
            return Arrays.toString(a);
        }
        if (value instanceof Choice c) {
            return c.key();
        }
        return String.valueOf(value);
    }

    /** The value as plain Java data (numbers, booleans, strings, lists) for JSON and HOCON. */
    public Object plain(Object value) {
        if (value instanceof int[] a) {
            return Arrays.stream(a).boxed().toList();
        }
        if (value instanceof Choice c) {
            return c.key();
        }
        return value;
    }

    private String describeType() {
        return switch (type) {
            case INT, LONG -> "an integer";
            case DOUBLE -> "a number";
            case BOOLEAN -> "true or false";
            case STRING -> "text";
            case INT_ARRAY -> "a list of integers";
            case CHOICE -> range;
        };
    }

    private <N> N parseNumber(String text, java.util.function.Function<String, N> parser, String what) {
        try {
            return parser.apply(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be " + what + ", got '" + text + "'");
        }
    }

    private Boolean parseBoolean(Object raw, String text) {
        String t = text == null ? String.valueOf(raw) : text.toLowerCase(Locale.ROOT);
        if (!t.equals("true") && !t.equals("false")) {
            throw new IllegalArgumentException(name + " must be true or false, got '" + raw + "'");
        }
        return t.equals("true");
    }

    private int[] parseIntArray(Object raw) {
        List<?> items;
        if (raw instanceof List<?> l) {
            items = l;
        } else if (raw instanceof String s) {
            String t = s.trim();
            if (t.startsWith("[") && t.endsWith("]")) {
                t = t.substring(1, t.length() - 1);
            }
            items = t.isBlank() ? List.of() : Arrays.asList(t.split("\\s*,\\s*"));
        } else {
            return fail(raw, "a list of integers");
        }
        int[] out = new int[items.size()];
        for (int i = 0; i < out.length; i++) {
            Object item = items.get(i);
            out[i] = item instanceof Integer n ? n : parseNumber(String.valueOf(item).trim(), Integer::parseInt, "a list of integers");
        }
        return out;
    }

    private Object parseChoice(Object raw) {
        String key = String.valueOf(raw).trim().toLowerCase(Locale.ROOT);
        for (T c : javaType.getEnumConstants()) {
            if (((Choice) c).key().equals(key)) {
                return c;
            }
        }
        throw new IllegalArgumentException(name + " must be " + range + ", got '" + raw + "'");
    }

    private <X> X fail(Object raw, String what) {
        throw new IllegalArgumentException(name + " must be " + what + ", got " + raw);
    }

    @Override
    public String toString() {
        return name;
    }
}
