package org.sparknn.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import org.sparknn.config.Setting;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.MlpShape;
import org.sparknn.nn.ModelSpec;
import org.sparknn.train.TrainConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A job configuration file (HOCON) with command-line overrides applied on top. Sections: data,
 * model, training, spark, output. Unknown keys and out-of-range values are errors that name the
 * file and list what is valid.
 */
public record JobConfig(Path file, Config resolved, Data data, ModelSpec model, TrainConfig training,
                        String sparkMaster, Map<String, String> sparkConf, String outputDir, boolean overwrite) {

    public static final List<String> FORMATS = List.of("idx", "libsvm", "parquet");
    private static final Set<String> SECTIONS = Set.of("data", "model", "training", "spark", "output");
    private static final Set<String> DATA_KEYS = Set.of("format", "train", "test", "features");
    private static final Set<String> SPARK_KEYS = Set.of("master", "conf");
    private static final Set<String> OUTPUT_KEYS = Set.of("dir", "overwrite");

    /** Where the data is: format, training and test paths, and (libsvm) the feature count. */
    public record Data(String format, String train, String test, int features) {
    }

    /** Loads a job file: a local path, or any Hadoop file system URI (hdfs://, s3a://; no includes there). */
    public static JobConfig load(String location, List<String> overrides) {
        if (location.contains("://") && !location.startsWith("file:")) {
            String text;
            try {
                org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(location);
                org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(new org.apache.hadoop.conf.Configuration());
                if (!fs.exists(p)) {
                    throw new IllegalArgumentException("configuration file not found: " + location);
                }
                try (java.io.InputStream in = fs.open(p)) {
                    text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                }
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot read configuration " + location + ": " + e.getMessage());
            }
            return load(Path.of(new org.apache.hadoop.fs.Path(location).getName()), parse(location, () -> ConfigFactory.parseString(text)), overrides);
        }
        Path file = Path.of(location.startsWith("file:") ? java.net.URI.create(location).getPath() : location);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("configuration file not found: " + file.toAbsolutePath());
        }
        return load(file, parse(file.toString(), () -> ConfigFactory.parseFile(file.toFile())), overrides);
    }

    public static JobConfig load(Path file, List<String> overrides) {
        return load(file.toString(), overrides);
    }

    /**
     * A job configuration from parsed HOCON (sections data, model, training, spark, output), for
     * jobs whose files hold further sections of their own; {@code file} names it in messages.
     */
    public static JobConfig fromConfig(Path file, Config config) {
        try {
            return build(file, config.resolve());
        } catch (ConfigException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
    }

    /** A parsed override value: a list or object ([...] or {...}) as HOCON, anything else as text. */
    public static ConfigValue parseOverride(String text) {
        return overrideValue(text);
    }

    private static Config parse(String name, java.util.function.Supplier<Config> parser) {
        try {
            return parser.get();
        } catch (ConfigException e) {
            throw new IllegalArgumentException(name + ": malformed configuration: " + e.getMessage());
        }
    }

    private static JobConfig load(Path file, Config parsed, List<String> overrides) {
        Config config = parsed;
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("override '" + o + "' is not of the form key=value");
            }
            String key = o.substring(0, eq).trim();
            String path = key.contains(".") ? key : "training." + key;
            try {
                config = config.withValue(path, overrideValue(o.substring(eq + 1).trim()));
            } catch (ConfigException e) {
                throw new IllegalArgumentException("override '" + o + "': " + e.getMessage());
            }
        }
        try {
            config = config.resolve();
            return build(file, config);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
    }

    /** A list or object ([...] or {...}) is read as HOCON; anything else is taken as it is, as text. */
    private static ConfigValue overrideValue(String text) {
        if (text.startsWith("[") || text.startsWith("{")) {
            return ConfigFactory.parseString("v = " + text).getValue("v");
        }
        return ConfigValueFactory.fromAnyRef(text, "command line");
    }

    private static JobConfig build(Path file, Config c) {
        requireKnown(file, "", c.root().keySet(), SECTIONS);
        for (String s : List.of("data", "model")) {
            if (!c.hasPath(s)) {
                throw new IllegalArgumentException(file + ": missing section '" + s + "'");
            }
        }
        Config d = c.getConfig("data");
        requireKnown(file, "data.", d.root().keySet(), DATA_KEYS);
        String format = d.hasPath("format") ? d.getString("format") : "idx";
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException(file + ": data.format must be one of " + FORMATS + ", got '" + format + "'");
        }
        for (String k : List.of("train", "test")) {
            if (!d.hasPath(k)) {
                throw new IllegalArgumentException(file + ": missing data." + k);
            }
        }
        int features = d.hasPath("features") ? d.getInt("features") : 0;
        Data data = new Data(format, d.getString("train"), d.getString("test"), features);

        ModelSpec spec;
        try {
            spec = model(c.getConfig("model"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": model: " + e.getMessage());
        }

        TrainConfig training = TrainConfig.defaults();
        if (c.hasPath("training")) {
            for (Map.Entry<String, ConfigValue> e : c.getConfig("training").root().entrySet()) {
                try {
                    training = training.with(e.getKey(), e.getValue().unwrapped());
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(file + ": training: " + ex.getMessage());
                }
            }
        }

        String master = "local[*]";
        Map<String, String> sparkConf = new LinkedHashMap<>();
        if (c.hasPath("spark")) {
            Config s = c.getConfig("spark");
            requireKnown(file, "spark.", s.root().keySet(), SPARK_KEYS);
            if (s.hasPath("master")) {
                master = s.getString("master");
            }
            if (s.hasPath("conf")) {
                for (Map.Entry<String, ConfigValue> e : s.getObject("conf").entrySet()) {
                    String key = e.getKey();
                    if (!key.startsWith("spark.")) {
                        throw new IllegalArgumentException(file + ": spark.conf key '" + key + "' is not a Spark setting (spark.*)");
                    }
                    sparkConf.put(key, String.valueOf(e.getValue().unwrapped()));
                }
            }
        }
        String out = "runs/out";
        boolean overwrite = false;
        if (c.hasPath("output")) {
            Config o = c.getConfig("output");
            requireKnown(file, "output.", o.root().keySet(), OUTPUT_KEYS);
            if (o.hasPath("dir")) {
                out = o.getString("dir");
            }
            if (o.hasPath("overwrite")) {
                overwrite = o.getBoolean("overwrite");
            }
        }
        return new JobConfig(file, c, data, spec, training, master, sparkConf, out, overwrite);
    }

    /**
     * The model section: a full spec ({@code inputShape}, {@code layers}, {@code loss}), or instead
     * of {@code layers} an {@code mlp} block of the shape settings (hiddenLayers, activation,
     * dropoutRate, batchNorm, bnMomentum; defaults as declared) plus {@code outputs}.
     */
    private static ModelSpec model(Config m) {
        if (!m.hasPath("mlp")) {
            return ModelSpec.fromJson(m.root().render(ConfigRenderOptions.concise()));
        }
        if (m.hasPath("layers")) {
            throw new IllegalArgumentException("give either layers or mlp, not both");
        }
        Config mlp = m.getConfig("mlp");
        Map<String, Object> values = new LinkedHashMap<>();
        Set<String> valid = new TreeSet<>(Set.of("outputs"));
        for (Setting<?> s : MlpShape.settings()) {
            valid.add(s.name());
            values.put(s.name(), mlp.hasPath(s.name()) ? s.parse(mlp.getValue(s.name()).unwrapped()) : s.defaultValue());
        }
        for (String k : mlp.root().keySet()) {
            if (!valid.contains(k)) {
                throw new IllegalArgumentException("unknown key 'mlp." + k + "'; valid keys: " + valid);
            }
        }
        if (!mlp.hasPath("outputs") || !m.hasPath("inputShape")) {
            throw new IllegalArgumentException("an mlp model needs inputShape and mlp.outputs");
        }
        MlpShape shape = new MlpShape((int[]) values.get("hiddenLayers"), (MlpShape.Activation) values.get("activation"),
                (Double) values.get("dropoutRate"), (Boolean) values.get("batchNorm"), (Double) values.get("bnMomentum"));
        int[] inputShape = m.getIntList("inputShape").stream().mapToInt(Integer::intValue).toArray();
        LossKind loss = LossKind.SOFTMAX_CROSS_ENTROPY;
        if (m.hasPath("loss")) {
            String name = m.getString("loss").trim().toUpperCase(java.util.Locale.ROOT);
            loss = java.util.Arrays.stream(LossKind.values()).filter(k -> k.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("loss must be one of "
                            + java.util.Arrays.toString(LossKind.values()).toLowerCase(java.util.Locale.ROOT)
                            + ", got '" + m.getString("loss") + "'"));
        }
        ModelSpec flat = ModelSpec.mlp(java.util.Arrays.stream(inputShape).reduce(1, (a, b) -> a * b), shape,
                mlp.getInt("outputs"), loss);
        return new ModelSpec(inputShape, flat.layers(), loss);
    }

    private static void requireKnown(Path file, String prefix, Set<String> keys, Set<String> valid) {
        for (String k : keys) {
            if (!valid.contains(k)) {
                throw new IllegalArgumentException(file + ": unknown key '" + prefix + k + "'; valid keys: " + new TreeSet<>(valid));
            }
        }
    }

    /** The configuration the job ran with, as HOCON. */
    public String render() {
        Config settings = ConfigFactory.parseMap(training.toMap());
        return resolved.withValue("training", settings.root())
                .root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    }

    public JobConfig withOutput(String dir, boolean overwrite) {
        return new JobConfig(file, resolved, data, model, training, sparkMaster, sparkConf, dir, overwrite);
    }
}
