package org.sparknn.spark;

import org.sparknn.train.Choices.ExchangeMode;
import org.sparknn.train.EpochTracker;
import org.sparknn.train.TrainConfig;

/**
 * How the workers' local steps of one epoch become global steps: {@link DriverExchange} (one
 * Spark job per step, gradients added on the driver), {@link AllReduceExchange} (one barrier job
 * for all epochs, tasks add gradients among themselves) or {@link LocalSgdExchange} (K local steps per
 * job, then averaging). Every exchange leaves the driver's network, BN state and optimizer state
 * as they are after the epoch.
 */
interface Exchange extends AutoCloseable {

    /** Trains epoch {@code epoch} (0-based) from global step {@code firstStep}, adding each step's figures to the tracker. */
    void trainEpoch(int epoch, long firstStep, EpochTracker tracker);

    /**
     * The trainer's part of an epoch, once the exchange has trained it and the driver holds its
     * model: {@code validation} holds the validation figures when the exchange evaluated them
     * within its job (in {@code validationSeconds}), null when the trainer evaluates them.
     */
    @FunctionalInterface
    interface EpochEnd {
        void done(int epoch, org.sparknn.train.Evaluation validation, double validationSeconds);
    }

    /**
     * Trains epochs {@code from} to {@code to} (exclusive) from global step {@code firstStep},
     * handing each to {@code end} when it is done; by default one {@link #trainEpoch} after
     * another, the validation left to the trainer.
     */
    default void trainEpochs(int from, int to, long firstStep, EpochTracker tracker, Shards validation, EpochEnd end) {
        long step = firstStep;
        for (int epoch = from; epoch < to; epoch++) {
            trainEpoch(epoch, step, tracker);
            step += stepsPerEpoch();
            end.done(epoch, null, 0);
        }
    }

    /** The global steps of an epoch. */
    long stepsPerEpoch();

    /** The learning rate to report for the epoch just trained. */
    double learningRate();

    @Override
    default void close() {
    }

    /** The exchange the settings ask for. */
    static Exchange create(TrainingRun run) {
        int syncEvery = run.config.get(TrainConfig.SYNC_EVERY);
        ExchangeMode mode = run.config.get(TrainConfig.EXCHANGE);
        if (syncEvery > 1 && mode == ExchangeMode.ALLREDUCE) {
            throw new IllegalArgumentException("exchange=allreduce runs synchronous steps; it cannot be combined with syncEvery="
                    + syncEvery);
        }
        boolean bnSync = run.config.get(TrainConfig.BATCH_NORM_SYNC);
        if (bnSync && syncEvery > 1) {
            throw new IllegalArgumentException("batchNormSync=true needs the workers in one synchronous step, but syncEvery="
                    + syncEvery + " runs local steps; set syncEvery=1 or batchNormSync=false");
        }
        if (syncEvery > 1) {
            return new LocalSgdExchange(run);
        }
        if (mode == ExchangeMode.AUTO) {
            mode = choose(run);
        }
        if (bnSync && mode == ExchangeMode.DRIVER) {
            throw new IllegalArgumentException("batchNormSync=true needs exchange=allreduce (the workers exchange BN statistics "
                    + "within a step, which the driver exchange's one job per step cannot); the exchange here is driver"
                    + (run.config.get(TrainConfig.EXCHANGE) == ExchangeMode.AUTO ? " (chosen by exchange=auto, see above)" : "")
                    + "; set exchange=allreduce or batchNormSync=false");
        }
        return mode == ExchangeMode.ALLREDUCE ? new AllReduceExchange(run) : new DriverExchange(run);
    }

    /**
     * exchange=auto: all-reduce when its barrier stage can run - all P tasks at once, no dynamic
     * allocation - otherwise the driver exchange; prints the choice and the reason.
     */
    static ExchangeMode choose(TrainingRun run) {
        org.apache.spark.SparkContext sc = run.sc.sc();
        int workers = run.plan.shards();
        int slots = sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
        ExchangeMode mode;
        String why;
        if (sc.conf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            mode = ExchangeMode.DRIVER;
            why = "dynamic allocation is on, and a barrier stage cannot run with it";
        } else if (slots >= workers) {
            mode = ExchangeMode.ALLREDUCE;
            why = "the cluster runs " + slots + " tasks at once, enough for all " + workers + " workers in one barrier stage";
        } else {
            mode = ExchangeMode.DRIVER;
            why = "the cluster runs only " + slots + " tasks at once, fewer than the " + workers
                    + " workers a barrier stage needs together";
        }
        System.out.println("sparknn: exchange=auto chose " + mode.key() + ": " + why);
        return mode;
    }
}
