package org.sparknn.spark.ml;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.Regressor;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;
import org.sparknn.config.Choice;
import org.sparknn.config.Setting;
import org.sparknn.nn.LossKind;
import org.sparknn.spark.FeatureValues;

/**
 * Spark ML estimator: a multilayer network regressor (one output) trained data-parallel by
 * sparknn, with mean squared error (L2 loss, {@code loss=mse}) or mean absolute error (L1 loss,
 * {@code loss=mae}). Same params as {@link NeuralNetClassifier} plus {@code loss}.
 */
public class NeuralNetRegressor extends Regressor<Vector, NeuralNetRegressor, NeuralNetRegressionModel>
        implements NeuralNetParams<NeuralNetRegressor>, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private String uid; // no initializer: see UidStaging
    private final ParamHolder params;

    public NeuralNetRegressor() {
        this(Identifiable.randomUID("nnRegressor"));
    }

    public NeuralNetRegressor(String uid) {
        this(UidStaging.stage(uid));
    }

    private NeuralNetRegressor(boolean staged) {
        super();
        params = new ParamHolder(this, LOSS);
        params.setDefaults(this);
    }

    /** The regression loss: mean squared error (L2 loss) or mean absolute error (L1 loss). */
    public enum RegressionLoss implements Choice {
        MSE, MAE;

        LossKind kind() {
            return this == MAE ? LossKind.MAE : LossKind.MSE;
        }
    }

    public static final Setting<RegressionLoss> LOSS = Setting.choiceSetting("loss", RegressionLoss.MSE,
            "training loss: mse (mean squared error, L2 loss) or mae (mean absolute error, L1 loss)");



    @Override
    public String uid() {
        if (uid == null) {
            uid = UidStaging.take();
        }
        return uid;
    }

    @Override
    public ParamHolder nnParams() {
        return params;
    }

    /** Spark finds params by reflection; the declared settings' params are added (see ParamHolder). */
    @Override
    public Param<?>[] params() {
        return ParamHolder.params(params, super.params());
    }

    @Override
    public Param<Object> getParam(String name) {
        return ParamHolder.getParam(params, name, super::getParam);
    }

    public Param<String> loss() {
        return param(NeuralNetRegressor.LOSS);
    }

    public String getLoss() {
        return getOrDefault(loss());
    }

    public NeuralNetRegressor setLoss(String value) {
        return (NeuralNetRegressor) set(loss(), value);
    }

    /** Spark's schema check, with an image or numeric array features column taken as vectors (see {@link FeatureValues}). */
    @Override
    public StructType transformSchema(StructType schema) {
        return FeatureValues.validated(schema, getFeaturesCol(), super::transformSchema);
    }

    @Override
    public NeuralNetRegressionModel train(Dataset<?> dataset) {
        LossKind kind = LOSS.parse(getLoss()).kind();
        TrainedNetwork trained = Fitting.train(dataset, getFeaturesCol(), getLabelCol(), this, 1, kind);
        return new NeuralNetRegressionModel(uid(), trained);
    }

    @Override
    public NeuralNetRegressor copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<NeuralNetRegressor> read() {
        return new DefaultParamsReader<>();
    }

    public static NeuralNetRegressor load(String path) {
        return read().load(path);
    }
}
