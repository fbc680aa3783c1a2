package org.sparknn.train;

import org.sparknn.config.Range;
import org.sparknn.config.Setting;
import org.sparknn.optim.AdaGrad;
import org.sparknn.optim.Adam;
import org.sparknn.optim.LrSchedule;
import org.sparknn.optim.Optimizer;
import org.sparknn.optim.Regularization;
import org.sparknn.optim.RmsProp;
import org.sparknn.optim.Sgd;
import org.sparknn.train.Choices.BnPopulationMode;
import org.sparknn.train.Choices.ExchangeMode;
import org.sparknn.train.Choices.L1Mode;
import org.sparknn.train.Choices.OptimizerKind;
import org.sparknn.train.Choices.Schedule;
import org.sparknn.nn.ModelSpec;
import org.sparknn.train.Choices.ShardStorage;
import org.sparknn.train.Choices.SparseUpdate;
import org.sparknn.train.Choices.Solver;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.sparknn.config.Setting.booleanSetting;
import static org.sparknn.config.Setting.choiceSetting;
import static org.sparknn.config.Setting.doubleSetting;
import static org.sparknn.config.Setting.intSetting;
import static org.sparknn.config.Setting.longSetting;
import static org.sparknn.config.Setting.stringSetting;

/**
 * The training settings: the table below declares each one once (name, type, default, range,
 * doc); configuration files, {@code key=value} overrides, the Spark ML params and the README's
 * reference are derived from it. A TrainConfig is an immutable, serializable set of values for
 * them, the one value that travels to executors.
 */
public final class TrainConfig implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final List<Setting<?>> ALL = new ArrayList<>();

    public static final Setting<Integer> EPOCHS = add(intSetting("epochs", 10, Range.atLeast(1),
            "passes over the training data"));
    public static final Setting<Integer> BATCH_SIZE = add(intSetting("batchSize", 64, Range.atLeast(1),
            "global mini-batch size (split across workers)"));
    public static final Setting<Integer> WORKERS = add(intSetting("workers", 0, Range.atLeast(0),
            "data-parallel workers (Spark partitions); 0 = Spark's default parallelism"));
    public static final Setting<Integer> SYNC_EVERY = add(intSetting("syncEvery", 1, Range.atLeast(1),
            "1 = synchronous steps; K > 1 = local SGD: K local steps per worker, then parameters, optimizer state and "
                    + "BN statistics are averaged"));
    public static final Setting<ExchangeMode> EXCHANGE = add(choiceSetting("exchange", ExchangeMode.AUTO,
            "how synchronous steps combine gradients: driver (one Spark job per step, aggregated on the driver), "
                    + "allreduce (one barrier job trains all epochs, tasks exchange gradients directly; same result, faster) or auto "
                    + "(allreduce when the cluster can run all workers at once and dynamic allocation is off, else driver; "
                    + "the job says which and why)"));
    public static final Setting<Integer> EXCHANGE_TIMEOUT_SECONDS = add(intSetting("exchangeTimeoutSeconds", 300, Range.atLeast(1),
            "allreduce: how long a task waits for a peer (connection or a step's data) before it fails the stage, naming the peer"));
    public static final Setting<Boolean> ENCRYPT_EXCHANGE = add(booleanSetting("encryptExchange", false,
            "allreduce: encrypt the gradient stream between tasks (AES-GCM, a key per connection); also on whenever "
                    + "spark.network.crypto.enabled is true"));
    public static final Setting<Double> STATE_COPY_SECONDS = add(doubleSetting("stateCopySeconds", 30, Range.atLeast(0),
            "allreduce: how often (at the first step boundary after this many seconds) a task sends the model and optimizer "
                    + "state to the driver, so that a failed epoch is run again from that copy instead of from its start; 0 = after every step"));
    public static final Setting<OptimizerKind> OPTIMIZER = add(choiceSetting("optimizer", OptimizerKind.ADAM,
            "the update rule of mini-batch training"));
    public static final Setting<Double> LEARNING_RATE = add(doubleSetting("learningRate", 1e-3, Range.above(0),
            "base learning rate"));
    public static final Setting<Double> MOMENTUM = add(doubleSetting("momentum", 0.9, Range.closedOpen(0, 1),
            "momentum / nesterov coefficient"));
    public static final Setting<Double> BETA1 = add(doubleSetting("beta1", 0.9, Range.closedOpen(0, 1),
            "adam/adamw first-moment decay"));
    public static final Setting<Double> BETA2 = add(doubleSetting("beta2", 0.999, Range.closedOpen(0, 1),
            "adam/adamw second-moment decay"));
    public static final Setting<Double> EPSILON = add(doubleSetting("epsilon", 1e-8, Range.above(0),
            "adam/rmsprop/adagrad denominator term"));
    public static final Setting<Double> RHO = add(doubleSetting("rho", 0.9, Range.closedOpen(0, 1),
            "rmsprop squared-gradient decay"));
    public static final Setting<Schedule> SCHEDULE = add(choiceSetting("schedule", Schedule.CONSTANT,
            "learning-rate schedule: constant; step (decayGamma every decayEveryEpochs); exponential (decayGamma per "
                    + "epoch); cosine (to minLearningRate)"));
    public static final Setting<Double> DECAY_EVERY_EPOCHS = add(doubleSetting("decayEveryEpochs", 10, Range.above(0),
            "step schedule: epochs between decays"));
    public static final Setting<Double> DECAY_GAMMA = add(doubleSetting("decayGamma", 0.5, Range.openClosed(0, 1),
            "step/exponential schedule: factor per decay (per epoch for exponential)"));
    public static final Setting<Double> MIN_LEARNING_RATE = add(doubleSetting("minLearningRate", 0, Range.atLeast(0),
            "cosine schedule: final learning rate"));
    public static final Setting<Double> WARMUP_EPOCHS = add(doubleSetting("warmupEpochs", 0, Range.atLeast(0),
            "linear warm-up before the schedule, in epochs"));
    public static final Setting<Double> L1 = add(doubleSetting("l1", 0, Range.atLeast(0),
            "L1 penalty strength (penalty l1 * sum |w|)"));
    public static final Setting<Double> L2 = add(doubleSetting("l2", 0, Range.atLeast(0),
            "L2 penalty strength (penalty l2/2 * sum w^2)"));
    public static final Setting<L1Mode> L1_MODE = add(choiceSetting("l1Mode", L1Mode.PROXIMAL,
            "proximal (soft-threshold after the update: exact zeros) or subgradient (l1 * sign(w) added to the gradient)"));
    public static final Setting<Double> WEIGHT_DECAY = add(doubleSetting("weightDecay", 0, Range.atLeast(0),
            "decoupled weight decay per unit learning rate (w -= lr * weightDecay * w, as in AdamW)"));
    public static final Setting<Double> MAX_NORM = add(doubleSetting("maxNorm", 0, Range.atLeast(0),
            "max L2 norm of each unit's incoming weights; 0 = off"));
    public static final Setting<Double> CLIP_NORM = add(doubleSetting("clipNorm", 0, Range.atLeast(0),
            "largest L2 norm of the mean data gradient over all parameters; a longer one is scaled down to it; 0 = off"));
    public static final Setting<Boolean> REGULARIZE_BIASES = add(booleanSetting("regularizeBiases", false,
            "apply l1/l2/weight decay to biases too"));
    public static final Setting<Boolean> REGULARIZE_BATCH_NORM = add(booleanSetting("regularizeBatchNorm", false,
            "apply l1/l2/weight decay to BN gamma/beta too"));
    public static final Setting<Boolean> AUGMENT_FLIP = add(booleanSetting("augmentFlip", false,
            "image models (inputShape [C, H, W]): mirror each training image left-right with probability 1/2, drawn "
                    + "per sample and step (independent of partitioning); evaluation sees the images as they are"));
    public static final Setting<Integer> AUGMENT_SHIFT = add(intSetting("augmentShift", 0,
            new Range(0, true, Augmentation.MAX_SHIFT, true),
            "image models (inputShape [C, H, W]): move each training image by (dy, dx) pixels, each uniform in "
                    + "[-augmentShift, augmentShift] and drawn per sample and step, zeros shifted in; less than H and W; 0 = off"));
    public static final Setting<Boolean> DROP_NON_FINITE_ROWS = add(booleanSetting("dropNonFiniteRows", false,
            "skip input rows whose label or a feature is NaN, infinite or beyond the float range (the job prints how "
                    + "many) instead of refusing the input; a label that is not a class index is still an error"));
    public static final Setting<Integer> BLOCK_ROWS = add(intSetting("blockRows", 0, Range.atLeast(0),
            "rows per cached block of a shard; an epoch visits a shard's blocks in random order and each block's rows "
                    + "in random order; 0 = as many as fit 16 MB of features (at most 65,536)"));
    public static final Setting<ShardStorage> SHARD_STORAGE = add(choiceSetting("shardStorage", ShardStorage.MEMORY_AND_DISK,
            "where executors cache shard blocks: memory_and_disk (spill what does not fit), memory_and_disk_ser "
                    + "(serialized: smaller, slower to read), memory (evicted blocks are rebuilt from the input) or disk"));
    public static final Setting<SparseUpdate> SPARSE_UPDATE = add(choiceSetting("sparseUpdate", SparseUpdate.LAZY,
            "sparse input: lazy (the first layer's weights stored by feature; a step reads, sends and updates only the "
                    + "features its batch held; the others get only their L1/L2/weight-decay step; optimizer state of "
                    + "absent features is left as it was, as in lazy Adam; with sgd this is the dense step exactly) or dense "
                    + "(every weight and its optimizer state every step, as on dense input; slower)"));
    public static final Setting<Boolean> PROGRESS = add(booleanSetting("progress", true,
            "print one line per epoch (loss, accuracy, samples/s) and where the time went to standard output"));
    public static final Setting<Long> SEED = add(longSetting("seed", 42,
            "seed of initialization, sharding, shuffling, dropout masks and augmentation"));
    public static final Setting<BnPopulationMode> BN_POPULATION = add(choiceSetting("bnPopulation", BnPopulationMode.EXACT,
            "BN inference statistics: exact (a pass with the final weights: mean of batch means, m/(m-1) * mean of "
                    + "batch variances) or running (exponential average during training)"));
    public static final Setting<Boolean> BATCH_NORM_SYNC = add(booleanSetting("batchNormSync", false,
            "synchronized BN: every BN layer normalizes over the global batch (its statistics and backward sums travel "
                    + "between workers within the step), so P workers with local batch b train as one with batch P*b; "
                    + "needs exchange=allreduce (or auto choosing it) and syncEvery=1; the gradient exchange then starts "
                    + "after backward"));
    public static final Setting<Solver> SOLVER = add(choiceSetting("solver", Solver.MINIBATCH,
            "minibatch (the optimizer on mini-batches), lbfgs or owlqn (full-batch quasi-Newton; owlqn handles l1)"));
    public static final Setting<Integer> MAX_ITERATIONS = add(intSetting("maxIterations", 100, Range.atLeast(1),
            "lbfgs/owlqn: iterations at most"));
    public static final Setting<Double> TOLERANCE = add(doubleSetting("tolerance", 1e-6, Range.above(0),
            "lbfgs/owlqn: convergence tolerance (relative improvement)"));
    public static final Setting<Integer> HISTORY_SIZE = add(intSetting("historySize", 10, Range.atLeast(1),
            "lbfgs/owlqn: corrections kept (memory)"));
    public static final Setting<String> CHECKPOINT_DIR = add(stringSetting("checkpointDir", "",
            "directory (any Hadoop file system) for a checkpoint after every epoch; a run resumes from the latest one "
                    + "there; empty = off"));

    private static <T> Setting<T> add(Setting<T> s) {
        ALL.add(s);
        return s;
    }

    private static final TrainConfig DEFAULTS = new TrainConfig(ALL.stream().map(Setting::defaultValue).toArray());

    private final Object[] values;

    private TrainConfig(Object[] values) {
        this.values = values;
    }

    /** Every setting at its default. */
    public static TrainConfig defaults() {
        return DEFAULTS;
    }

    /** The declared settings, in reference order. */
    public static List<Setting<?>> settings() {
        return Collections.unmodifiableList(ALL);
    }

    /** The setting called {@code key}; the error lists the valid names. */
    public static Setting<?> setting(String key) {
        for (Setting<?> s : ALL) {
            if (s.name().equals(key)) {
                return s;
            }
        }
        List<String> names = ALL.stream().map(Setting::name).toList();
        throw new IllegalArgumentException("unknown training setting '" + key + "'; valid settings: " + String.join(", ", names));
    }

    public <T> T get(Setting<T> s) {
        return s.javaType().cast(values[index(s)]);
    }

    /** A copy with one setting changed (checked against its range). */
    public <T> TrainConfig with(Setting<T> s, T value) {
        Object[] v = values.clone();
        v[index(s)] = s.check(value);
        return new TrainConfig(v);
    }

    /** A copy with the setting called {@code key} parsed from a raw value (text, number, boolean). */
    public TrainConfig with(String key, Object raw) {
        Setting<?> s = setting(key);
        Object[] v = values.clone();
        v[index(s)] = s.parse(raw);
        return new TrainConfig(v);
    }

    /** A copy with every entry of {@code raw} applied by {@link #with(String, Object)}. */
    public TrainConfig withAll(Map<String, ?> raw) {
        TrainConfig c = this;
        for (Map.Entry<String, ?> e : raw.entrySet()) {
            c = c.with(e.getKey(), e.getValue());
        }
        return c;
    }

    /** The values as plain data (numbers, booleans, strings), in reference order: for JSON, HOCON and model files. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < ALL.size(); i++) {
            m.put(ALL.get(i).name(), ALL.get(i).plain(values[i]));
        }
        return Collections.unmodifiableMap(m);
    }

    private static int index(Setting<?> s) {
        int i = ALL.indexOf(s);
        if (i < 0) {
            throw new IllegalArgumentException(s.name() + " is not a training setting");
        }
        return i;
    }

    // ---- the objects these settings describe ----

    public Optimizer newOptimizer(int size) {
        OptimizerKind kind = get(OPTIMIZER);
        return switch (kind) {
            case SGD -> new Sgd(size, 0, false);
            case MOMENTUM -> new Sgd(size, get(MOMENTUM), false);
            case NESTEROV -> new Sgd(size, get(MOMENTUM), true);
            case ADAGRAD -> new AdaGrad(size, get(EPSILON));
            case RMSPROP -> new RmsProp(size, get(RHO), get(EPSILON));
            case ADAM, ADAMW -> new Adam(kind.key(), size, get(BETA1), get(BETA2), get(EPSILON));
        };
    }

    public LrSchedule newSchedule(long stepsPerEpoch) {
        double lr = get(LEARNING_RATE);
        long warmupSteps = Math.round(get(WARMUP_EPOCHS) * stepsPerEpoch);
        long totalSteps = Math.max(1, stepsPerEpoch * get(EPOCHS) - warmupSteps);
        LrSchedule base = switch (get(SCHEDULE)) {
            case CONSTANT -> LrSchedule.constant(lr);
            case STEP -> LrSchedule.stepDecay(lr, Math.max(1, Math.round(get(DECAY_EVERY_EPOCHS) * stepsPerEpoch)),
                    get(DECAY_GAMMA));
            case EXPONENTIAL -> LrSchedule.exponential(lr, get(DECAY_GAMMA), stepsPerEpoch);
            case COSINE -> LrSchedule.cosine(lr, get(MIN_LEARNING_RATE), totalSteps);
        };
        return warmupSteps > 0 ? LrSchedule.warmup(warmupSteps, base) : base;
    }

    public Regularization regularization() {
        return new Regularization(get(L1), get(L2), get(L1_MODE) == L1Mode.PROXIMAL, get(MAX_NORM),
                get(REGULARIZE_BIASES), get(REGULARIZE_BATCH_NORM));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainConfig c && Arrays.equals(values, c.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return toMap().toString();
    }

    /** The spec to train on data that is sparse or not: sparse input per {@link #SPARSE_UPDATE}. */
    public ModelSpec specFor(ModelSpec spec, boolean sparseData) {
        return spec.withSparseInput(sparseData && get(SPARSE_UPDATE) == SparseUpdate.LAZY);
    }
}
