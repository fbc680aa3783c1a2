package org.sparknn.spark.ml;

import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLWriter;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Saves a model: Spark's param metadata (so Pipelines can load it) plus sparknn's model files. */
final class ModelWriter extends MLWriter {
    private final Params model;
    private final String kind;
    private final int inputSize;
    private final int outputs;
    private final TrainedNetwork network;

    ModelWriter(Params model, String kind, int inputSize, int outputs, TrainedNetwork network) {
        this.model = model;
        this.kind = kind;
        this.inputSize = inputSize;
        this.outputs = outputs;
        this.network = network;
    }

    @Override
    public void saveImpl(String path) {
        DefaultParamsWriter.saveMetadata(model, path, sparkSession());
        try {
            ModelFiles.write(path, sparkSession().sparkContext().hadoopConfiguration(), kind, inputSize, outputs, network);
        } catch (IOException e) {
            throw new UncheckedIOException("saving sparknn model to " + path + ": " + e.getMessage(), e);
        }
    }
}
