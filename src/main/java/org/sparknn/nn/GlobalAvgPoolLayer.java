package org.sparknn.nn;

/** Mean of each channel of NCHW rows over height x width: [C, H, W] becomes [C]. */
public final class GlobalAvgPoolLayer implements Layer {
    private final int channels;
    private final int area;
    private float[] output;
    private float[] gradInput;

    public GlobalAvgPoolLayer(int channels, int height, int width) {
        this.channels = channels;
        this.area = height * width;
    }

    @Override
    public int outputSize() {
        return channels;
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        output = Layer.ensure(output, n * channels);
        for (int rc = 0; rc < n * channels; rc++) {
            float sum = 0;
            for (int i = rc * area; i < (rc + 1) * area; i++) {
                sum += x[i];
            }
            output[rc] = sum / area;
        }
        return output;
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        gradInput = Layer.ensure(gradInput, n * channels * area);
        for (int rc = 0; rc < n * channels; rc++) {
            java.util.Arrays.fill(gradInput, rc * area, (rc + 1) * area, dy[rc] / area);
        }
        return gradInput;
    }
}
