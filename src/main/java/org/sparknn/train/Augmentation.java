package org.sparknn.train;

import org.sparknn.nn.ModelSpec;
import org.sparknn.tensor.CounterRng;

import java.util.Arrays;

/**
 * Training-time augmentation of image rows ([C, H, W], NCHW): a left-right mirror with
 * probability 1/2 ({@code augmentFlip}) and a translation by (dy, dx), each uniform in [-s, s]
 * ({@code augmentShift} = s), with zeros shifted in; one image's channels move together.
 *
 * <p>Every draw is keyed by (seed, global step, sample id) with counter-based random numbers, as
 * dropout masks are, so a sample's augmented image does not depend on how rows are partitioned,
 * which exchange runs or the order rows are visited in: P workers compute the gradient one
 * would. Only training steps augment; evaluation, validation and the BN pass see the data as is.
 */
public final class Augmentation {
    /** Largest augmentShift: beyond it a Fashion-MNIST-sized image keeps too little of itself. */
    public static final int MAX_SHIFT = 8;
    /** The draws' stream: negative, so never a layer index, never a dropout mask's key. */
    private static final long STREAM = -0xA06L;
    /** No augmentation. */
    public static final Augmentation NONE = new Augmentation(false, 0, 0, 0, 0);

    private final boolean flip;
    private final int shift;
    private final int channels;
    private final int height;
    private final int width;
    private final float[] image; // one image's copy while it is rewritten

    Augmentation(boolean flip, int shift, int channels, int height, int width) {
        this.flip = flip;
        this.shift = shift;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.image = new float[channels * height * width];
    }

    /** One image's draws: mirror it, then move it down dy rows and right dx columns. */
    record Draw(boolean flip, int dy, int dx) {
    }

    /**
     * The augmentation the settings ask for on this model ({@link #NONE} when both are off).
     * Refuses, naming the setting, a model whose input is not an image [C, H, W], sparse training
     * data, and a shift as large as the image.
     */
    public static Augmentation of(TrainConfig config, ModelSpec spec, boolean sparseData) {
        boolean flip = config.get(TrainConfig.AUGMENT_FLIP);
        int shift = config.get(TrainConfig.AUGMENT_SHIFT);
        if (!flip && shift == 0) {
            return NONE;
        }
        String asked = flip && shift > 0 ? "augmentFlip=true and augmentShift=" + shift
                : flip ? "augmentFlip=true" : "augmentShift=" + shift;
        int[] shape = spec.inputShape();
        if (shape.length != 3) {
            throw new IllegalArgumentException(asked + " augments images, but the model's inputShape is "
                    + Arrays.toString(shape) + "; it needs an image model, inputShape = [C, H, W], or augmentFlip=false "
                    + "and augmentShift=0");
        }
        if (sparseData || spec.sparseInput()) {
            throw new IllegalArgumentException(asked + " augments dense image rows, but the training data are sparse; "
                    + "set augmentFlip=false and augmentShift=0");
        }
        int limit = Math.min(shape[1], shape[2]) - 1;
        if (shift > limit) {
            throw new IllegalArgumentException("augmentShift=" + shift + " would move an image of inputShape "
                    + Arrays.toString(shape) + " out of its frame; valid here: 0.." + limit);
        }
        return new Augmentation(flip, shift, shape[0], shape[1], shape[2]);
    }

    public boolean active() {
        return flip || shift > 0;
    }

    /** Augments the first n rows of x (row-major, one image per row) in place; row r is sample ids[r]. */
    public void apply(float[] x, long[] ids, int n, long seed, long step) {
        int size = image.length;
        for (int r = 0; r < n; r++) {
            Draw d = draw(seed, step, ids[r]);
            if (d.flip || d.dy != 0 || d.dx != 0) {
                transform(x, r * size, d);
            }
        }
    }

    /** The draws of sample {@code id} at global step {@code step}; each comes from its own counter. */
    Draw draw(long seed, long step, long id) {
        long key = CounterRng.key(seed, step, STREAM, id);
        boolean mirror = flip && CounterRng.bits(key, 0) < 0; // the top bit: probability 1/2
        return new Draw(mirror, offset(key, 1), offset(key, 2));
    }

    private int offset(long key, long counter) {
        return shift == 0 ? 0 : (int) Long.remainderUnsigned(CounterRng.bits(key, counter), 2L * shift + 1) - shift;
    }

    /**
     * Rewrites the image at x[at..]: out(c, y, x) = m(c, y - dy, x - dx), 0 where that falls
     * outside, with m the image mirrored when drawn (m(c, y, x) = in(c, y, W-1-x)) or as it is.
     */
    void transform(float[] x, int at, Draw d) {
        System.arraycopy(x, at, image, 0, image.length);
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                int out = at + (c * height + y) * width;
                int sy = y - d.dy;
                if (sy < 0 || sy >= height) {
                    Arrays.fill(x, out, out + width, 0f);
                    continue;
                }
                int in = (c * height + sy) * width;
                for (int col = 0; col < width; col++) {
                    int sx = col - d.dx;
                    x[out + col] = sx < 0 || sx >= width ? 0f : image[in + (d.flip ? width - 1 - sx : sx)];
                }
            }
        }
    }
}
