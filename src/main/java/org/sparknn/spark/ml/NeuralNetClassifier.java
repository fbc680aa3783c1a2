package org.sparknn.spark.ml;

import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;
import org.sparknn.nn.LossKind;
import org.sparknn.spark.FeatureValues;

/**
 * Spark ML estimator: a multilayer network classifier trained data-parallel by sparknn on the
 * DataFrame's own Spark session. Reads {@code features} (vector) and {@code label} (class index
 * 0..k-1); its model adds prediction, probability and rawPrediction. Params: every training
 * setting (epochs, batchSize, optimizer, learningRate, schedule, l1, l2, weightDecay, maxNorm,
 * seed, workers, syncEvery, bnPopulation ...) and the network's shape (hiddenLayers, activation,
 * dropoutRate, batchNorm, bnMomentum, or a full modelSpec).
 */
public class NeuralNetClassifier extends ProbabilisticClassifier<Vector, NeuralNetClassifier, NeuralNetClassificationModel>
        implements NeuralNetParams<NeuralNetClassifier>, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private String uid; // no initializer: see UidStaging
    private final ParamHolder params;

    public NeuralNetClassifier() {
        this(Identifiable.randomUID("nnClassifier"));
    }

    public NeuralNetClassifier(String uid) {
        this(UidStaging.stage(uid));
    }

    private NeuralNetClassifier(boolean staged) {
        super();
        params = new ParamHolder(this);
        params.setDefaults(this);
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

    /** Spark's schema check, with an image or numeric array features column taken as vectors (see {@link FeatureValues}). */
    @Override
    public StructType transformSchema(StructType schema) {
        return FeatureValues.validated(schema, getFeaturesCol(), super::transformSchema);
    }

    @Override
    public NeuralNetClassificationModel train(Dataset<?> dataset) {
        int classes = getNumClasses(dataset, 10_000);
        TrainedNetwork trained = Fitting.train(dataset, getFeaturesCol(), getLabelCol(), this, classes,
                LossKind.SOFTMAX_CROSS_ENTROPY);
        return new NeuralNetClassificationModel(uid(), trained, classes);
    }

    @Override
    public NeuralNetClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<NeuralNetClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static NeuralNetClassifier load(String path) {
        return read().load(path);
    }
}
