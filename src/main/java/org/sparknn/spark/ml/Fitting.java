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

    /** Trains on the features/label columns of a DataFrame, data-parallel on its Spark session. */
    static TrainedNetwork train(Dataset<?> data, String featuresCol, String labelCol, NeuralNetParams<?> p,
                                int outputs, LossKind loss) {
        TrainConfig config = p.trainConfig();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
        int workers = SparkTrainer.workers(config, sc);
        long seed = config.get(TrainConfig.SEED);
        Shards shards = Shards.fromDataFrame(data.toDF(), workers, config, new RowCheck("the training DataFrame", featuresCol,
                labelCol, loss == LossKind.SOFTMAX_CROSS_ENTROPY ? outputs : 0, config.get(TrainConfig.DROP_NON_FINITE_ROWS)));
        if (config.get(TrainConfig.DROP_NON_FINITE_ROWS)) {
            LOG.warn("sparknn: dropped {} rows with non-finite values from the training DataFrame", shards.dropped());
        }
        try {
            ModelSpec spec = spec(p, shards.featureSize(), outputs, loss);
            Network net = Network.create(spec, seed);
            LOG.info("sparknn: training {} parameters with {} workers on {} rows", net.store().size(), workers, shards.totalRows());
            TrainingResult result = SparkTrainer.fit(shards, null, net, config, m -> LOG.info("sparknn: {}", m.toLine())).training();
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
