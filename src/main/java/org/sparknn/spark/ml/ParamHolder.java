package org.sparknn.spark.ml;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.sparknn.config.Choice;
import org.sparknn.config.Setting;
import org.sparknn.nn.MlpShape;
import org.sparknn.train.TrainConfig;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Spark ML params of one estimator or model, derived from the declared settings: every
 * training setting of {@link TrainConfig} and every shape setting of {@link MlpShape} becomes a
 * param of the same name, with the param type, doc, range check and default taken from the
 * declaration; plus {@link #MODEL_SPEC}. A new setting becomes a param without any code here.
 */
public final class ParamHolder implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final Setting<String> MODEL_SPEC = Setting.stringSetting("modelSpec", "",
            "full model spec as JSON (layers and loss; the input size and output layer are checked against the data); "
                    + "empty = build from hiddenLayers, activation, dropoutRate, batchNorm, bnMomentum");

    private final Map<String, Param<?>> byName = new LinkedHashMap<>();
    private final List<Setting<?>> settings;

    /** The params of {@code owner}: the declared settings plus {@code extra} ones of its own (e.g. a regressor's loss). */
    ParamHolder(Params owner, Setting<?>... extra) {
        this.settings = new ArrayList<>(settings());
        this.settings.addAll(List.of(extra));
        for (Setting<?> s : this.settings) {
            byName.put(s.name(), create(owner, s));
        }
    }

    /** Every setting that is a param. */
    static List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(TrainConfig.settings());
        all.addAll(MlpShape.settings());
        all.add(MODEL_SPEC);
        return all;
    }

    /** The Spark ML param of a setting: its type from the setting's type, doc and range check from the declaration. */
    static Param<?> create(Params owner, Setting<?> s) {
        String doc = s.doc() + ", " + s.range();
        String name = s.name();
        return switch (s.type()) {
            case INT -> new IntParam(owner, name, doc, valid(s));
            case LONG -> new LongParam(owner, name, doc, valid(s));
            case DOUBLE -> new DoubleParam(owner, name, doc, valid(s));
            case BOOLEAN -> new BooleanParam(owner, name, doc);
            case INT_ARRAY -> new IntArrayParam(owner, name, doc, ParamHolder.<int[]>valid(s));
            case STRING, CHOICE -> new Param<String>(owner, name, doc, ParamHolder.<String>valid(s));
        };
    }

    /** Params travel inside models to executors, so validators are serializable. */
    @SuppressWarnings("unchecked")
    private static <T> scala.Function1<T, Object> valid(Setting<?> s) {
        return (scala.Function1<T, Object> & Serializable) s::isValid;
    }

    Param<?> param(Setting<?> s) {
        Param<?> p = byName.get(s.name());
        if (p == null) {
            throw new IllegalArgumentException(s.name() + " is not a param of sparknn's estimators");
        }
        return p;
    }

    /**
     * An owner's params: Spark's own (found by reflection over no-arg methods returning a Param)
     * together with the declared settings', sorted by name as Spark sorts them. {@code holder} is
     * null while the Spark superclass constructor runs.
     */
    static Param<?>[] params(ParamHolder holder, Param<?>[] spark) {
        if (holder == null) {
            return spark;
        }
        Map<String, Param<?>> all = new LinkedHashMap<>();
        for (Param<?> p : spark) {
            all.put(p.name(), p);
        }
        holder.byName.forEach(all::putIfAbsent);
        Param<?>[] out = all.values().toArray(new Param<?>[0]);
        Arrays.sort(out, Comparator.comparing(Param::name));
        return out;
    }

    /** An owner's param by name (Spark's persistence and copies look params up this way). */
    @SuppressWarnings("unchecked")
    static Param<Object> getParam(ParamHolder holder, String name, java.util.function.Function<String, Param<Object>> spark) {
        Param<?> p = holder == null ? null : holder.byName.get(name);
        return p != null ? (Param<Object>) p : spark.apply(name);
    }

    /** The value a param holds for a setting value: choices as their lower-case key. */
    static Object paramValue(Object value) {
        return value instanceof Choice c ? c.key() : value;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    void setDefaults(Params owner) {
        for (Setting<?> s : settings) {
            owner.setDefault((Param) byName.get(s.name()), paramValue(s.defaultValue()));
        }
    }

    /** Sets the training params of {@code owner} to the settings a run used (plain values, as model files hold them). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void setTraining(Params owner, Map<String, Object> settings) {
        TrainConfig config = TrainConfig.defaults().withAll(settings);
        for (Setting<?> s : TrainConfig.settings()) {
            owner.set((Param) byName.get(s.name()), paramValue(config.get(s)));
        }
    }
}
