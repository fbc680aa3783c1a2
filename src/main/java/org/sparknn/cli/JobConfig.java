package org.sparknn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.sparknn.nn.ModelSpec;
import org.sparknn.train.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A job configuration file: {"model": model spec, "training": settings}, with command-line
 * overrides of the form setting=value applied on top. Errors name the file and the setting.
 */
public record JobConfig(ModelSpec model, TrainConfig training) {

    public static JobConfig load(Path file, List<String> overrides) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("configuration file not found: " + file.toAbsolutePath());
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object with sections model and training");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals("model") && !key.equals("training")) {
                throw new IllegalArgumentException(file + ": unknown section '" + key + "'; valid sections: model, training");
            }
        }
        if (!root.has("model")) {
            throw new IllegalArgumentException(file + ": missing section 'model'");
        }
        ModelSpec spec;
        try {
            spec = ModelSpec.fromJson(root.get("model").toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": model: " + e.getMessage());
        }
        TrainConfig config = new TrainConfig();
        if (root.has("training")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = root.get("training").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                try {
                    config.set(e.getKey(), e.getValue().asText());
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(file + ": training: " + ex.getMessage());
                }
            }
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("override '" + o + "' is not of the form setting=value");
            }
            config.set(o.substring(0, eq).trim(), o.substring(eq + 1));
        }
        return new JobConfig(spec, config);
    }

    /** The resolved configuration as JSON (what the job ran with). */
    public String toJson() throws IOException {
        ObjectMapper m = new ObjectMapper();
        return m.writerWithDefaultPrettyPrinter().writeValueAsString(
                Map.of("model", m.readTree(model.toJson()), "training", training.toMap()));
    }
}
