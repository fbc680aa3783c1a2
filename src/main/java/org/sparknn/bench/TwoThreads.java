package org.sparknn.bench;

import org.sparknn.data.Dataset;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.train.Augmentation;
import org.sparknn.train.BatchPlan;
import org.sparknn.train.DatasetShard;
import org.sparknn.train.GlobalStep;
import org.sparknn.train.LocalStepper;
import org.sparknn.train.TrainConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What two workers could reach on this machine without any exchange: two single-thread trainers
 * at once, each at half the global batch on its own copy of the model and data, timed after a
 * warm-up epoch. Apart, each runs at its own pace; in lock step, both wait at a barrier after
 * every step's gradient, where synchronous data parallelism waits for the exchange. On a machine
 * whose two cores run at different speeds (a virtual machine sharing its host), two threads apart
 * add both speeds, while any synchronous step runs at the slower one's: lock step is the ceiling
 * of a synchronous P = 2 here.
 */
final class TwoThreads {
    private TwoThreads() {}

    /** Samples per second of each thread. */
    record Rates(double first, double second) {
        double total() {
            return first + second;
        }

        /** The faster thread's rate over the slower's. */
        double asymmetry() {
            return Math.max(first, second) / Math.min(first, second);
        }
    }

    static Rates apart(ModelSpec spec, Dataset train, TrainConfig config) {
        return run(spec, train, config, null);
    }

    static Rates inLockStep(ModelSpec spec, Dataset train, TrainConfig config) {
        return run(spec, train, config, new CyclicBarrier(2));
    }

    private static Rates run(ModelSpec spec, Dataset train, TrainConfig config, CyclicBarrier barrier) {
        TrainConfig half = config.with(TrainConfig.BATCH_SIZE, config.get(TrainConfig.BATCH_SIZE) / 2).with(TrainConfig.WORKERS, 1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Double>> both = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                both.add(pool.submit(() -> samplesPerSecond(spec, train, half, barrier)));
            }
            return new Rates(both.get(0).get(), both.get(1).get());
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("the two-thread run failed", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The single-JVM trainer's loop (see ReferenceTrainer), with a barrier between gradient and update when given one. */
    private static double samplesPerSecond(ModelSpec spec, Dataset train, TrainConfig config, CyclicBarrier barrier) throws Exception {
        long seed = config.get(TrainConfig.SEED);
        Network net = Network.create(spec, seed);
        DatasetShard shard = DatasetShard.whole(train, seed, config.get(TrainConfig.BLOCK_ROWS));
        BatchPlan plan = new BatchPlan(seed, Math.min(config.get(TrainConfig.BATCH_SIZE), train.size()), shard.layout());
        GlobalStep update = new GlobalStep(net, config, plan.stepsPerEpoch());
        LocalStepper stepper = new LocalStepper(net, plan, 0, seed, Augmentation.of(config, spec, false));
        int epochs = config.get(TrainConfig.EPOCHS);
        long step = 0;
        long timedFrom = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            if (epoch == 1) {
                timedFrom = System.nanoTime();
            }
            for (long s = 0; s < plan.stepsPerEpoch(); s++) {
                BatchResult r = stepper.gradientSum(shard, epoch, s, step);
                if (barrier != null) {
                    barrier.await();
                }
                update.apply(r.count(), r.bnStats(), net.sparseStepRows());
                step++;
            }
        }
        return (double) train.size() * (epochs - 1) / ((System.nanoTime() - timedFrom) / 1e9);
    }
}
