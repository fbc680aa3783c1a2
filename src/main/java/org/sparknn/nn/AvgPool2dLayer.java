package org.sparknn.nn;

/**
 * Mean over windows of each channel of NCHW rows (see {@link LayerSpec.AvgPool2d}); a window
 * that overlaps the padding averages only the inputs it covers. Backward spreads each output
 * gradient evenly over its window.
 */
public final class AvgPool2dLayer implements Layer {
    private final int channels;
    private final int height;
    private final int width;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int outH;
    private final int outW;
    private float[] output;
    private float[] gradInput;

    public AvgPool2dLayer(int channels, int height, int width, int kernel, int stride, int padding) {
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
        output = Layer.ensure(output, n * outputSize());
        int o = 0;
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < channels; c++) {
                int plane = r * inSize + c * height * width;
                for (int oy = 0; oy < outH; oy++) {
                    int y0 = Math.max(0, oy * stride - padding);
                    int y1 = Math.min(height, oy * stride - padding + kernel);
                    for (int ox = 0; ox < outW; ox++) {
                        int x0 = Math.max(0, ox * stride - padding);
                        int x1 = Math.min(width, ox * stride - padding + kernel);
                        float sum = 0;
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                sum += x[plane + iy * width + ix];
                            }
                        }
                        output[o++] = sum / ((y1 - y0) * (x1 - x0));
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
        gradInput = Layer.ensure(gradInput, n * inSize);
        java.util.Arrays.fill(gradInput, 0, n * inSize, 0f);
        int o = 0;
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < channels; c++) {
                int plane = r * inSize + c * height * width;
                for (int oy = 0; oy < outH; oy++) {
                    int y0 = Math.max(0, oy * stride - padding);
                    int y1 = Math.min(height, oy * stride - padding + kernel);
                    for (int ox = 0; ox < outW; ox++) {
                        int x0 = Math.max(0, ox * stride - padding);
                        int x1 = Math.min(width, ox * stride - padding + kernel);
                        float share = dy[o++] / ((y1 - y0) * (x1 - x0));
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                gradInput[plane + iy * width + ix] += share;
                            }
                        }
                    }
                }
            }
        }
        return gradInput;
    }
}
