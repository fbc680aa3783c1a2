package org.sparknn.spark.ml;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.spark.RowCheck;
import org.sparknn.spark.Shards;
import org.sparknn.spark.SparkTrainer;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingResult;

import java.util.LinkedHashMap;
import java.util.Map;

/** What the estimators share: the network's shape from the params, and distributed training on a DataFrame. */
final class Fitting {
    private static final Logger LOG = LoggerFactory.getLogger(Fitting.class);

    private Fitting() {}

    /**
     * The model spec for {@code inputSize} features and {@code outputs} outputs: the modelSpec
     * param when set (checked against the data), otherwise the MLP the shape params describe.
     */
    static ModelSpec spec(NeuralNetParams<?> p, int inputSize, int outputs, LossKind loss) {
        String json = p.get(ParamHolder.MODEL_SPEC);
        if (json.isBlank()) {
            return ModelSpec.mlp(inputSize, p.mlpShape(), outputs, loss);
        }
        ModelSpec spec = ModelSpec.fromJson(json);
        if (spec.inputSize() != inputSize) {
            throw new IllegalArgumentException("modelSpec expects " + spec.inputSize() + " features, the data has " + inputSize);
        }
        if (spec.loss() != loss) {
            throw new IllegalArgumentException("modelSpec has loss " + spec.loss() + ", this estimator trains with " + loss);
        }
        if (spec.outputSize() != outputs) {
            throw new IllegalArgumentException("modelSpec has " + spec.outputSize() + " outputs, the data needs " + outputs);
        }
        return spec;
    }

    /** Progress goes to standard output (as the train job prints it) unless the progress param is off, and to the log. */
    private static void say(boolean progress, String line) {
        if (progress) {
            System.out.println(line);
        }
        LOG.info(line);
    }

    /** Trains on the features/label columns of a DataFrame, data-parallel on its Spark session. */
    static TrainedNetwork train(Dataset<?> data, String featuresCol, String labelCol, NeuralNetParams<?> p,
                                int outputs, LossKind loss) {
        TrainConfig config = p.trainConfig();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
        int workers = SparkTrainer.workers(config, sc);
        long seed = config.get(TrainConfig.SEED);
        boolean progress = config.get(TrainConfig.PROGRESS);
        long t0 = System.nanoTime();
        RowCheck check = new RowCheck("the training DataFrame", featuresCol, labelCol,
                loss == LossKind.SOFTMAX_CROSS_ENTROPY ? outputs : 0, config.get(TrainConfig.DROP_NON_FINITE_ROWS));
        String json = p.get(ParamHolder.MODEL_SPEC);
        if (!json.isBlank()) { // image and array features are read into the spec's input shape
            check = check.withShape(ModelSpec.fromJson(json).inputShape());
        }
        Shards shards = Shards.fromDataFrame(data.toDF(), workers, config, check);
        if (config.get(TrainConfig.DROP_NON_FINITE_ROWS)) {
            LOG.warn("sparknn: dropped {} rows with non-finite values from the training DataFrame", shards.dropped());
        }
        try {
            ModelSpec spec = config.specFor(spec(p, shards.featureSize(), outputs, loss), shards.sparse());
            Network net = Network.create(spec, seed);
            say(progress, String.format(java.util.Locale.ROOT, "sparknn: training %,d parameters with %d workers on %,d rows of %d "
                    + "features, read once and packed in %.1fs (%s; %s)", net.store().size(), workers, shards.totalRows(),
                    shards.featureSize(), (System.nanoTime() - t0) / 1e9, shards.layout(), shards.storage()));
            TrainingResult result = SparkTrainer.fit(shards, null, net, config, m -> say(progress, "sparknn: " + m.toLine())).training();
            say(progress, String.format(java.util.Locale.ROOT, "sparknn: trained in %.1fs, %,.0f samples/s%s", result.seconds(),
                    result.samplesPerSecond(), result.phases().isEmpty() ? "" : "; " + result.phasesLine()));
            Map<String, Object> summary = new LinkedHashMap<>(result.summary());
            summary.put("workers", workers);
            summary.put("trainingRows", shards.totalRows());
            return new TrainedNetwork(spec.toJson(), net.store().values().clone(), net.store().state().clone(),
                    config.toMap(), summary);
        } finally {
            shards.release();
        }
    }
}
