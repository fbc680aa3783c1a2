package org.sparknn.spark.ml;

import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.sparknn.spark.FeatureValues;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A trained sparknn classifier: rawPrediction holds the logits, probability their softmax.
 * {@code transform} scores in batches ({@link BatchScorer}) with Spark's column rules.
 * {@code write().save(path)} stores Spark's param metadata and sparknn's model files
 * ({@link ModelFiles}); {@code NeuralNetClassificationModel.load(path)} reads them back.
 */
public class NeuralNetClassificationModel
        extends ProbabilisticClassificationModel<Vector, NeuralNetClassificationModel>
        implements NeuralNetParams<NeuralNetClassificationModel>, MLWritable {
    private static final long serialVersionUID = 1L;
    static final String KIND = "classifier";

    private String uid; // no initializer: see UidStaging
    private final ParamHolder params;
    private final TrainedNetwork network;
    private final int numClasses;
    private final IntParam mcSamples = new IntParam(this, "mcSamples", "Monte-Carlo dropout inference: the number of "
            + "thinned networks (dropout on, BN on population statistics) whose probabilities are averaged per row; "
            + "0 = the weight-scaled network, one pass with dropout off. Masks are keyed by the training seed, the pass "
            + "and the row's features; at most " + org.sparknn.train.Evaluator.MAX_MONTE_CARLO_PASSES,
            ParamValidators.inRange(0, org.sparknn.train.Evaluator.MAX_MONTE_CARLO_PASSES));

    NeuralNetClassificationModel(String uid, TrainedNetwork network, int numClasses) {
        this(UidStaging.stage(uid), network, numClasses);
    }

    private NeuralNetClassificationModel(boolean staged, TrainedNetwork network, int numClasses) {
        super();
        this.params = new ParamHolder(this);
        params.setDefaults(this);
        this.network = network;
        this.numClasses = numClasses;
        setDefault(mcSamples, 0);
    }

    /** Wraps a network trained outside the estimator (e.g. by the train job), with its settings as params. */
    public static NeuralNetClassificationModel fromTrained(TrainedNetwork network, int numClasses) {
        NeuralNetClassificationModel m = new NeuralNetClassificationModel(
                org.apache.spark.ml.util.Identifiable.randomUID("nnClassifier"), network, numClasses);
        m.params.setTraining(m, network.settings());
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

    /** Monte-Carlo dropout passes per row at scoring time; 0 (the default) scores with the weight-scaled network. */
    public IntParam mcSamples() {
        return mcSamples;
    }

    public int getMcSamples() {
        return (Integer) getOrDefault(mcSamples);
    }

    public NeuralNetClassificationModel setMcSamples(int value) {
        set(mcSamples, value);
        return this;
    }

    public TrainedNetwork trainedNetwork() {
        return network;
    }

    /** Figures of the training run (epochs, steps, final loss and accuracy, time, samples/s). */
    public Map<String, Object> trainingSummary() {
        return network.summary();
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int numFeatures() {
        return network.spec().inputSize();
    }

    @Override
    public Vector predictRaw(Vector features) {
        return rawVector(network.logits(features.toArray()), 0);
    }

    private DenseVector rawVector(float[] logits, int offset) {
        double[] raw = new double[numClasses];
        for (int i = 0; i < numClasses; i++) {
            raw[i] = logits[offset + i];
        }
        return new DenseVector(raw);
    }

    /** Spark's schema check, with an image or numeric array features column taken as vectors (see {@link FeatureValues}). */
    @Override
    public StructType transformSchema(StructType schema) {
        return FeatureValues.validated(schema, getFeaturesCol(), super::transformSchema);
    }

    /**
     * Spark's ProbabilisticClassificationModel.transform, batched: the same checks and columns
     * (each only when its column param is non-empty), computed the same way from the logits.
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType schema = transformSchema(dataset.schema(), true);
        if (isDefined(thresholds()) && getThresholds().length != numClasses) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".transform() called with non-matching numClasses and "
                    + "thresholds.length. numClasses=" + numClasses + ", but thresholds has length " + getThresholds().length);
        }
        boolean raw = !getRawPredictionCol().isEmpty();
        boolean probability = !getProbabilityCol().isEmpty();
        boolean prediction = !getPredictionCol().isEmpty();
        List<String> added = Stream.of(getRawPredictionCol(), getProbabilityCol(), getPredictionCol()).filter(c -> !c.isEmpty()).toList();
        if (added.isEmpty()) {
            logWarning(() -> uid() + ": transform() does nothing because no output columns were set.");
            return dataset.toDF();
        }
        return BatchScorer.score(dataset, schema, added, network, getFeaturesCol(), true,
                (logits, offset) -> columns(rawVector(logits, offset), raw, probability, prediction), getMcSamples(), mcSeed());
    }

    /** One row's new columns; the prediction comes from the column Spark would take it from. */
    private Object[] columns(DenseVector raw, boolean withRaw, boolean withProbability, boolean withPrediction) {
        Vector probability = withProbability ? raw2probability(raw) : null;
        List<Object> values = new ArrayList<>(3);
        if (withRaw) {
            values.add(raw);
        }
        if (withProbability) {
            values.add(probability);
        }
        if (withPrediction) {
            values.add(withRaw || !withProbability ? raw2prediction(raw) : probability2prediction(probability));
        }
        return values.toArray();
    }

    /** The seed of the Monte-Carlo dropout masks: the training seed the model records. */
    private long mcSeed() {
        Object seed = network.settings().get("seed");
        return seed instanceof Number n ? n.longValue() : 0L;
    }

    @Override
    public Vector raw2probabilityInPlace(Vector raw) {
        if (!(raw instanceof DenseVector dense)) {
            throw new IllegalArgumentException("rawPrediction must be a dense vector");
        }
        double[] v = dense.values();
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.exp(v[i] - max);
            sum += v[i];
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= sum;
        }
        return dense;
    }

    @Override
    public NeuralNetClassificationModel copy(ParamMap extra) {
        NeuralNetClassificationModel copy = new NeuralNetClassificationModel(uid(), network, numClasses);
        return copyValues(copy, extra).setParent(parent());
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    @Override
    public scala.Tuple3 findSummaryModel() {
        return super.findSummaryModel();
    }

    @Override
    public MLWriter write() {
        return new ModelWriter(this, KIND, numFeatures(), numClasses, network);
    }

    public static MLReader<NeuralNetClassificationModel> read() {
        return new ModelReader<>(KIND, NeuralNetClassificationModel.class,
                (uid, loaded) -> new NeuralNetClassificationModel(uid, loaded.network(), loaded.outputs()));
    }

    public static NeuralNetClassificationModel load(String path) {
        return read().load(path);
    }

    @Override
    public String toString() {
        return "NeuralNetClassificationModel: uid=" + uid() + ", features=" + numFeatures() + ", classes=" + numClasses;
    }
}
