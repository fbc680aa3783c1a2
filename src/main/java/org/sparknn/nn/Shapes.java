package org.sparknn.nn;

import java.util.Arrays;

/**
 * Activation shapes: [features] for vectors, [channels, height, width] for images. The checks
 * name the field and its valid range; {@link ModelSpec} adds which layer it is.
 */
final class Shapes {
    private Shapes() {}

    /** Values per sample. */
    static int size(int[] shape) {
        int s = 1;
        for (int d : shape) {
            s = Math.multiplyExact(s, d);
        }
        return s;
    }

    /** The shape as [C, H, W]; [H, W] is one channel. Anything else cannot feed an image layer. */
    static int[] chw(int[] shape, String layer) {
        if (shape.length == 3) {
            return shape;
        }
        if (shape.length == 2) {
            return new int[] {1, shape[0], shape[1]};
        }
        throw new IllegalArgumentException(layer + " needs an image input of shape [channels, height, width], got "
                + Arrays.toString(shape) + " (set model.inputShape to e.g. [1, 28, 28], and put flatten/dense only after the image layers)");
    }

    /**
     * Number of window positions along one side: (in + 2 padding - kernel) / stride + 1, after
     * checking that the kernel fits the padded input.
     */
    static int windows(String layer, String side, int in, int kernel, int stride, int padding) {
        if (kernel > in + 2 * padding) {
            throw new IllegalArgumentException(layer + " kernel " + side + " " + kernel + " does not fit the input " + side + " "
                    + in + " with padding " + padding + ": the kernel " + side + " must be in [1, " + (in + 2 * padding) + "]");
        }
        return (in + 2 * padding - kernel) / stride + 1;
    }

    static int[] pooled(String layer, int[] in, int kernel, int stride, int padding) {
        int[] chw = chw(in, layer);
        return new int[] {chw[0], windows(layer, "height", chw[1], kernel, stride, padding),
                windows(layer, "width", chw[2], kernel, stride, padding)};
    }

    static void requirePool(String layer, int kernel, int stride, int padding) {
        requireAtLeast(layer + ".kernel", kernel, 1);
        requireAtLeast(layer + ".stride", stride, 1);
        // As in PyTorch: with more padding a window could hold padding only.
        requireWithin(layer + ".padding", padding, 0, kernel / 2);
    }

    static void requireAtLeast(String what, int v, int low) {
        if (v < low) {
            throw new IllegalArgumentException(what + " must be >= " + low + ", got " + v);
        }
    }

    static void requireWithin(String what, int v, int low, int high) {
        if (v < low || v > high) {
            throw new IllegalArgumentException(what + " must be in [" + low + ", " + high + "], got " + v);
        }
    }
}
