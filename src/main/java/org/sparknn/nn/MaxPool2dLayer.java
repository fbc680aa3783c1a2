package org.sparknn.nn;

/**
 * Maximum over windows of each channel of NCHW rows (see {@link LayerSpec.MaxPool2d}). Forward
 * remembers where each maximum was ({@code argmax}, an offset into the sample's row); backward
 * routes each output gradient there. Ties go to the first position in row-major order.
 */
public final class MaxPool2dLayer implements Layer {
    private final int channels;
    private final int height;
    private final int width;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int outH;
    private final int outW;
    private int[] argmax;
    private float[] output;
    private float[] gradInput;

    public MaxPool2dLayer(int channels, int height, int width, int kernel, int stride, int padding) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.outH = (height + 2 * padding - kernel) / stride + 1;
        this.outW = (width + 2 * padding - kernel) / stride + 1;
    }

    @Override
    public int outputSize() {
        return channels * outH * outW;
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        int inSize = channels * height * width;
        int outSize = outputSize();
        output = Layer.ensure(output, n * outSize);
        if (argmax == null || argmax.length < n * outSize) {
            argmax = new int[n * outSize];
        }
        for (int r = 0; r < n; r++) {
            int in = r * inSize;
            int o = r * outSize;
            for (int c = 0; c < channels; c++) {
                int plane = c * height * width;
                for (int oy = 0; oy < outH; oy++) {
                    int y0 = Math.max(0, oy * stride - padding);
                    int y1 = Math.min(height, oy * stride - padding + kernel);
                    for (int ox = 0; ox < outW; ox++) {
                        int x0 = Math.max(0, ox * stride - padding);
                        int x1 = Math.min(width, ox * stride - padding + kernel);
                        // padding <= kernel / 2 leaves at least one real input in every window
                        int best = plane + y0 * width + x0;
                        float max = x[in + best];
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                int at = plane + iy * width + ix;
                                float v = x[in + at];
                                // conditional moves: which input wins is data, not a predictable branch
                                boolean larger = v > max;
                                max = larger ? v : max;
                                best = larger ? at : best;
                            }
                        }
                        output[o] = max;
                        argmax[o++] = best;
                    }
                }
            }
        }
        return output;
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        int inSize = channels * height * width;
        int outSize = outputSize();
        gradInput = Layer.ensure(gradInput, n * inSize);
        java.util.Arrays.fill(gradInput, 0, n * inSize, 0f);
        for (int r = 0; r < n; r++) {
            for (int o = r * outSize; o < (r + 1) * outSize; o++) {
                gradInput[r * inSize + argmax[o]] += dy[o];
            }
        }
        return gradInput;
    }
}
