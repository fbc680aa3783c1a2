package org.sparknn.bench;

import org.sparknn.nn.Layer;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.tensor.Blas;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Single-thread convolution benchmark, all figures measured in one run: GFLOP/s of Conv2d
 * forward + backward (weight and input gradients) for the largest layer of the model zoo's small
 * VGG (conf/fashion-mnist-vgg-small.conf): 32 -> 32 channels, 3x3, padding 1, on 14x14 inputs at
 * a worker's batch of 32; the sgemm GFLOP/s of the same BLAS on the product of the same size as
 * the layer's forward pass ([32 x 288] x [288 x 32*196]) and on 1024^3; and
 * the conv figure as a share of each (issue 10: at least 0.5 of the same run's sgemm). Flops count the
 * three products only (2 outC K P n each), not im2col or the bias. Each figure is the median of
 * several timed rounds after a warm-up, the three measurements taking turns within each round.
 *
 * <pre>ConvBenchMain [--rounds N] [--channels C] [--size S] [--batch B]</pre>
 */
public final class ConvBenchMain {
    private ConvBenchMain() {}

    public static void main(String[] args) {
        int rounds = intOption(args, "--rounds", 7);
        int size = intOption(args, "--size", 14);
        int batch = intOption(args, "--batch", 32);
        int channels = intOption(args, "--channels", 32);
        Random rnd = new Random(1);
        System.out.println("BLAS implementation: " + Blas.implementation() + "   threads: 1 (calling thread)");

        ModelSpec spec = new ModelSpec(new int[] {channels, size, size}, List.of(new LayerSpec.Conv2d(channels, 3, 1, 1)),
                LossKind.MSE);
        Network net = Network.create(spec, 1);
        Layer conv = net.layers().get(0);
        float[] x = random(rnd, batch * channels * size * size);
        float[] dy = random(rnd, batch * channels * size * size);
        Pass pass = Pass.train(1, 0, null);
        double k = channels * 9;
        double productFlops = 2.0 * channels * k * size * size * batch;
        Runnable convStep = () -> {
            conv.forward(x, batch, pass);
            conv.backward(dy, batch, true);
        };
        int n = batch * size * size;
        float[] a = random(rnd, channels * (int) k);
        float[] b = random(rnd, (int) k * n);
        float[] c = new float[channels * n];
        Runnable sameSize = () -> Blas.gemm(false, false, channels, n, (int) k, 1f, a, b, 0f, c);
        int m = 1024;
        float[] sa = random(rnd, m * m);
        float[] sb = random(rnd, m * m);
        float[] sc = new float[m * m];
        Runnable square = () -> Blas.gemm(false, false, m, m, m, 1f, sa, sb, 0f, sc);
        Runnable netlibSameSize = () -> Blas.netlib(false, false, channels, n, (int) k, 1f, a, 0, b, 0, 0f, c, 0);
        double[] seconds = medians(rounds, 2, convStep, sameSize, square, netlibSameSize);
        double convSeconds = seconds[0];
        double convGflops = 3 * productFlops / convSeconds / 1e9;
        double sgemmGflops = productFlops / seconds[1] / 1e9;
        double squareGflops = 2.0 * m * m * m / seconds[2] / 1e9;

        System.out.printf(Locale.ROOT, "sgemm %dx%dx%d (the layer's forward product): %.1f GFLOP/s%n", channels, n, (int) k, sgemmGflops);
        System.out.printf(Locale.ROOT, "sgemm %dx%dx%d: %.1f GFLOP/s%n", m, m, m, squareGflops);
        System.out.printf(Locale.ROOT, "for comparison, dev.ludovic.netlib sgemm of the same size: %.1f GFLOP/s%n",
                productFlops / seconds[3] / 1e9);
        System.out.printf(Locale.ROOT, "conv2d %d->%d 3x3 pad 1 on %dx%d, batch %d, forward+backward (dW, dX): %.1f ms, %.1f GFLOP/s%n",
                channels, channels, size, size, batch, convSeconds * 1e3, convGflops);
        System.out.printf(Locale.ROOT, "ratio conv2d / sgemm of the same size: %.2f (target >= 0.5); conv2d / sgemm 1024^3: %.2f%n",
                convGflops / sgemmGflops, convGflops / squareGflops);
    }

    private static int intOption(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    /**
     * Median seconds per call of each task over rounds of {@code calls} calls, after a warm-up of
     * three rounds. The tasks take turns within each round, so that a slow spell of this shared
     * machine falls on all of them alike rather than on one figure of the ratio.
     */
    private static double[] medians(int rounds, int calls, Runnable... tasks) {
        for (Runnable r : tasks) {
            for (int w = 0; w < 3 * calls; w++) {
                r.run();
            }
        }
        double[][] t = new double[tasks.length][rounds];
        for (int i = 0; i < rounds; i++) {
            for (int j = 0; j < tasks.length; j++) {
                long start = System.nanoTime();
                for (int call = 0; call < calls; call++) {
                    tasks[j].run();
                }
                t[j][i] = (System.nanoTime() - start) / 1e9 / calls;
            }
        }
        double[] medians = new double[tasks.length];
        for (int j = 0; j < tasks.length; j++) {
            Arrays.sort(t[j]);
            medians[j] = t[j][rounds / 2];
        }
        return medians;
    }
}
