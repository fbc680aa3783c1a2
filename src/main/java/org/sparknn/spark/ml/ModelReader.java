package org.sparknn.spark.ml;

import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;

import java.io.IOException;
import java.util.function.BiFunction;

/** Loads a model saved by {@link ModelWriter}: sparknn's files, then the saved param values. */
final class ModelReader<M extends Params> extends MLReader<M> {
    private final String kind;
    private final Class<M> type;
    private final BiFunction<String, ModelFiles.Loaded, M> create;

    ModelReader(String kind, Class<M> type, BiFunction<String, ModelFiles.Loaded, M> create) {
        this.kind = kind;
        this.type = type;
        this.create = create;
    }

    @Override
    public M load(String path) {
        DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(), type.getName());
        ModelFiles.Loaded loaded;
        try {
            loaded = ModelFiles.read(path, sparkSession().sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            // a missing, corrupt or foreign file is bad input, not an internal failure
            throw new IllegalArgumentException("loading sparknn model from " + path + ": " + e.getMessage(), e);
        }
        if (!loaded.kind().equals(kind)) {
            throw new IllegalArgumentException(path + " holds a sparknn " + loaded.kind() + ", not a " + kind);
        }
        M model = create.apply(metadata.uid(), loaded);
        metadata.getAndSetParams(model, scala.Option.empty());
        return model;
    }
}
