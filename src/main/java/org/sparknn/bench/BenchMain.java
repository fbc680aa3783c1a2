package org.sparknn.bench;

import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.Layer;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.tensor.Blas;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Single-thread compute benchmark, all figures measured in one run: sgemm GFLOP/s of the BLAS in
 * use, and GFLOP/s of Dense forward+backward for 784-1024-1024-10 at batch 256 (the GEMM work of
 * the three Dense layers: forward, weight gradients, input gradients of layers 2 and 3), as a
 * share of the sgemm figure; plus a full training step of the same network with ReLU and softmax
 * cross-entropy. Each figure is the median of several timed rounds after a warm-up.
 *
 * <pre>BenchMain [--rounds N]</pre>
 */
public final class BenchMain {
    private static final int BATCH = 256;
    private static final int[] SIZES = {784, 1024, 1024, 10};

    private BenchMain() {}

    public static void main(String[] args) {
        int rounds = args.length == 2 && args[0].equals("--rounds") ? Integer.parseInt(args[1]) : 7;
        Random rnd = new Random(1);
        System.out.println("BLAS implementation: " + Blas.implementation() + "   threads: 1 (calling thread)");

        int n = 1024;
        float[] a = random(rnd, n * n);
        float[] b = random(rnd, n * n);
        float[] c = new float[n * n];
        double sgemmSeconds = median(rounds, 3, () -> Blas.gemm(false, false, n, n, n, 1f, a, b, 0f, c));
        double sgemmGflops = 2.0 * n * n * n / sgemmSeconds / 1e9;
        System.out.printf(Locale.ROOT, "sgemm %dx%dx%d: %.1f GFLOP/s%n", n, n, n, sgemmGflops);
        double netlibSeconds = median(rounds, 3, () -> Blas.netlib(false, false, n, n, n, 1f, a, 0, b, 0, 0f, c, 0));
        System.out.printf(Locale.ROOT, "for comparison, dev.ludovic.netlib sgemm %dx%dx%d: %.1f GFLOP/s%n", n, n, n,
                2.0 * n * n * n / netlibSeconds / 1e9);

        ModelSpec denseOnly = new ModelSpec(SIZES[0], List.of(new LayerSpec.Dense(SIZES[1]), new LayerSpec.Dense(SIZES[2]),
                new LayerSpec.Dense(SIZES[3])), LossKind.MSE);
        Network dense = Network.create(denseOnly, 1);
        List<Layer> layers = new ArrayList<>(dense.layers());
        float[] x = random(rnd, BATCH * SIZES[0]);
        float[] dy = random(rnd, BATCH * SIZES[3]);
        Pass pass = Pass.train(1, 0, null);
        Runnable denseStep = () -> {
            float[] h = x;
            for (Layer l : layers) {
                h = l.forward(h, BATCH, pass);
            }
            float[] g = dy;
            for (int i = layers.size() - 1; i >= 0; i--) {
                g = layers.get(i).backward(g, BATCH, i > 0);
            }
        };
        double flops = 0;
        for (int i = 0; i < 3; i++) {
            double layerFlops = 2.0 * BATCH * SIZES[i] * SIZES[i + 1];
            flops += layerFlops * (i == 0 ? 2 : 3); // forward + dW (+ dX beyond the first layer)
        }
        double denseSeconds = median(rounds, 20, denseStep);
        double denseGflops = flops / denseSeconds / 1e9;
        System.out.printf(Locale.ROOT, "dense forward+backward 784-1024-1024-10, batch %d: %.2f ms/step, %.1f GFLOP/s%n",
                BATCH, denseSeconds * 1e3, denseGflops);
        System.out.printf(Locale.ROOT, "ratio dense / sgemm: %.2f (target >= 0.70)%n", denseGflops / sgemmGflops);

        ModelSpec mlp = new ModelSpec(SIZES[0], List.of(new LayerSpec.Dense(SIZES[1]), new LayerSpec.Relu(),
                new LayerSpec.Dense(SIZES[2]), new LayerSpec.Relu(), new LayerSpec.Dense(SIZES[3]), new LayerSpec.Softmax()),
                LossKind.SOFTMAX_CROSS_ENTROPY);
        Network net = Network.create(mlp, 1);
        float[] labels = new float[BATCH];
        for (int i = 0; i < BATCH; i++) {
            labels[i] = i % 10;
        }
        double stepSeconds = median(rounds, 20, () -> net.gradientSum(x, labels, BATCH, pass));
        System.out.printf(Locale.ROOT, "full step with ReLU + softmax cross-entropy: %.2f ms/step, %.1f GFLOP/s (GEMM flops), %,.0f samples/s%n",
                stepSeconds * 1e3, flops / stepSeconds / 1e9, BATCH / stepSeconds);
        layerShapes(rounds, rnd);
    }

    /**
     * The products the layers issue, in the implementation in use and in dev.ludovic.netlib, taking
     * turns: {transA, transB, m, n, k}. Conv shapes are the small VGG's (conf/fashion-mnist-vgg-small.conf)
     * at a worker's batch of 32; dense shapes a 784-256 layer at batch 32.
     */
    private static void layerShapes(int rounds, Random rnd) {
        int[][] shapes = {
                {0, 0, 32, 6272, 144}, // conv 16->32 at 14x14, forward
                {0, 1, 32, 144, 6272}, // its weight gradient
                {0, 0, 32, 6272, 288}, // conv 32->32 at 14x14, forward
                {0, 0, 16, 6272, 288}, // input gradient of conv 16->32, as a convolution
                {1, 0, 144, 6272, 32}, // input gradient through col2im (strided convs)
                {0, 1, 32, 256, 784},  // dense 784->256 forward
                {1, 0, 256, 784, 32},  // its weight gradient
                {0, 0, 32, 784, 256},  // its input gradient
        };
        System.out.println("layer products, GFLOP/s (transA transB m n k): " + Blas.implementation() + " / dev.ludovic.netlib");
        for (int[] sh : shapes) {
            boolean ta = sh[0] == 1;
            boolean tb = sh[1] == 1;
            int m = sh[2];
            int n = sh[3];
            int k = sh[4];
            float[] a = random(rnd, m * k);
            float[] b = random(rnd, k * n);
            float[] c = new float[m * n];
            double flops = 2.0 * m * n * k;
            double ours = median(rounds, 10, () -> Blas.gemm(ta, tb, m, n, k, 1f, a, 0, b, 0, 0f, c, 0));
            double netlib = median(rounds, 10, () -> Blas.netlib(ta, tb, m, n, k, 1f, a, 0, b, 0, 0f, c, 0));
            System.out.printf(Locale.ROOT, "  %s %s %5d %5d %5d: %6.1f / %6.1f  (%.1fx)%n", ta ? "T" : "N", tb ? "T" : "N", m, n, k,
                    flops / ours / 1e9, flops / netlib / 1e9, netlib / ours);
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    /** Median seconds per call over rounds of {@code calls} calls, after one warm-up round of each. */
    private static double median(int rounds, int calls, Runnable r) {
        for (int w = 0; w < 3 * calls; w++) {
            r.run();
        }
        double[] t = new double[rounds];
        for (int k = 0; k < rounds; k++) {
            long start = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                r.run();
            }
            t[k] = (System.nanoTime() - start) / 1e9 / calls;
        }
        Arrays.sort(t);
        return t[rounds / 2];
    }
}
