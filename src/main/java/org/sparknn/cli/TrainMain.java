package org.sparknn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.sparknn.data.Dataset;
import org.sparknn.data.IdxReader;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.train.EpochMetrics;
import org.sparknn.train.ReferenceTrainer;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Trains a model described by a configuration file on an IDX data directory with the
 * single-JVM trainer, prints progress and the test accuracy, and writes the resolved
 * configuration and per-epoch metrics (JSON lines) to the output directory.
 *
 * <pre>TrainMain [--conf FILE] [--data DIR] [--out DIR] [setting=value ...]</pre>
 */
public final class TrainMain {
    private TrainMain() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("sparknn train: " + e.getMessage());
            System.exit(2);
        }
    }

    public static TrainingResult run(String[] args) throws IOException {
        Path conf = Path.of("conf/mnist-mlp.json");
        Path data = Path.of("data/mnist");
        Path out = Path.of("runs/mnist-mlp");
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--conf" -> conf = Path.of(value(args, ++i, "--conf"));
                case "--data" -> data = Path.of(value(args, ++i, "--data"));
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                default -> {
                    if (!args[i].contains("=")) {
                        throw new IllegalArgumentException("unexpected argument '" + args[i]
                                + "'; usage: [--conf FILE] [--data DIR] [--out DIR] [setting=value ...]");
                    }
                    overrides.add(args[i]);
                }
            }
        }
        if (!Files.isRegularFile(conf)) {
            throw new IllegalArgumentException("configuration file not found: " + conf.toAbsolutePath());
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(conf.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(conf + ": not valid JSON: " + e.getMessage());
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals("model") && !key.equals("training")) {
                throw new IllegalArgumentException(conf + ": unknown section '" + key + "'; valid sections: model, training");
            }
        }
        if (!root.has("model")) {
            throw new IllegalArgumentException(conf + ": missing section 'model'");
        }
        ModelSpec spec;
        try {
            spec = ModelSpec.fromJson(root.get("model").toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(conf + ": model: " + e.getMessage());
        }
        TrainConfig config = new TrainConfig();
        if (root.has("training")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = root.get("training").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                try {
                    config.set(e.getKey(), e.getValue().asText());
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(conf + ": training: " + ex.getMessage());
                }
            }
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            config.set(o.substring(0, eq).trim(), o.substring(eq + 1));
        }

        Dataset train = IdxReader.readDir(data, "train");
        Dataset test = IdxReader.readDir(data, "test");
        System.out.println("sparknn train (single JVM reference trainer)");
        System.out.println("  data:   " + data + " (" + train.size() + " train, " + test.size() + " test, "
                + train.featureSize() + " features)");
        System.out.println("  model:  " + spec.toJson());
        System.out.println("  config: " + config);
        Network net = Network.create(spec, config.seed());
        System.out.println("  parameters: " + net.store().size());

        Path tmp = out.resolveSibling(out.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Files.createDirectories(tmp);
        StringBuilder metrics = new StringBuilder();
        TrainingResult result = ReferenceTrainer.fit(net, train, test, config, m -> {
            System.out.println(m.toLine());
            metrics.append(m.toJson()).append('\n');
        });
        Files.writeString(tmp.resolve("metrics.jsonl"), metrics.toString(), StandardCharsets.UTF_8);
        Files.writeString(tmp.resolve("config.json"), new ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(Map.of("model", new ObjectMapper().readTree(spec.toJson()), "training", config.toMap())));
        replaceDirectory(tmp, out);
        EpochMetrics last = result.history().get(result.history().size() - 1);
        System.out.printf(java.util.Locale.ROOT, "final: test accuracy %.4f  test loss %.4f  (BN population: %s)  %.1fs  %,.0f samples/s  train loss %.4f%n",
                result.finalValidation().accuracy(), result.finalValidation().loss(), config.bnPopulation(),
                result.seconds(), result.samplesPerSecond(), last.trainLoss());
        System.out.println("metrics and resolved config written to " + out);
        return result;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    /** Moves a finished output directory into place, replacing an earlier run's. */
    private static void replaceDirectory(Path tmp, Path out) throws IOException {
        if (Files.exists(out)) {
            Path old = out.resolveSibling(out.getFileName() + ".old-" + ProcessHandle.current().pid());
            Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            try (var files = Files.walk(old)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        } else {
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
