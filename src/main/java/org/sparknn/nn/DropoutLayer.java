package org.sparknn.nn;

import org.sparknn.tensor.BernoulliMask;
import org.sparknn.tensor.CounterRng;

/**
 * Inverted dropout (see {@link LayerSpec.Dropout}): training multiplies each unit of each sample
 * by an independent Bernoulli(keep) variable scaled by 1/keep; inference is the identity. The
 * mask of a sample depends only on (seed, step, layer, global sample id, unit).
 */
public final class DropoutLayer implements Layer {
    private final int index;
    private final int size;
    private final float rate;
    private final float scale;
    private float[] mask;
    private float[] output;
    private float[] gradInput;
    private boolean maskApplied;

    public DropoutLayer(int index, int size, double rate) {
        this.index = index;
        this.size = size;
        this.rate = (float) rate;
        this.scale = (float) (1.0 / (1.0 - rate));
    }

    @Override
    public int outputSize() {
        return size;
    }

    public double rate() {
        return rate;
    }

    /** The mask (0 or 1/keep per unit) of the last training pass; row-major [n x size]. */
    public float[] lastMask() {
        return mask;
    }

    @Override
    public float[] forward(float[] x, int n, Pass pass) {
        maskApplied = pass.dropoutActive() && rate > 0;
        if (!maskApplied) {
            return x;
        }
        int len = n * size;
        mask = Layer.ensure(mask, len);
        output = Layer.ensure(output, len);
        for (int r = 0; r < n; r++) {
            fillMask(pass.seed(), pass.step(), pass.sampleId(r), r * size);
        }
        for (int i = 0; i < len; i++) {
            output[i] = x[i] * mask[i];
        }
        return output;
    }

    private void fillMask(long seed, long step, long sampleId, int offset) {
        BernoulliMask.fill(mask, offset, size, CounterRng.key(seed, step, index, sampleId), rate, scale);
    }

    @Override
    public float[] backward(float[] dy, int n, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        if (!maskApplied) {
            return dy;
        }
        int len = n * size;
        gradInput = Layer.ensure(gradInput, len);
        for (int i = 0; i < len; i++) {
            gradInput[i] = dy[i] * mask[i];
        }
        return gradInput;
    }
}
