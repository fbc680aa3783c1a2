package org.sparknn.spark.ml;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * sparknn's own part of a saved model, under {@code <path>/sparknn/}, through the Hadoop
 * FileSystem API (file://, hdfs://, s3a://):
 * <ul>
 * <li>{@code model.json}: format version, kind, model spec, input size, output count, training
 * settings and summary;</li>
 * <li>{@code weights.bin}: magic "SPARKNNW", format version, parameter and state counts (int32),
 * the parameters then the BN population state (float32), all little-endian, then the CRC32 of
 * everything before it (int64).</li>
 * </ul>
 * No Java serialization. Reading checks the version, the sizes and the checksum.
 */
public final class ModelFiles {
    public static final int FORMAT_VERSION = 1;
    private static final byte[] MAGIC = "SPARKNNW".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + 12;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFiles() {}

    public record Loaded(String kind, int inputSize, int outputs, TrainedNetwork network) {
    }

    public static void write(String path, Configuration conf, String kind, int inputSize, int outputs, TrainedNetwork t)
            throws IOException {
        Path dir = new Path(path, "sparknn");
        FileSystem fs = dir.getFileSystem(conf);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("formatVersion", FORMAT_VERSION);
        meta.put("kind", kind);
        meta.put("inputSize", inputSize);
        meta.put("outputs", outputs);
        meta.put("spec", JSON.readTree(t.specJson()));
        meta.put("training", t.settings());
        meta.put("summary", t.summary());
        try (FSDataOutputStream out = fs.create(new Path(dir, "model.json"), true)) {
            out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
        }
        int n = t.weights().length;
        int m = t.state().length;
        long size = HEADER + 4L * n + 4L * m + 8;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException("model of " + n + " parameters is too large for one weights file");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(FORMAT_VERSION).putInt(n).putInt(m);
        buf.asFloatBuffer().put(t.weights()).put(t.state());
        buf.position(HEADER + 4 * (n + m));
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, buf.position());
        buf.putLong(crc.getValue());
        try (FSDataOutputStream out = fs.create(new Path(dir, "weights.bin"), true)) {
            out.write(buf.array());
        }
    }

    public static Loaded read(String path, Configuration conf) throws IOException {
        Path dir = new Path(path, "sparknn");
        FileSystem fs = dir.getFileSystem(conf);
        Path metaPath = new Path(dir, "model.json");
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
        if (!(version instanceof Integer v) || v != FORMAT_VERSION) {
            throw new IOException(metaPath + ": model format version " + version + "; this sparknn reads version " + FORMAT_VERSION);
        }
        String specJson = JSON.writeValueAsString(meta.get("spec"));
        Path weightsPath = new Path(dir, "weights.bin");
        byte[] bytes;
        try (FSDataInputStream in = fs.open(weightsPath)) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            bytes = all.toByteArray();
        }
        if (bytes.length < HEADER + 8) {
            throw new IOException(weightsPath + ": truncated: " + bytes.length + " bytes, shorter than the header");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        buf.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IOException(weightsPath + ": not a sparknn weights file (bad magic)");
        }
        int fileVersion = buf.getInt();
        if (fileVersion != FORMAT_VERSION) {
            throw new IOException(weightsPath + ": weights format version " + fileVersion + "; this sparknn reads version "
                    + FORMAT_VERSION);
        }
        int n = buf.getInt();
        int m = buf.getInt();
        long expected = HEADER + 4L * n + 4L * m + 8;
        if (n < 0 || m < 0 || bytes.length != expected) {
            throw new IOException(weightsPath + ": truncated or corrupt: " + bytes.length + " bytes, the header announces "
                    + expected + " (" + n + " parameters, " + m + " state values)");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, (int) expected - 8);
        long stored = ByteBuffer.wrap(bytes, (int) expected - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (stored != crc.getValue()) {
            throw new IOException(weightsPath + ": checksum mismatch (stored " + Long.toHexString(stored) + ", computed "
                    + Long.toHexString(crc.getValue()) + "): the file is corrupt");
        }
        float[] weights = new float[n];
        float[] state = new float[m];
        buf.position(HEADER);
        java.nio.FloatBuffer fb = buf.asFloatBuffer();
        fb.get(weights).get(state);
        if (!(meta.get("inputSize") instanceof Integer inputSize) || !(meta.get("outputs") instanceof Integer outputs)
                || !(meta.get("training") instanceof Map<?, ?> training) || !(meta.get("summary") instanceof Map<?, ?> summary)) {
            throw new IOException(metaPath + ": missing or malformed inputSize, outputs, training or summary");
        }
        TrainedNetwork t;
        try {
            @SuppressWarnings("unchecked")
            TrainedNetwork network = new TrainedNetwork(specJson, weights, state, (Map<String, Object>) training,
                    (Map<String, Object>) summary);
            t = network;
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        }
        org.sparknn.nn.Network probe = t.network();
        if (probe.inputSize() != inputSize || probe.outputSize() != outputs) {
            throw new IOException(metaPath + ": says " + inputSize + " inputs and " + outputs + " outputs, its spec has "
                    + probe.inputSize() + " and " + probe.outputSize());
        }
        return new Loaded(String.valueOf(meta.get("kind")), inputSize, outputs, t);
    }
}
