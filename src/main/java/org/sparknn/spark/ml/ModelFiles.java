package org.sparknn.spark.ml;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import org.sparknn.data.FloatFile;
import org.sparknn.nn.ModelSpec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * sparknn's own part of a saved model, under {@code <path>/sparknn/}, through the Hadoop
 * FileSystem API (file://, hdfs://, s3a://):
 * <ul>
 * <li>{@code model.json}: format version, kind, model spec, input size, output count, training
 * settings and summary - enough to know what a model is without reading its weights;</li>
 * <li>{@code weights.bin}: a {@link FloatFile} (magic "SPARKNNW") of two arrays, the parameters
 * and the BN population state.</li>
 * </ul>
 * No Java serialization. Reading checks the version, the sizes and the checksum.
 */
public final class ModelFiles {
    /** model.json of sequential specs, and weights.bin of every model. */
    public static final int FORMAT_VERSION = 2;
    /**
     * model.json of specs with image layers or residual blocks ({@link ModelSpec#formatVersion()}):
     * readers of version 2 refuse it by its number instead of failing on an unknown layer type.
     */
    public static final int BLOCK_FORMAT_VERSION = ModelSpec.BLOCK_FORMAT;
    private static final String MAGIC = "SPARKNNW";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFiles() {}

    /** What model.json says: the kind (classifier, regressor), sizes, spec and training settings. */
    public record Info(String kind, int inputSize, int outputs, String specJson, Map<String, Object> training,
                       Map<String, Object> summary) {
    }

    public record Loaded(String kind, int inputSize, int outputs, TrainedNetwork network) {
    }

    public static void write(String path, Configuration conf, String kind, int inputSize, int outputs, TrainedNetwork t)
            throws IOException {
        Path dir = new Path(path, "sparknn");
        FileSystem fs = dir.getFileSystem(conf);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("formatVersion", t.spec().formatVersion());
        meta.put("kind", kind);
        meta.put("inputSize", inputSize);
        meta.put("outputs", outputs);
        meta.put("spec", JSON.readTree(t.specJson()));
        meta.put("training", t.settings());
        meta.put("summary", t.summary());
        try (FSDataOutputStream out = fs.create(new Path(dir, "model.json"), true)) {
            out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
        }
        byte[] bytes;
        try {
            bytes = FloatFile.encode(MAGIC, FORMAT_VERSION, List.of(t.weights(), t.state()));
        } catch (IllegalArgumentException e) {
            throw new IOException("model of " + t.weights().length + " parameters: " + e.getMessage(), e);
        }
        try (FSDataOutputStream out = fs.create(new Path(dir, "weights.bin"), true)) {
            out.write(bytes);
        }
    }

    /** Reads model.json only (not the weights). */
    public static Info readInfo(String path, Configuration conf) throws IOException {
        Path metaPath = new Path(new Path(path, "sparknn"), "model.json");
        FileSystem fs = metaPath.getFileSystem(conf);
        if (!fs.exists(metaPath)) {
            throw new IOException(path + " is not a sparknn model: " + metaPath + " is missing");
        }
        Map<String, Object> meta;
        try (InputStream in = fs.open(metaPath)) {
            meta = JSON.readValue(in, new TypeReference<Map<String, Object>>() { });
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(metaPath + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        Object version = meta.get("formatVersion");
        if (!(version instanceof Integer v) || (v != FORMAT_VERSION && v != BLOCK_FORMAT_VERSION)) {
            throw new IOException(metaPath + ": model format version " + version + "; this sparknn reads version " + FORMAT_VERSION
                    + " and " + BLOCK_FORMAT_VERSION + " (image layers, residual blocks)");
        }
        if (!(meta.get("inputSize") instanceof Integer inputSize) || !(meta.get("outputs") instanceof Integer outputs)
                || !(meta.get("training") instanceof Map<?, ?> training) || !(meta.get("summary") instanceof Map<?, ?> summary)
                || meta.get("spec") == null || !(meta.get("kind") instanceof String kind)) {
            throw new IOException(metaPath + ": missing or malformed kind, spec, inputSize, outputs, training or summary");
        }
        @SuppressWarnings("unchecked")
        Info info = new Info(kind, inputSize, outputs, JSON.writeValueAsString(meta.get("spec")),
                (Map<String, Object>) training, (Map<String, Object>) summary);
        return info;
    }

    public static Loaded read(String path, Configuration conf) throws IOException {
        Info info = readInfo(path, conf);
        Path weightsPath = new Path(new Path(path, "sparknn"), "weights.bin");
        byte[] bytes;
        try (FSDataInputStream in = weightsPath.getFileSystem(conf).open(weightsPath)) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            bytes = all.toByteArray();
        }
        List<float[]> arrays = FloatFile.decode(bytes, MAGIC, FORMAT_VERSION, weightsPath.toString());
        if (arrays.size() != 2) {
            throw new IOException(weightsPath + ": holds " + arrays.size() + " arrays, a model has 2 (weights, BN state)");
        }
        TrainedNetwork t;
        try {
            t = new TrainedNetwork(info.specJson(), arrays.get(0), arrays.get(1), info.training(), info.summary());
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        }
        ModelSpec spec = t.spec();
        if (spec.inputSize() != info.inputSize() || spec.outputSize() != info.outputs()) {
            throw new IOException(path + "/sparknn/model.json: says " + info.inputSize() + " inputs and " + info.outputs()
                    + " outputs, its spec has " + spec.inputSize() + " and " + spec.outputSize());
        }
        return new Loaded(info.kind(), info.inputSize(), info.outputs(), t);
    }
}
