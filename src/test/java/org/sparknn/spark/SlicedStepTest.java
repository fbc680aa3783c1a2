package org.sparknn.spark;

import org.junit.jupiter.api.Test;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.MlpShape;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.train.GlobalStep;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingDivergedException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steps whose update the tasks of one JVM split by slices ({@link SharedSum.Member#reduceAndStep})
 * against the replicated step every task would otherwise apply: the same weights and optimizer
 * state, bit for bit, on every task, and a non-finite mean gradient stops every task alike.
 */
class SlicedStepTest {
    private static final String HOST = "127.0.0.1";
    private static final ModelSpec SPEC = ModelSpec.mlp(37, new MlpShape(new int[] {29, 11}, MlpShape.Activation.RELU, 0, true, 0.1),
            5, LossKind.SOFTMAX_CROSS_ENTROPY);
    private static final int STEPS = 12;
    private static final int SAMPLES_PER_TASK = 10;

    @Test
    void slicedStepsGiveTheReplicatedStepsBitsOnEveryTask() throws Exception {
        List<TrainConfig> configs = new ArrayList<>(List.of(
                TrainConfig.defaults().with("l2", 1e-3).with("weightDecay", 0.01),
                TrainConfig.defaults().with("optimizer", "momentum").with("learningRate", 0.05).with("l1", 1e-3),
                TrainConfig.defaults().with("optimizer", "sgd").with("l1", 1e-3).with("l1Mode", "subgradient")
                        .with("regularizeBiases", true)));
        for (String optimizer : new String[] {"nesterov", "adagrad", "rmsprop", "adamw"}) {
            configs.add(TrainConfig.defaults().with("optimizer", optimizer).with("l2", 1e-3).with("schedule", "cosine"));
        }
        for (TrainConfig config : configs) {
            for (int partitions : new int[] {1, 2, 3}) {
                Network reference = Network.create(SPEC, 4);
                GlobalStep referenceStep = new GlobalStep(reference, config, STEPS);
                assertTrue(referenceStep.sliceable(), String.valueOf(config.get(TrainConfig.OPTIMIZER)));
                for (int step = 0; step < STEPS; step++) {
                    float[] g = reference.store().grads();
                    for (int i = 0; i < reference.store().size(); i++) {
                        float sum = 0f;
                        for (int q = 0; q < partitions; q++) {
                            sum += gradient(q, step, i);
                        }
                        g[i] = sum;
                    }
                    referenceStep.apply((long) partitions * SAMPLES_PER_TASK, List.of());
                }
                String what = config.get(TrainConfig.OPTIMIZER) + ", P=" + partitions;
                List<GlobalStep> tasks = runSliced(config, partitions, -1, -1);
                for (GlobalStep task : tasks) {
                    assertEquals(referenceStep.lastLearningRate(), task.lastLearningRate(), 0.0, what);
                    assertEquals(referenceStep.updater().optimizer().steps(), task.updater().optimizer().steps(), what);
                    List<float[]> expected = referenceStep.updater().optimizer().state();
                    for (int a = 0; a < expected.size(); a++) {
                        assertArrayEquals(expected.get(a), task.updater().optimizer().state().get(a), 0f, what + ", state " + a);
                    }
                }
                for (Network net : lastNets) {
                    assertArrayEquals(reference.store().values(), net.store().values(), 0f, what);
                }
            }
        }
    }

    @Test
    void aNonFiniteMeanGradientInOneSliceStopsEveryTaskAsTheReplicatedStepWould() throws Exception {
        TrainConfig config = TrainConfig.defaults();
        int partitions = 3;
        Network reference = Network.create(SPEC, 4);
        GlobalStep referenceStep = new GlobalStep(reference, config, STEPS);
        int bad = reference.store().size() - 3; // in the last partition's slice
        int nanStep = 5;
        String expected = null;
        for (int step = 0; step <= nanStep && expected == null; step++) {
            float[] g = reference.store().grads();
            for (int i = 0; i < reference.store().size(); i++) {
                float sum = 0f;
                for (int q = 0; q < partitions; q++) {
                    sum += gradient(q, step, i);
                }
                g[i] = step == nanStep && i == bad ? Float.NaN : sum;
            }
            try {
                referenceStep.apply((long) partitions * SAMPLES_PER_TASK, List.of());
            } catch (TrainingDivergedException e) {
                expected = e.getMessage();
            }
        }
        assertTrue(expected != null && expected.startsWith("training diverged at step 6: the mean gradient of"), expected);
        java.util.concurrent.ExecutionException stopped = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> runSliced(config, partitions, nanStep, bad));
        assertEquals(expected, stopped.getCause().getMessage());
    }

    private static float gradient(int partition, int step, int i) {
        return (float) Math.sin(i * (partition + 1.7) + step * 0.3) * (partition + 1);
    }

    /**
     * P tasks in threads, each with its own network, sum their gradients through a shared group
     * and apply the step sliced; the optimizer state is gathered at the end and checked to be the
     * same on all. With {@code nanAt >= 0}, partition P-1's gradient is NaN there at {@code nanStep}:
     * every task must then throw the same divergence, which this rethrows.
     */
    private List<Network> lastNets;

    private List<GlobalStep> runSliced(TrainConfig config, int partitions, int nanStep, int nanAt) throws Exception {
        byte[] secret = Handshake.newSecret();
        ExecutorService pool = Executors.newCachedThreadPool();
        List<Network> nets = new ArrayList<>();
        List<GlobalStep> steps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            Network net = Network.create(SPEC, 4);
            nets.add(net);
            steps.add(new GlobalStep(net, config, STEPS));
        }
        try (Rendezvous r = new Rendezvous(HOST, partitions, secret)) {
            List<Future<String>> tasks = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                int partition = p;
                tasks.add(pool.submit(() -> {
                    Network net = nets.get(partition);
                    GlobalStep update = steps.get(partition);
                    int size = net.store().size();
                    try (PeerExchange x = new PeerExchange(HOST, r.address(), secret, partition, partitions, 0, 5000, 16, false)) {
                        assertTrue(x.sharesMemory());
                        for (int step = 0; step < STEPS; step++) {
                            update.beginSliced();
                            float[] g = net.store().grads();
                            for (int i = 0; i < size; i++) {
                                g[i] = gradient(partition, step, i);
                            }
                            if (step == nanStep && partition == partitions - 1) {
                                g[nanAt] = Float.NaN;
                            }
                            x.begin(g, size, new byte[] {(byte) partition});
                            long count = (long) partitions * SAMPLES_PER_TASK;
                            SharedSum.Sliced done = x.finishSliced(net.store().values(), new SharedSum.SliceStep() {
                                @Override
                                public void figures(byte[][] all) {
                                    assertEquals(partitions, all.length);
                                }

                                @Override
                                public int apply(float[] sum, int lo, int hi) {
                                    return update.applySlice(count, sum, lo, hi);
                                }
                            }, false);
                            assertFalse(done.gather());
                            try {
                                update.finishSliced(count, List.of(), done.nonFinite(), done.nonFiniteValue());
                            } catch (TrainingDivergedException e) {
                                return e.getMessage();
                            }
                        }
                        x.gatherSlices(update.updater().optimizer().state());
                    }
                    return null;
                }));
            }
            String divergence = null;
            for (Future<String> t : tasks) {
                String m = t.get(60, TimeUnit.SECONDS);
                if (nanAt >= 0) {
                    assertTrue(m != null, "every task stops");
                    if (divergence != null) {
                        assertEquals(divergence, m, "every task names the same index and value");
                    }
                    divergence = m;
                }
            }
            if (divergence != null) {
                throw new java.util.concurrent.ExecutionException(new TrainingDivergedException(divergence));
            }
        } finally {
            pool.shutdownNow();
        }
        lastNets = nets;
        return steps;
    }
}
