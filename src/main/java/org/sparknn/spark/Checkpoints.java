package org.sparknn.spark;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparknn.data.FloatFile;
import org.sparknn.optim.Optimizer;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.TrainConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Training checkpoints at epoch boundaries, on any Hadoop file system: {@code <dir>/epoch-NNNNNN/}
 * holds checkpoint.json (model spec, settings, data fingerprint, progress, history) and state.bin
 * (a {@link FloatFile} of weights, BN state and optimizer state). Each is written under a
 * temporary name and renamed when complete, so a crash never leaves a half checkpoint behind.
 * Because every random draw is keyed by (seed, epoch, step), a run resumed from a checkpoint
 * ends with the same weights as one that was never interrupted.
 */
final class Checkpoints {
    private static final int FORMAT_VERSION = 2;
    private static final String MAGIC = "SPARKNNC";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEEP = 2;

    /** Where a resumed run continues from; its model and optimizer state are already restored. */
    record Resumed(int epochsDone, long step, List<EpochMetrics> history) {
    }

    private final TrainingRun run;
    private final String dir;
    private String fingerprint;

    Checkpoints(TrainingRun run) {
        this.run = run;
        this.dir = run.config.get(TrainConfig.CHECKPOINT_DIR);
    }

    /**
     * Restores the driver's model and optimizer from the latest checkpoint in the directory, if
     * any; an error when it belongs to another model, data or settings.
     */
    Resumed resume() {
        if (dir.isEmpty()) {
            return null;
        }
        try {
            return latest();
        } catch (IOException e) {
            // a truncated, corrupt or foreign checkpoint is bad input: say which file, and what to do
            throw new IllegalArgumentException("reading the checkpoint in " + dir + ": " + e.getMessage()
                    + "; remove that checkpoint (the previous one is kept) or use another checkpointDir", e);
        }
    }

    void save(int epochsDone, long step, List<EpochMetrics> history) {
        if (dir.isEmpty()) {
            return;
        }
        try {
            write(epochsDone, step, history);
        } catch (IOException e) {
            throw new UncheckedIOException("writing a checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    private void write(int epochsDone, long step, List<EpochMetrics> history) throws IOException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem(run.sc.hadoopConfiguration());
        Path tmp = new Path(root, ".tmp-" + UUID.randomUUID());
        fs.mkdirs(tmp);
        Optimizer optimizer = run.globalStep.updater().optimizer();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("formatVersion", FORMAT_VERSION);
        meta.put("spec", JSON.readTree(run.net.spec().toJson()));
        meta.put("settings", run.config.toMap());
        meta.put("data", dataFingerprint());
        meta.put("epochsDone", epochsDone);
        meta.put("step", step);
        meta.put("optimizerSteps", optimizer.steps());
        List<Object> h = new ArrayList<>();
        for (EpochMetrics m : history) {
            h.add(JSON.readTree(m.toJson()));
        }
        meta.put("history", h);
        try (FSDataOutputStream out = fs.create(new Path(tmp, "checkpoint.json"), true)) {
            out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
        }
        List<float[]> arrays = new ArrayList<>(List.of(run.net.store().values(), run.net.store().state()));
        arrays.addAll(optimizer.state());
        try (FSDataOutputStream out = fs.create(new Path(tmp, "state.bin"), true)) {
            out.write(FloatFile.encode(MAGIC, FORMAT_VERSION, arrays));
        }
        Path target = new Path(root, String.format(Locale.ROOT, "epoch-%06d", epochsDone));
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

    private Resumed latest() throws IOException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem(run.sc.hadoopConfiguration());
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
        if (!JSON.readTree(run.net.spec().toJson()).equals(JSON.valueToTree(meta.get("spec")))) {
            throw new IllegalArgumentException("checkpoint " + latest + " was written for another model spec; use another "
                    + "checkpointDir or remove it");
        }
        String data = dataFingerprint();
        if (!data.equals(meta.get("data"))) {
            throw new IllegalArgumentException("checkpoint " + latest + " was written for other training data or another "
                    + "sharding (" + meta.get("data") + "; this run: " + data + "); use one checkpointDir per training run");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> saved = (Map<String, Object>) meta.get("settings");
        for (Map.Entry<String, Object> e : run.config.toMap().entrySet()) {
            String k = e.getKey();
            if (k.equals(TrainConfig.CHECKPOINT_DIR.name()) || k.equals(TrainConfig.EPOCHS.name())) {
                continue;
            }
            if (!String.valueOf(e.getValue()).equals(String.valueOf(saved.get(k)))) {
                throw new IllegalArgumentException("checkpoint " + latest + " was written with " + k + "=" + saved.get(k)
                        + ", this run has " + k + "=" + e.getValue() + "; use another checkpointDir or remove it");
            }
        }
        Path statePath = new Path(latest, "state.bin");
        byte[] bytes;
        try (FSDataInputStream in = fs.open(statePath)) {
            bytes = in.readAllBytes();
        }
        List<float[]> arrays = FloatFile.decode(bytes, MAGIC, FORMAT_VERSION, statePath.toString());
        run.net.store().setValues(arrays.get(0));
        run.net.store().setState(arrays.get(1));
        run.globalStep.updater().optimizer().restore(((Number) meta.get("optimizerSteps")).longValue(),
                arrays.subList(2, arrays.size()));
        List<EpochMetrics> history = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> h = (List<Map<String, Object>>) meta.get("history");
        for (Map<String, Object> m : h) {
            history.add(new EpochMetrics(((Number) m.get("epoch")).intValue(), ((Number) m.get("step")).longValue(),
                    num(m, "trainLoss"), num(m, "trainAccuracy"), num(m, "validationLoss"), num(m, "validationAccuracy"),
                    num(m, "learningRate"), num(m, "samplesPerSecond"), num(m, "elapsedSeconds"), num(m, "etaSeconds"),
                    num(m, "weightSparsity")));
        }
        return new Resumed(((Number) meta.get("epochsDone")).intValue(), ((Number) meta.get("step")).longValue(), history);
    }

    /**
     * What identifies the training data for a checkpoint: shard sizes and, per shard, sums of the
     * sample ids, labels and features (one pass, computed once per run).
     */
    private String dataFingerprint() {
        if (fingerprint == null) {
            run.sc.setJobDescription("sparknn: training data fingerprint for checkpoints");
            List<double[]> sums = run.train.blocks().map(b -> {
                double ids = 0;
                double labels = 0;
                double features = 0;
                for (int i = 0; i < b.rows(); i++) {
                    ids += b.ids()[i];
                    labels += b.labels()[i];
                }
                for (float v : b.features() != null ? b.features() : b.sparse().values()) { // the non-zeros of CSR rows
                    features += v;
                }
                return new double[] {b.rows(), ids, labels, features};
            }).collect();
            StringBuilder sb = new StringBuilder();
            for (double[] p : sums) {
                sb.append(String.format(Locale.ROOT, "[%d rows, ids %.0f, labels %.6g, features %.9g]", (long) p[0], p[1], p[2], p[3]));
            }
            fingerprint = sb.toString();
        }
        return fingerprint;
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
