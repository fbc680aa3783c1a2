package org.sparknn.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.sparknn.data.Dataset;
import org.sparknn.experiments.Experiment;
import org.sparknn.experiments.ExperimentContext;
import org.sparknn.experiments.Experiments;
import org.sparknn.experiments.Report;
import org.sparknn.train.TrainConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The experiments job: runs one experiment ({@code org.sparknn.experiments}) or all of them, each
 * from its conf file (conf/experiments/NAME.conf: a job configuration plus an {@code experiment}
 * section), and writes per experiment, into OUT/NAME (which appears only when complete): table.csv,
 * table.md, runs.csv (every run and seed), PNG plots, verdict.md, report.md and the resolved
 * config.conf; then OUT/index.md linking every experiment found under OUT.
 */
public final class ExperimentsMain {
    static final String USAGE = "usage: experiments <name|all> [--conf FILE] [--out DIR] [--overwrite] [--master URL] [key=value ...]";

    private ExperimentsMain() {}

    public static void main(String[] args) {
        Cli.exit("experiments", () -> run(args));
    }

    /** Runs the experiments; returns the reports by experiment name. */
    public static Map<String, Report> run(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("name an experiment; " + USAGE + "; experiments: "
                    + String.join(", ", Experiments.ALL.stream().map(Experiment::name).toList()));
        }
        String which = args[0];
        String conf = null;
        String out = "runs/experiments";
        boolean overwrite = false;
        String master = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--conf" -> conf = Cli.value(args, ++i, "--conf", USAGE);
                case "--out" -> out = Cli.value(args, ++i, "--out", USAGE);
                case "--overwrite" -> overwrite = true;
                case "--master" -> master = Cli.value(args, ++i, "--master", USAGE);
                default -> {
                    if (args[i].startsWith("--") || !args[i].contains("=")) {
                        throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; " + USAGE);
                    }
                    overrides.add(args[i]);
                }
            }
        }
        List<Experiment> chosen = which.equals("all") ? Experiments.ALL : List.of(Experiments.named(which));
        if (conf != null && chosen.size() > 1) {
            throw new IllegalArgumentException("--conf names the file of one experiment; 'all' reads conf/experiments/NAME.conf each");
        }
        // check every configuration before the first run
        List<Setup> setups = new ArrayList<>();
        for (Experiment e : chosen) {
            setups.add(Setup.load(e, conf != null ? conf : "conf/experiments/" + e.name() + ".conf", overrides));
        }
        Map<String, Report> reports = new java.util.LinkedHashMap<>();
        Map<String, Dataset> data = new HashMap<>();
        for (Setup s : setups) {
            reports.put(s.experiment().name(), runOne(s, out, overwrite, master, data));
        }
        writeIndex(out);
        return reports;
    }

    /** An experiment with its parsed configuration: the job part and the experiment section. */
    record Setup(Experiment experiment, Path file, Config config, JobConfig job, Config settings) {
        static Setup load(Experiment e, String location, List<String> overrides) {
            Path file = Path.of(location);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("configuration file not found: " + file.toAbsolutePath());
            }
            Config c;
            try {
                c = ConfigFactory.parseFile(file.toFile());
                for (String o : overrides) {
                    int eq = o.indexOf('=');
                    String key = o.substring(0, eq).trim();
                    c = c.withValue(key.contains(".") ? key : "training." + key, JobConfig.parseOverride(o.substring(eq + 1).trim()));
                }
                c = c.resolve();
            } catch (ConfigException ex) {
                throw new IllegalArgumentException(file + ": " + ex.getMessage());
            }
            Config settings = c.hasPath("experiment") ? c.getConfig("experiment") : ConfigFactory.empty();
            JobConfig job = JobConfig.fromConfig(file, c.withoutPath("experiment"));
            if (!job.data().format().equals("idx")) {
                throw new IllegalArgumentException(file + ": experiments read IDX data (data.format = idx)");
            }
            return new Setup(e, file, c, job, settings);
        }

        /** experiment.trainRows / testRows: a random subset of that many rows, 0 = all rows. */
        int rows(String key) {
            int rows;
            try {
                rows = settings.hasPath(key) ? settings.getInt(key) : 0;
            } catch (ConfigException ex) {
                throw new IllegalArgumentException(file + ": experiment." + key + ": " + ex.getMessage());
            }
            if (rows < 0) {
                throw new IllegalArgumentException(file + ": experiment." + key + " must be >= 0 (0 = all rows), got " + rows);
            }
            return rows;
        }
    }

    private static Report runOne(Setup s, String outBase, boolean overwrite, String master, Map<String, Dataset> cache) throws Exception {
        Experiment e = s.experiment();
        SparkSession spark = Cli.session(s.job(), master, null);
        try (OutputDir output = OutputDir.prepare(outBase + "/" + e.name(), overwrite, spark.sparkContext().hadoopConfiguration())) {
            long dataSeed = s.settings().hasPath("dataSeed") ? s.settings().getLong("dataSeed") : 1;
            Dataset train = subset(cache, s.job().data().train(), "train", s.rows("trainRows"), dataSeed);
            Dataset test = subset(cache, s.job().data().test(), "test", s.rows("testRows"), dataSeed);
            System.out.println();
            System.out.println("== experiment " + e.name() + ": " + e.title());
            System.out.println("claim: " + e.claim());
            System.out.printf(Locale.ROOT, "configuration %s; data: %d training rows of %s, %d test rows; master %s%n", s.file(),
                    train.size(), s.job().data().train(), test.size(), spark.sparkContext().master());
            long t0 = System.nanoTime();
            ExperimentContext ctx = new ExperimentContext(s.file().toString(), spark, s.job().model(),
                    s.job().training(), s.settings(), train, test);
            Report report = e.run(ctx);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (!ctx.unusedSettings().isEmpty()) {
                System.out.println("sparknn experiments: " + s.file() + ": settings not used by " + e.name() + ": " + ctx.unusedSettings());
            }
            output.writeString("table.csv", report.table().csv());
            output.writeString("table.md", report.table().markdown());
            output.writeString("runs.csv", report.runs().csv());
            for (Map.Entry<String, byte[]> p : report.plots().entrySet()) {
                output.writeBytes(p.getKey(), p.getValue());
            }
            output.writeString("verdict.md", report.verdict() + "\n");
            output.writeString("config.conf", s.config().root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false)));
            output.writeString("report.md", reportText(e, s, report, train.size(), test.size(), seconds, spark.sparkContext().master()));
            output.publish();
            System.out.println("verdict: " + report.verdict());
            System.out.printf(Locale.ROOT, "%s: %.0f s; table, plots and verdict written to %s%n", e.name(), seconds, output.target());
            return report;
        } finally {
            Cli.stopIfEmbedded(spark);
        }
    }

    private static String reportText(Experiment e, Setup s, Report r, int trainRows, int testRows, double seconds, String master) {
        StringBuilder b = new StringBuilder("# ").append(e.title()).append("\n\n");
        b.append("**Claim.** ").append(e.claim()).append("\n\n");
        b.append(String.format(Locale.ROOT, "**Setup.** `%s`: %d training rows and %d test rows of `%s`, model `%s`, settings "
                        + "as in `config.conf`; master %s; %.0f s in all.%n%n", s.file(), trainRows, testRows, s.job().data().train(),
                describe(s.job()), master, seconds));
        b.append(r.table().markdown()).append('\n');
        for (String p : r.plots().keySet()) {
            b.append("![").append(p).append("](").append(p).append(")\n\n");
        }
        b.append("**Verdict.** ").append(r.verdict()).append('\n');
        return b.toString();
    }

    private static String describe(JobConfig job) {
        StringBuilder b = new StringBuilder();
        for (org.sparknn.nn.LayerSpec l : job.model().layers()) {
            String t = l.getClass().getSimpleName().toLowerCase(Locale.ROOT);
            if (l instanceof org.sparknn.nn.LayerSpec.Dense d) {
                t = "dense " + d.units();
            } else if (l instanceof org.sparknn.nn.LayerSpec.Dropout d) {
                t = "dropout " + d.rate();
            }
            b.append(b.length() == 0 ? "" : ", ").append(t);
        }
        TrainConfig c = job.training();
        return b + "; " + c.get(TrainConfig.OPTIMIZER).key() + " lr " + c.get(TrainConfig.LEARNING_RATE) + ", batch "
                + c.get(TrainConfig.BATCH_SIZE) + ", " + c.get(TrainConfig.EPOCHS) + " epochs, " + c.get(TrainConfig.WORKERS) + " workers";
    }

    /**
     * The IDX split of a directory, or a random subset of {@code rows} of its rows (drawn with
     * {@code seed}, kept in input order) when 0 < rows < its size. Data sets stored sorted by
     * label (as Fashion-MNIST's files here are) need a random subset, not the first rows.
     */
    static Dataset subset(Map<String, Dataset> cache, String dir, String split, int rows, long seed) throws IOException {
        String key = dir + "|" + split;
        Dataset all = cache.get(key);
        if (all == null) {
            all = Inputs.idx(dir, split);
            cache.put(key, all);
        }
        if (rows <= 0 || rows >= all.size()) {
            return all;
        }
        int[] ids = new int[all.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < rows; i++) {
            int j = i + random.nextInt(ids.length - i);
            int t = ids[i];
            ids[i] = ids[j];
            ids[j] = t;
        }
        int[] chosen = Arrays.copyOf(ids, rows);
        Arrays.sort(chosen);
        int f = all.featureSize();
        float[] x = new float[Math.multiplyExact(rows, f)];
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(all.features(), chosen[r] * f, x, r * f, f);
            y[r] = all.labels()[chosen[r]];
        }
        return new Dataset(all.source() + " (" + rows + " random rows, seed " + seed + ")", rows, f, x, y);
    }

    /** OUT/index.md: every experiment found under OUT, with links to its report, table and plots, and its verdict. */
    static void writeIndex(String outBase) throws IOException {
        org.apache.hadoop.fs.Path base = new org.apache.hadoop.fs.Path(outBase);
        FileSystem fs = base.getFileSystem(new org.apache.hadoop.conf.Configuration());
        fs.setWriteChecksum(false);
        StringBuilder b = new StringBuilder("# sparknn experiments\n\nWritten by `jobs/experiments.sh`; one folder per experiment.\n\n");
        int found = 0;
        for (Experiment e : Experiments.ALL) {
            org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(base, e.name());
            if (!fs.exists(new org.apache.hadoop.fs.Path(dir, "verdict.md"))) {
                continue;
            }
            found++;
            b.append("## ").append(e.name()).append(": ").append(e.title()).append("\n\n");
            b.append("[report](").append(e.name()).append("/report.md) | [table (markdown)](").append(e.name())
                    .append("/table.md) | [table (CSV)](").append(e.name()).append("/table.csv) | [every run (CSV)](")
                    .append(e.name()).append("/runs.csv)\n\n");
            List<String> pngs = new ArrayList<>();
            for (FileStatus st : fs.listStatus(dir)) {
                if (st.getPath().getName().endsWith(".png")) {
                    pngs.add(st.getPath().getName());
                }
            }
            pngs.sort(null);
            for (String p : pngs) {
                b.append("![").append(p).append("](").append(e.name()).append('/').append(p).append(")\n");
            }
            String verdict;
            try (java.io.InputStream in = fs.open(new org.apache.hadoop.fs.Path(dir, "verdict.md"))) {
                verdict = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            b.append("\n**Verdict.** ").append(verdict).append("\n\n");
        }
        if (found == 0) {
            return;
        }
        try (FSDataOutputStream o = fs.create(new org.apache.hadoop.fs.Path(base, "index.md"), true)) {
            o.write(b.toString().getBytes(StandardCharsets.UTF_8));
        }
        System.out.println("index of " + found + " experiments written to " + new org.apache.hadoop.fs.Path(base, "index.md"));
    }
}
