package org.sparknn.train;

import org.sparknn.optim.AdaGrad;
import org.sparknn.optim.Adam;
import org.sparknn.optim.LrSchedule;
import org.sparknn.optim.Optimizer;
import org.sparknn.optim.Regularization;
import org.sparknn.optim.RmsProp;
import org.sparknn.optim.Sgd;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Training settings, each with its one default. Every setting has a key (used by configuration
 * files and command-line overrides), a valid range checked on assignment, and a description.
 */
public final class TrainConfig {
    public static final List<String> OPTIMIZERS = List.of("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw");
    public static final List<String> SCHEDULES = List.of("constant", "step", "exponential", "cosine");
    public static final List<String> L1_MODES = List.of("proximal", "subgradient");
    public static final List<String> BN_POPULATION = List.of("exact", "running");
    public static final List<String> SOLVERS = List.of("minibatch", "lbfgs", "owlqn");
    public static final List<String> EXCHANGES = List.of("driver", "allreduce");

    private int epochs = 10;
    private int batchSize = 64;
    private String optimizer = "adam";
    private double learningRate = 1e-3;
    private double momentum = 0.9;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double epsilon = 1e-8;
    private double rho = 0.9;
    private String schedule = "constant";
    private double decayEveryEpochs = 10;
    private double decayGamma = 0.5;
    private double minLearningRate = 0;
    private double warmupEpochs = 0;
    private double l1 = 0;
    private double l2 = 0;
    private String l1Mode = "proximal";
    private double weightDecay = 0;
    private double maxNorm = 0;
    private boolean regularizeBiases = false;
    private boolean regularizeBatchNorm = false;
    private long seed = 42;
    private String bnPopulation = "exact";
    private int workers = 0;
    private int syncEvery = 1;
    private String checkpointDir = "";
    private String solver = "minibatch";
    private String exchange = "driver";
    private int maxIterations = 100;
    private double tolerance = 1e-6;
    private int historySize = 10;

    private final Map<String, Setting> settings = new LinkedHashMap<>();

    private record Setting(String description, Supplier<Object> get, Consumer<String> set) {
    }

    public TrainConfig() {
        intKey("epochs", "passes over the training data, >= 1", () -> epochs, v -> epochs(v));
        intKey("batchSize", "global mini-batch size, >= 1", () -> batchSize, v -> batchSize(v));
        key("optimizer", "one of " + OPTIMIZERS, () -> optimizer, this::optimizer);
        doubleKey("learningRate", "base learning rate, > 0", () -> learningRate, this::learningRate);
        doubleKey("momentum", "momentum/nesterov coefficient, in [0, 1)", () -> momentum, this::momentum);
        doubleKey("beta1", "adam first-moment decay, in [0, 1)", () -> beta1, this::beta1);
        doubleKey("beta2", "adam second-moment decay, in [0, 1)", () -> beta2, this::beta2);
        doubleKey("epsilon", "adam/rmsprop/adagrad denominator term, > 0", () -> epsilon, this::epsilon);
        doubleKey("rho", "rmsprop squared-gradient decay, in [0, 1)", () -> rho, this::rho);
        key("schedule", "learning-rate schedule, one of " + SCHEDULES, () -> schedule, this::schedule);
        doubleKey("decayEveryEpochs", "step schedule: epochs between decays, > 0", () -> decayEveryEpochs, this::decayEveryEpochs);
        doubleKey("decayGamma", "step/exponential schedule: factor per decay (per epoch for exponential), in (0, 1]", () -> decayGamma, this::decayGamma);
        doubleKey("minLearningRate", "cosine schedule: final learning rate, >= 0", () -> minLearningRate, this::minLearningRate);
        doubleKey("warmupEpochs", "linear warm-up length in epochs, >= 0", () -> warmupEpochs, this::warmupEpochs);
        doubleKey("l1", "L1 penalty strength, >= 0", () -> l1, this::l1);
        doubleKey("l2", "L2 penalty strength (penalty l2/2 * sum w^2), >= 0", () -> l2, this::l2);
        key("l1Mode", "one of " + L1_MODES, () -> l1Mode, this::l1Mode);
        doubleKey("weightDecay", "decoupled weight decay per unit learning rate, >= 0", () -> weightDecay, this::weightDecay);
        doubleKey("maxNorm", "max L2 norm of each unit's incoming weights, 0 = off, >= 0", () -> maxNorm, this::maxNorm);
        key("regularizeBiases", "apply l1/l2/weight decay to biases too, true|false", () -> regularizeBiases, v -> regularizeBiases(parseBoolean("regularizeBiases", v)));
        key("regularizeBatchNorm", "apply l1/l2/weight decay to BN gamma/beta too, true|false", () -> regularizeBatchNorm, v -> regularizeBatchNorm(parseBoolean("regularizeBatchNorm", v)));
        key("seed", "seed of every random draw (init, shuffles, dropout masks)", () -> seed, v -> seed(parseLong("seed", v)));
        key("bnPopulation", "BN inference statistics, one of " + BN_POPULATION, () -> bnPopulation, this::bnPopulation);
        intKey("workers", "data-parallel workers (Spark partitions), 0 = Spark's default parallelism, >= 0", () -> workers, v -> workers(v));
        key("exchange", "how synchronous steps combine gradients: driver (one Spark job per step, aggregated on the "
                + "driver) or allreduce (one barrier job per epoch, tasks all-reduce directly), one of " + EXCHANGES,
                () -> exchange, this::exchange);
        key("solver", "minibatch (the optimizer above on mini-batches), lbfgs or owlqn (full-batch quasi-Newton; owlqn "
                + "handles l1), one of " + SOLVERS, () -> solver, this::solver);
        intKey("maxIterations", "lbfgs/owlqn: iterations at most, >= 1", () -> maxIterations, v -> maxIterations(v));
        doubleKey("tolerance", "lbfgs/owlqn: convergence tolerance (relative improvement), > 0", () -> tolerance, this::tolerance);
        intKey("historySize", "lbfgs/owlqn: corrections kept (memory), >= 1", () -> historySize, v -> historySize(v));
        key("checkpointDir", "directory (any Hadoop file system) for a checkpoint after every epoch; a run finds the "
                + "latest one there and resumes from it; empty = off", () -> checkpointDir, this::checkpointDir);
        intKey("syncEvery", "1 = synchronous gradient averaging every step; K > 1 = K local steps per worker, then parameter averaging", () -> syncEvery, v -> syncEvery(v));
    }

    // ---- generic access by key ----

    public void set(String key, String value) {
        Setting s = settings.get(key);
        if (s == null) {
            throw new IllegalArgumentException("unknown training setting '" + key + "'; valid settings: " + String.join(", ", settings.keySet()));
        }
        s.set.accept(value);
    }

    public Object get(String key) {
        Setting s = settings.get(key);
        if (s == null) {
            throw new IllegalArgumentException("unknown training setting '" + key + "'");
        }
        return s.get.get();
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        settings.forEach((k, s) -> m.put(k, s.get.get()));
        return Collections.unmodifiableMap(m);
    }

    public static Map<String, String> descriptions() {
        Map<String, String> m = new LinkedHashMap<>();
        new TrainConfig().settings.forEach((k, s) -> m.put(k, s.description));
        return m;
    }

    public TrainConfig copy() {
        TrainConfig c = new TrainConfig();
        toMap().forEach((k, v) -> c.set(k, String.valueOf(v)));
        return c;
    }

    // ---- typed setters with range checks ----

    public TrainConfig epochs(int v) {
        epochs = (int) check("epochs", v, v >= 1, ">= 1");
        return this;
    }

    public TrainConfig batchSize(int v) {
        batchSize = (int) check("batchSize", v, v >= 1, ">= 1");
        return this;
    }

    public TrainConfig optimizer(String v) {
        optimizer = oneOf("optimizer", v, OPTIMIZERS);
        return this;
    }

    public TrainConfig learningRate(double v) {
        learningRate = check("learningRate", v, v > 0 && Double.isFinite(v), "> 0");
        return this;
    }

    public TrainConfig momentum(double v) {
        momentum = check("momentum", v, v >= 0 && v < 1, "in [0, 1)");
        return this;
    }

    public TrainConfig beta1(double v) {
        beta1 = check("beta1", v, v >= 0 && v < 1, "in [0, 1)");
        return this;
    }

    public TrainConfig beta2(double v) {
        beta2 = check("beta2", v, v >= 0 && v < 1, "in [0, 1)");
        return this;
    }

    public TrainConfig epsilon(double v) {
        epsilon = check("epsilon", v, v > 0, "> 0");
        return this;
    }

    public TrainConfig rho(double v) {
        rho = check("rho", v, v >= 0 && v < 1, "in [0, 1)");
        return this;
    }

    public TrainConfig schedule(String v) {
        schedule = oneOf("schedule", v, SCHEDULES);
        return this;
    }

    public TrainConfig decayEveryEpochs(double v) {
        decayEveryEpochs = check("decayEveryEpochs", v, v > 0, "> 0");
        return this;
    }

    public TrainConfig decayGamma(double v) {
        decayGamma = check("decayGamma", v, v > 0 && v <= 1, "in (0, 1]");
        return this;
    }

    public TrainConfig minLearningRate(double v) {
        minLearningRate = check("minLearningRate", v, v >= 0, ">= 0");
        return this;
    }

    public TrainConfig warmupEpochs(double v) {
        warmupEpochs = check("warmupEpochs", v, v >= 0, ">= 0");
        return this;
    }

    public TrainConfig l1(double v) {
        l1 = check("l1", v, v >= 0 && Double.isFinite(v), ">= 0");
        return this;
    }

    public TrainConfig l2(double v) {
        l2 = check("l2", v, v >= 0 && Double.isFinite(v), ">= 0");
        return this;
    }

    public TrainConfig l1Mode(String v) {
        l1Mode = oneOf("l1Mode", v, L1_MODES);
        return this;
    }

    public TrainConfig weightDecay(double v) {
        weightDecay = check("weightDecay", v, v >= 0 && Double.isFinite(v), ">= 0");
        return this;
    }

    public TrainConfig maxNorm(double v) {
        maxNorm = check("maxNorm", v, v >= 0 && Double.isFinite(v), ">= 0 (0 = off)");
        return this;
    }

    public TrainConfig regularizeBiases(boolean v) {
        regularizeBiases = v;
        return this;
    }

    public TrainConfig regularizeBatchNorm(boolean v) {
        regularizeBatchNorm = v;
        return this;
    }

    public TrainConfig seed(long v) {
        seed = v;
        return this;
    }

    public TrainConfig bnPopulation(String v) {
        bnPopulation = oneOf("bnPopulation", v, BN_POPULATION);
        return this;
    }

    public TrainConfig workers(int v) {
        workers = (int) check("workers", v, v >= 0, ">= 0 (0 = Spark's default parallelism)");
        return this;
    }

    public TrainConfig exchange(String v) {
        exchange = oneOf("exchange", v, EXCHANGES);
        return this;
    }

    public String exchange() {
        return exchange;
    }

    public TrainConfig solver(String v) {
        solver = oneOf("solver", v, SOLVERS);
        return this;
    }

    public TrainConfig maxIterations(int v) {
        maxIterations = (int) check("maxIterations", v, v >= 1, ">= 1");
        return this;
    }

    public TrainConfig tolerance(double v) {
        tolerance = check("tolerance", v, v > 0, "> 0");
        return this;
    }

    public TrainConfig historySize(int v) {
        historySize = (int) check("historySize", v, v >= 1, ">= 1");
        return this;
    }

    public String solver() {
        return solver;
    }

    public int maxIterations() {
        return maxIterations;
    }

    public double tolerance() {
        return tolerance;
    }

    public int historySize() {
        return historySize;
    }

    public TrainConfig checkpointDir(String v) {
        checkpointDir = v == null ? "" : v.trim();
        return this;
    }

    public String checkpointDir() {
        return checkpointDir;
    }

    public TrainConfig syncEvery(int v) {
        syncEvery = (int) check("syncEvery", v, v >= 1, ">= 1");
        return this;
    }

    // ---- getters ----

    public int workers() {
        return workers;
    }

    public int syncEvery() {
        return syncEvery;
    }

    public int epochs() {
        return epochs;
    }

    public int batchSize() {
        return batchSize;
    }

    public String optimizer() {
        return optimizer;
    }

    public double learningRate() {
        return learningRate;
    }

    public double l1() {
        return l1;
    }

    public double l2() {
        return l2;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public double maxNorm() {
        return maxNorm;
    }

    public long seed() {
        return seed;
    }

    public String bnPopulation() {
        return bnPopulation;
    }

    // ---- factories for the objects these settings describe ----

    public Optimizer newOptimizer(int size) {
        return switch (optimizer) {
            case "sgd" -> new Sgd(size, 0, false);
            case "momentum" -> new Sgd(size, momentum, false);
            case "nesterov" -> new Sgd(size, momentum, true);
            case "adagrad" -> new AdaGrad(size, epsilon);
            case "rmsprop" -> new RmsProp(size, rho, epsilon);
            case "adam", "adamw" -> new Adam(optimizer, size, beta1, beta2, epsilon);
            default -> throw new IllegalStateException(optimizer);
        };
    }

    public LrSchedule newSchedule(long stepsPerEpoch) {
        long warmupSteps = Math.round(warmupEpochs * stepsPerEpoch);
        long totalSteps = Math.max(1, stepsPerEpoch * epochs - warmupSteps);
        LrSchedule base = switch (schedule) {
            case "constant" -> LrSchedule.constant(learningRate);
            case "step" -> LrSchedule.stepDecay(learningRate, Math.max(1, Math.round(decayEveryEpochs * stepsPerEpoch)), decayGamma);
            case "exponential" -> LrSchedule.exponential(learningRate, decayGamma, stepsPerEpoch);
            case "cosine" -> LrSchedule.cosine(learningRate, minLearningRate, totalSteps);
            default -> throw new IllegalStateException(schedule);
        };
        return warmupSteps > 0 ? LrSchedule.warmup(warmupSteps, base) : base;
    }

    public Regularization regularization() {
        return new Regularization(l1, l2, l1Mode.equals("proximal"), maxNorm, regularizeBiases, regularizeBatchNorm);
    }

    // ---- helpers ----

    private void key(String name, String description, Supplier<Object> get, Consumer<String> set) {
        settings.put(name, new Setting(description, get, set));
    }

    private void intKey(String name, String description, Supplier<Object> get, Consumer<Integer> set) {
        key(name, description, get, v -> set.accept(parse(name, v, Integer::parseInt, "an integer")));
    }

    private void doubleKey(String name, String description, Supplier<Object> get, Consumer<Double> set) {
        key(name, description, get, v -> set.accept(parse(name, v, Double::parseDouble, "a number")));
    }

    private static <T> T parse(String name, String v, Function<String, T> parser, String what) {
        try {
            return parser.apply(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be " + what + ", got '" + v + "'");
        }
    }

    private static long parseLong(String name, String v) {
        return parse(name, v, Long::parseLong, "an integer");
    }

    private static boolean parseBoolean(String name, String v) {
        String t = v.trim().toLowerCase(java.util.Locale.ROOT);
        if (!t.equals("true") && !t.equals("false")) {
            throw new IllegalArgumentException(name + " must be true or false, got '" + v + "'");
        }
        return t.equals("true");
    }

    private static double check(String name, double v, boolean ok, String range) {
        if (!ok) {
            throw new IllegalArgumentException(name + " must be " + range + ", got " + v);
        }
        return v;
    }

    private static String oneOf(String name, String v, List<String> valid) {
        String t = v == null ? "" : v.trim().toLowerCase(java.util.Locale.ROOT);
        if (!valid.contains(t)) {
            throw new IllegalArgumentException(name + " must be one of " + valid + ", got '" + v + "'");
        }
        return t;
    }

    @Override
    public String toString() {
        return toMap().toString();
    }
}
