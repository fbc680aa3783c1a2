package org.sparknn.spark.ml;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.sparknn.config.Setting;
import org.sparknn.nn.MlpShape;
import org.sparknn.train.TrainConfig;

/**
 * The params sparknn's estimators and models share: every declared training setting
 * ({@link TrainConfig}) and shape setting ({@link MlpShape}) under its own name, plus
 * {@code modelSpec}. Typed access goes through the declarations:
 * {@code nn.set(TrainConfig.LEARNING_RATE, 0.002)}, {@code nn.get(TrainConfig.EPOCHS)},
 * {@code DoubleParam l2 = nn.param(TrainConfig.L2)} for a ParamGridBuilder; Spark's own
 * {@code getParam("learningRate")}, {@code explainParams()} and persistence see them all.
 */
public interface NeuralNetParams<SELF> extends Params {
    ParamHolder nnParams();

    /** The Spark ML param of a setting, typed as the caller needs it (IntParam, DoubleParam, Param&lt;String&gt; ...). */
    @SuppressWarnings("unchecked")
    default <P extends Param<?>> P param(Setting<?> setting) {
        return (P) nnParams().param(setting);
    }

    /** The value of a setting (its default when unset). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    default <T> T get(Setting<T> setting) {
        return setting.parse(getOrDefault((Param) param(setting)));
    }

    /** Sets a setting's param; the value is checked against the setting's range. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    default <T> SELF set(Setting<T> setting, T value) {
        return (SELF) set((Param) param(setting), ParamHolder.paramValue(setting.check(value)));
    }

    /** The training settings these params describe. */
    default TrainConfig trainConfig() {
        TrainConfig c = TrainConfig.defaults();
        for (Setting<?> s : TrainConfig.settings()) {
            c = c.with(s.name(), getOrDefault(param(s)));
        }
        return c;
    }

    /** The network shape these params describe (used when modelSpec is empty). */
    default MlpShape mlpShape() {
        return new MlpShape(get(MlpShape.HIDDEN_LAYERS), get(MlpShape.ACTIVATION), get(MlpShape.DROPOUT_RATE),
                get(MlpShape.BATCH_NORM), get(MlpShape.BN_MOMENTUM));
    }
}
