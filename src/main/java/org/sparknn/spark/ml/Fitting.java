package org.sparknn.spark.ml;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.spark.DistributedTrainer;
import org.sparknn.spark.Shards;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the estimators share: the network's shape from the params, and distributed training on a DataFrame. */
final class Fitting {
    private static final Logger LOG = LoggerFactory.getLogger(Fitting.class);

    private Fitting() {}

    /**
     * The model spec for {@code inputSize} features and {@code outputs} outputs: the modelSpec
     * param when set (checked against the data), otherwise hidden layers built from the shape params.
     */
    static ModelSpec spec(NeuralNetParams<?> p, int inputSize, int outputs, LossKind loss) {
        String json = p.getModelSpec();
        if (json != null && !json.isBlank()) {
            ModelSpec spec = ModelSpec.fromJson(json);
            if (spec.inputSize() != inputSize) {
                throw new IllegalArgumentException("modelSpec expects " + spec.inputSize() + " features, the data has " + inputSize);
            }
            if (spec.loss() != loss) {
                throw new IllegalArgumentException("modelSpec has loss " + spec.loss() + ", this estimator trains with " + loss);
            }
            int specOutputs = Network.create(spec, 0).outputSize();
            if (specOutputs != outputs) {
                throw new IllegalArgumentException("modelSpec has " + specOutputs + " outputs, the data needs " + outputs);
            }
            return spec;
        }
        List<LayerSpec> layers = new ArrayList<>();
        for (int units : p.getHiddenLayers()) {
            layers.add(new LayerSpec.Dense(units));
            if (p.getBatchNorm()) {
                layers.add(new LayerSpec.BatchNorm(null, p.getBnMomentum()));
            }
            layers.add(switch (p.getActivation()) {
                case "relu" -> new LayerSpec.Relu();
                case "leaky_relu" -> new LayerSpec.LeakyRelu(0.01);
                case "tanh" -> new LayerSpec.Tanh();
                case "sigmoid" -> new LayerSpec.Sigmoid();
                default -> throw new IllegalArgumentException("activation " + p.getActivation());
            });
            if (p.getDropoutRate() > 0) {
                layers.add(new LayerSpec.Dropout(p.getDropoutRate()));
            }
        }
        layers.add(new LayerSpec.Dense(outputs));
        if (loss == LossKind.SOFTMAX_CROSS_ENTROPY) {
            layers.add(new LayerSpec.Softmax());
        }
        return new ModelSpec(inputSize, layers, loss);
    }

    /** Trains on the features/label columns of a DataFrame, data-parallel on its Spark session. */
    static TrainedNetwork train(Dataset<?> data, String featuresCol, String labelCol, NeuralNetParams<?> p,
                                int outputs, LossKind loss) {
        TrainConfig config = p.trainConfig();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
        int workers = config.workers() > 0 ? config.workers() : sc.defaultParallelism();
        Shards shards = Shards.fromDataFrame(data.toDF(), featuresCol, labelCol, workers, config.seed());
        try {
            ModelSpec spec = spec(p, shards.featureSize(), outputs, loss);
            Network net = Network.create(spec, config.seed());
            LOG.info("sparknn: training {} parameters with {} workers on {} rows", net.store().size(), workers, shards.totalRows());
            TrainingResult result = DistributedTrainer.fit(shards, null, net, config,
                    m -> LOG.info("sparknn: {}", m.toLine()), new DistributedTrainer.Options()).training();
            EpochMetrics last = result.history().get(result.history().size() - 1);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("epochs", result.history().size());
            summary.put("steps", result.steps());
            summary.put("workers", workers);
            summary.put("trainingRows", shards.totalRows());
            summary.put("finalTrainLoss", last.trainLoss());
            summary.put("finalTrainAccuracy", last.trainAccuracy());
            summary.put("seconds", result.seconds());
            summary.put("samplesPerSecond", result.samplesPerSecond());
            return new TrainedNetwork(spec.toJson(), net.store().values().clone(), net.store().state().clone(),
                    config.toMap(), summary);
        } finally {
            shards.release();
        }
    }
}
