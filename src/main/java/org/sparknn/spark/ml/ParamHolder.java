package org.sparknn.spark.ml;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.sparknn.train.TrainConfig;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Spark ML params of sparknn's estimators and models, created for one owner. Every training
 * setting of {@link TrainConfig} becomes a typed param with the same name, doc, range check and
 * default (taken from TrainConfig, so each default stays written once); the network's shape has
 * its own params with their defaults here.
 */
public final class ParamHolder implements Serializable {
    static final int[] DEFAULT_HIDDEN_LAYERS = {256, 256};
    static final String DEFAULT_ACTIVATION = "relu";
    static final double DEFAULT_DROPOUT = 0.2;
    static final boolean DEFAULT_BATCH_NORM = true;
    static final double DEFAULT_BN_MOMENTUM = 0.1;

    final Map<String, Param<?>> training = new LinkedHashMap<>();
    final Param<String> modelSpec;
    final IntArrayParam hiddenLayers;
    final Param<String> activation;
    final DoubleParam dropoutRate;
    final BooleanParam batchNorm;
    final DoubleParam bnMomentum;

    ParamHolder(Params owner) {
        TrainConfig defaults = new TrainConfig();
        Map<String, String> docs = TrainConfig.descriptions();
        for (Map.Entry<String, Object> e : defaults.toMap().entrySet()) {
            String key = e.getKey();
            Object value = e.getValue();
            String doc = docs.get(key);
            scala.Function1<Object, Object> valid = valid(v -> isValidSetting(key, v));
            Param<?> p;
            if (value instanceof Integer) {
                p = new IntParam(owner, key, doc, valid);
            } else if (value instanceof Long) {
                p = new LongParam(owner, key, doc, valid);
            } else if (value instanceof Double) {
                p = new DoubleParam(owner, key, doc, valid);
            } else if (value instanceof Boolean) {
                p = new BooleanParam(owner, key, doc);
            } else {
                p = new Param<String>(owner, key, doc, ParamHolder.<String>valid(v -> isValidSetting(key, v)));
            }
            training.put(key, p);
        }
        modelSpec = new Param<>(owner, "modelSpec", "full model spec as JSON (layers and loss; the input size and output "
                + "layer are checked against the data); empty = build from hiddenLayers, activation, dropoutRate, batchNorm",
                ParamHolder.<String>valid(v -> true));
        hiddenLayers = new IntArrayParam(owner, "hiddenLayers", "units of each hidden dense layer, each >= 1",
                ParamHolder.<int[]>valid(v -> java.util.Arrays.stream(v).allMatch(u -> u >= 1)));
        activation = new Param<>(owner, "activation", "hidden activation: relu, leaky_relu, tanh or sigmoid",
                ParamHolder.<String>valid(v -> java.util.List.of("relu", "leaky_relu", "tanh", "sigmoid").contains(v)));
        dropoutRate = new DoubleParam(owner, "dropoutRate", "drop probability after each hidden layer, in [0, 1)",
                valid(v -> (Double) v >= 0 && (Double) v < 1));
        batchNorm = new BooleanParam(owner, "batchNorm", "batch normalization after each hidden dense layer");
        bnMomentum = new DoubleParam(owner, "bnMomentum", "weight of the newest batch in the running BN average, in (0, 1]",
                valid(v -> (Double) v > 0 && (Double) v <= 1));
    }

    /** A serializable predicate for the Serializable function Spark expects. */
    interface Check<T> extends java.util.function.Predicate<T>, Serializable {
    }

    /** Params travel inside models to executors, so their validators must be serializable. */
    @SuppressWarnings("unchecked")
    static <T> scala.Function1<T, Object> valid(Check<T> check) {
        return (scala.Function1<T, Object> & Serializable) v -> check.test(v);
    }

    private static boolean isValidSetting(String key, Object value) {
        try {
            new TrainConfig().set(key, String.valueOf(value));
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Sets the training params of {@code owner} to the values a run used. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void setTraining(Params owner, Map<String, Object> settings) {
        settings.forEach((k, v) -> {
            Param p = training.get(k);
            if (p != null) {
                owner.set(p, v);
            }
        });
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    void setDefaults(Params owner) {
        new TrainConfig().toMap().forEach((k, v) -> owner.setDefault((Param) training.get(k), v));
        owner.setDefault(modelSpec, "");
        owner.setDefault(hiddenLayers, DEFAULT_HIDDEN_LAYERS);
        owner.setDefault(activation, DEFAULT_ACTIVATION);
        owner.setDefault(dropoutRate, DEFAULT_DROPOUT);
        owner.setDefault(batchNorm, DEFAULT_BATCH_NORM);
        owner.setDefault(bnMomentum, DEFAULT_BN_MOMENTUM);
    }
}
