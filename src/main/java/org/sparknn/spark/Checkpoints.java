package org.sparknn.spark;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.TrainConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * Training checkpoints at epoch boundaries, on any Hadoop file system: {@code <dir>/epoch-NNNNNN/}
 * holds checkpoint.json (model spec, settings, progress, history) and state.bin (weights, BN
 * state, optimizer state; float32 little-endian with a CRC32). Each is written under a temporary
 * name and renamed when complete, so a crash never leaves a half checkpoint behind. Because every
 * random draw is keyed by (seed, epoch, step), a run resumed from a checkpoint ends with the same
 * weights as one that was never interrupted.
 */
final class Checkpoints {
    private static final int FORMAT_VERSION = 1;
    private static final byte[] MAGIC = "SNNCKPT1".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEEP = 2;

    private Checkpoints() {}

    record State(int epochsDone, long step, float[] values, float[] bnState, long optimizerSteps,
                 List<float[]> optimizerState, List<EpochMetrics> history) {
    }

    static void save(String dir, Configuration conf, String specJson, TrainConfig config, String data, State s) throws IOException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem(conf);
        Path tmp = new Path(root, ".tmp-" + UUID.randomUUID());
        fs.mkdirs(tmp);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("formatVersion", FORMAT_VERSION);
        meta.put("spec", JSON.readTree(specJson));
        meta.put("settings", config.toMap());
        meta.put("data", data);
        meta.put("epochsDone", s.epochsDone());
        meta.put("step", s.step());
        meta.put("optimizerSteps", s.optimizerSteps());
        List<Object> history = new ArrayList<>();
        for (EpochMetrics m : s.history()) {
            history.add(JSON.readTree(m.toJson()));
        }
        meta.put("history", history);
        try (FSDataOutputStream out = fs.create(new Path(tmp, "checkpoint.json"), true)) {
            out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
        }
        List<float[]> arrays = new ArrayList<>(List.of(s.values(), s.bnState()));
        arrays.addAll(s.optimizerState());
        long size = MAGIC.length + 4 + 4L * arrays.size();
        for (float[] a : arrays) {
            size += 4L * a.length;
        }
        if (size + 8 > Integer.MAX_VALUE - 16) {
            throw new IOException("checkpoint of " + size + " bytes is too large for one file");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size + 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(arrays.size());
        for (float[] a : arrays) {
            buf.putInt(a.length);
        }
        for (float[] a : arrays) {
            buf.asFloatBuffer().put(a);
            buf.position(buf.position() + 4 * a.length);
        }
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, buf.position());
        buf.putLong(crc.getValue());
        try (FSDataOutputStream out = fs.create(new Path(tmp, "state.bin"), true)) {
            out.write(buf.array());
        }
        Path target = new Path(root, String.format("epoch-%06d", s.epochsDone()));
        if (fs.exists(target)) {
            fs.delete(target, true);
        }
        if (!fs.rename(tmp, target)) {
            throw new IOException("could not rename " + tmp + " to " + target);
        }
        List<Path> all = checkpoints(fs, root);
        for (int i = 0; i + KEEP < all.size(); i++) {
            fs.delete(all.get(i), true);
        }
    }

    /** The latest checkpoint in dir, or null; an error when it belongs to another model or settings. */
    static State latest(String dir, Configuration conf, String specJson, TrainConfig config, String data) throws IOException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem(conf);
        if (!fs.exists(root)) {
            return null;
        }
        List<Path> all = checkpoints(fs, root);
        if (all.isEmpty()) {
            return null;
        }
        Path latest = all.get(all.size() - 1);
        Map<String, Object> meta;
        try (FSDataInputStream in = fs.open(new Path(latest, "checkpoint.json"))) {
            meta = JSON.readValue(in, new TypeReference<Map<String, Object>>() { });
        }
        if (!Integer.valueOf(FORMAT_VERSION).equals(meta.get("formatVersion"))) {
            throw new IOException(latest + ": checkpoint format version " + meta.get("formatVersion") + "; this sparknn reads "
                    + FORMAT_VERSION);
        }
        if (!JSON.readTree(specJson).equals(JSON.valueToTree(meta.get("spec")))) {
            throw new IllegalArgumentException("checkpoint " + latest + " was written for another model spec; use another "
                    + "checkpointDir or remove it");
        }
        if (!data.equals(meta.get("data"))) {
            throw new IllegalArgumentException("checkpoint " + latest + " was written for other training data or another "
                    + "sharding (" + meta.get("data") + "; this run: " + data + "); use one checkpointDir per training run");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> saved = (Map<String, Object>) meta.get("settings");
        for (Map.Entry<String, Object> e : config.toMap().entrySet()) {
            String k = e.getKey();
            if (k.equals("checkpointDir") || k.equals("epochs")) {
                continue;
            }
            if (!String.valueOf(e.getValue()).equals(String.valueOf(saved.get(k)))) {
                throw new IllegalArgumentException("checkpoint " + latest + " was written with " + k + "=" + saved.get(k)
                        + ", this run has " + k + "=" + e.getValue() + "; use another checkpointDir or remove it");
            }
        }
        byte[] bytes;
        try (FSDataInputStream in = fs.open(new Path(latest, "state.bin"))) {
            ByteArrayOutputStream all2 = new ByteArrayOutputStream();
            in.transferTo(all2);
            bytes = all2.toByteArray();
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        if (bytes.length < MAGIC.length + 12) {
            throw new IOException(latest + "/state.bin: truncated");
        }
        buf.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException(latest + "/state.bin: not a sparknn checkpoint");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        if (ByteBuffer.wrap(bytes, bytes.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() != crc.getValue()) {
            throw new IOException(latest + "/state.bin: checksum mismatch, the checkpoint is corrupt");
        }
        int count = buf.getInt();
        int[] lengths = new int[count];
        for (int i = 0; i < count; i++) {
            lengths[i] = buf.getInt();
        }
        List<float[]> arrays = new ArrayList<>();
        for (int len : lengths) {
            float[] a = new float[len];
            buf.asFloatBuffer().get(a);
            buf.position(buf.position() + 4 * len);
            arrays.add(a);
        }
        List<EpochMetrics> history = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> h = (List<Map<String, Object>>) meta.get("history");
        for (Map<String, Object> m : h) {
            history.add(new EpochMetrics(((Number) m.get("epoch")).intValue(), ((Number) m.get("step")).longValue(),
                    num(m, "trainLoss"), num(m, "trainAccuracy"), num(m, "validationLoss"), num(m, "validationAccuracy"),
                    num(m, "learningRate"), num(m, "samplesPerSecond"), num(m, "elapsedSeconds"), num(m, "etaSeconds"),
                    num(m, "weightSparsity")));
        }
        return new State(((Number) meta.get("epochsDone")).intValue(), ((Number) meta.get("step")).longValue(),
                arrays.get(0), arrays.get(1), ((Number) meta.get("optimizerSteps")).longValue(),
                arrays.subList(2, arrays.size()), history);
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static List<Path> checkpoints(FileSystem fs, Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        for (FileStatus st : fs.listStatus(root)) {
            if (st.isDirectory() && st.getPath().getName().matches("epoch-\\d{6}")) {
                out.add(st.getPath());
            }
        }
        out.sort((a, b) -> a.getName().compareTo(b.getName()));
        return out;
    }
}
