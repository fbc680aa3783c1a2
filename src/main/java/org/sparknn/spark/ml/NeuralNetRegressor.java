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
import org.sparknn.nn.LossKind;

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
    private final Param<String> loss;

    public NeuralNetRegressor() {
        this(Identifiable.randomUID("nnRegressor"));
    }

    public NeuralNetRegressor(String uid) {
        this(UidStaging.stage(uid));
    }

    private NeuralNetRegressor(boolean staged) {
        super();
        params = new ParamHolder(this);
        params.setDefaults(this);
        loss = lossParam(this);
        setDefault(loss, "mse");
    }

    static Param<String> lossParam(org.apache.spark.ml.param.Params owner) {
        return new Param<>(owner, "loss", "training loss: mse (mean squared error, L2 loss) or mae (mean absolute error, L1 loss)",
                ParamHolder.<String>valid(v -> v.equals("mse") || v.equals("mae")));
    }


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

    public Param<String> loss() {
        return loss;
    }

    public String getLoss() {
        return getOrDefault(loss);
    }

    public NeuralNetRegressor setLoss(String value) {
        return (NeuralNetRegressor) set(loss, value);
    }

    @Override
    public NeuralNetRegressionModel train(Dataset<?> dataset) {
        LossKind kind = getLoss().equals("mae") ? LossKind.MAE : LossKind.MSE;
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
