package org.sparknn.nn;

import org.sparknn.tensor.CounterRng;

/**
 * Spatial dropout (see {@link LayerSpec.SpatialDropout}): training multiplies each channel of
 * each sample by one Bernoulli(keep) variable scaled by 1/keep; inference is the identity. As in
 * {@link DropoutLayer}, the mask of a sample depends only on (seed, step, layer, global sample
 * id, channel).
 */
public final class SpatialDropoutLayer implements Layer {
    private final int index;
    private final int channels;
    private final int area;
    private final float rate;
    private final float scale;
    private float[] mask;
    private float[] output;
    private float[] gradInput;
    private boolean maskApplied;

    public SpatialDropoutLayer(int index, int channels, int area, double rate) {
        this.index = index;
        this.channels = channels;
        this.area = area;
        this.rate = (float) rate;
        this.scale = (float) (1.0 / (1.0 - rate));
    }

    @Override
    public int outputSize() {
        return channels * area;
    }

    /** The mask (0 or 1/keep per channel) of the last training pass; row-major [n x channels]. */
    public float[] lastMask() {
        return mask;
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        maskApplied = pass.dropoutActive() && rate > 0;
        if (!maskApplied) {
            return x;
        }
        mask = Layer.ensure(mask, n * channels);
        output = Layer.ensure(output, n * channels * area);
        for (int r = 0; r < n; r++) {
            long key = CounterRng.key(pass.seed(), pass.step(), index, pass.sampleId(r));
            // One 64-bit draw gives the uniforms of two channels, as in DropoutLayer.
            for (int c = 0; c < channels; c += 2) {
                long bits = CounterRng.bits(key, c >> 1);
                mask[r * channels + c] = CounterRng.unitFloat((int) bits) < rate ? 0f : scale;
                if (c + 1 < channels) {
                    mask[r * channels + c + 1] = CounterRng.unitFloat((int) (bits >>> 32)) < rate ? 0f : scale;
                }
            }
        }
        applyMask(x, output, n);
        return output;
    }

    private void applyMask(float[] from, float[] to, int n) {
        for (int rc = 0; rc < n * channels; rc++) {
            float m = mask[rc];
            for (int i = rc * area; i < (rc + 1) * area; i++) {
                to[i] = from[i] * m;
            }
        }
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        if (!maskApplied) {
            return dy;
        }
        gradInput = Layer.ensure(gradInput, n * channels * area);
        applyMask(dy, gradInput, n);
        return gradInput;
    }
}
