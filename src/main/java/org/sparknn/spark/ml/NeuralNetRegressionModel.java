package org.sparknn.spark.ml;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.sparknn.spark.FeatureValues;

import java.util.List;
import java.util.Map;

/**
 * A trained sparknn regressor; saved and loaded like {@link NeuralNetClassificationModel}, and
 * scoring in batches ({@link BatchScorer}) as it does.
 */
public class NeuralNetRegressionModel extends RegressionModel<Vector, NeuralNetRegressionModel>
        implements NeuralNetParams<NeuralNetRegressionModel>, MLWritable {
    private static final long serialVersionUID = 1L;
    static final String KIND = "regressor";

    private String uid; // no initializer: see UidStaging
    private final ParamHolder params;
    private final TrainedNetwork network;

    NeuralNetRegressionModel(String uid, TrainedNetwork network) {
        this(UidStaging.stage(uid), network);
    }

    private NeuralNetRegressionModel(boolean staged, TrainedNetwork network) {
        super();
        this.params = new ParamHolder(this, NeuralNetRegressor.LOSS);
        params.setDefaults(this);
        this.network = network;
    }

    /** Wraps a network trained outside the estimator (e.g. by the train job), with its settings as params. */
    public static NeuralNetRegressionModel fromTrained(TrainedNetwork network, String loss) {
        NeuralNetRegressionModel m = new NeuralNetRegressionModel(
                org.apache.spark.ml.util.Identifiable.randomUID("nnRegressor"), network);
        m.params.setTraining(m, network.settings());
        m.set(m.loss(), loss);
        return m;
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

    public TrainedNetwork trainedNetwork() {
        return network;
    }

    public Map<String, Object> trainingSummary() {
        return network.summary();
    }

    @Override
    public int numFeatures() {
        return network.spec().inputSize();
    }

    @Override
    public double predict(Vector features) {
        return network.outputs(features.toArray())[0];
    }

    /** Spark's schema check, with an image or numeric array features column taken as vectors (see {@link FeatureValues}). */
    @Override
    public StructType transformSchema(StructType schema) {
        return FeatureValues.validated(schema, getFeaturesCol(), super::transformSchema);
    }

    /** Called by Spark's transform when the prediction column is wanted. */
    @Override
    public Dataset<Row> transformImpl(Dataset<?> dataset) {
        return BatchScorer.score(dataset, transformSchema(dataset.schema()), List.of(getPredictionCol()), network,
                getFeaturesCol(), false, (outputs, offset) -> new Object[] {(double) outputs[offset]});
    }

    @Override
    public NeuralNetRegressionModel copy(ParamMap extra) {
        return copyValues(new NeuralNetRegressionModel(uid(), network), extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new ModelWriter(this, KIND, numFeatures(), 1, network);
    }

    public static MLReader<NeuralNetRegressionModel> read() {
        return new ModelReader<>(KIND, NeuralNetRegressionModel.class,
                (uid, loaded) -> new NeuralNetRegressionModel(uid, loaded.network()));
    }

    public static NeuralNetRegressionModel load(String path) {
        return read().load(path);
    }
}
