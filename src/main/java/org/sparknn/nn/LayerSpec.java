package org.sparknn.nn;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import org.sparknn.config.Range;

import java.util.List;

/**
 * Immutable description of a layer: its kind and hyper-parameters. Shapes are inferred from the
 * previous layer when the network is built: a shape is [features], or [channels, height, width]
 * for images (a row of activations then holds one sample's values channel-major, NCHW).
 * Serializes to JSON as {"type": "dense", ...}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = LayerSpec.Dense.class, name = "dense"),
        @JsonSubTypes.Type(value = LayerSpec.Relu.class, name = "relu"),
        @JsonSubTypes.Type(value = LayerSpec.LeakyRelu.class, name = "leaky_relu"),
        @JsonSubTypes.Type(value = LayerSpec.Sigmoid.class, name = "sigmoid"),
        @JsonSubTypes.Type(value = LayerSpec.Tanh.class, name = "tanh"),
        @JsonSubTypes.Type(value = LayerSpec.Softmax.class, name = "softmax"),
        @JsonSubTypes.Type(value = LayerSpec.Dropout.class, name = "dropout"),
        @JsonSubTypes.Type(value = LayerSpec.BatchNorm.class, name = "batch_norm"),
        @JsonSubTypes.Type(value = LayerSpec.Flatten.class, name = "flatten"),
        @JsonSubTypes.Type(value = LayerSpec.Conv2d.class, name = "conv2d"),
        @JsonSubTypes.Type(value = LayerSpec.MaxPool2d.class, name = "max_pool2d"),
        @JsonSubTypes.Type(value = LayerSpec.AvgPool2d.class, name = "avg_pool2d"),
        @JsonSubTypes.Type(value = LayerSpec.GlobalAvgPool.class, name = "global_avg_pool"),
        @JsonSubTypes.Type(value = LayerSpec.BatchNorm2d.class, name = "batch_norm2d"),
        @JsonSubTypes.Type(value = LayerSpec.SpatialDropout.class, name = "spatial_dropout"),
        @JsonSubTypes.Type(value = LayerSpec.Residual.class, name = "residual"),
})
public sealed interface LayerSpec {

    /**
     * Output shape of the layer for an input of shape {@code in}: the same as the input unless the
     * layer reshapes. Throws when the input does not fit the layer (the caller names the layer).
     */
    default int[] outputShape(int[] in) {
        return in;
    }

    /** Trained parameters the layer holds for an input of shape {@code in}. */
    default long paramCount(int[] in) {
        return 0;
    }

    /** Non-trained state values (BN population statistics) for an input of shape {@code in}. */
    default long stateCount(int[] in) {
        return 0;
    }

    /**
     * Fully connected layer y = x W^T + b with W of shape [units x inputs].
     *
     * @param init "auto" (He-normal before ReLU-like activations, Glorot-uniform otherwise), "he" or "glorot"
     */
    record Dense(int units, String init) implements LayerSpec {
        public Dense {
            if (units < 1) {
                throw new IllegalArgumentException("dense.units must be >= 1, got " + units);
            }
            init = init == null ? "auto" : init;
            if (!init.equals("auto") && !init.equals("he") && !init.equals("glorot")) {
                throw new IllegalArgumentException("dense.init must be one of auto, he, glorot; got '" + init + "'");
            }
        }

        public Dense(int units) {
            this(units, "auto");
        }

        @Override
        public int[] outputShape(int[] in) {
            return new int[] {units};
        }

        @Override
        public long paramCount(int[] in) {
            return (long) units * Shapes.size(in) + units;
        }
    }

    record Relu() implements LayerSpec {
    }

    /** y = x for x > 0, alpha * x otherwise; alpha in [0, 1). */
    record LeakyRelu(double alpha) implements LayerSpec {
        public LeakyRelu {
            if (!(alpha >= 0 && alpha < 1)) {
                throw new IllegalArgumentException("leaky_relu.alpha must be in [0, 1), got " + alpha);
            }
        }
    }

    record Sigmoid() implements LayerSpec {
    }

    record Tanh() implements LayerSpec {
    }

    /** Row-wise softmax; with the softmax cross-entropy loss its backward pass is fused into the loss. */
    record Softmax() implements LayerSpec {
    }

    /**
     * Inverted dropout. {@code rate} is the DROP probability: each unit of each sample is zeroed
     * independently with probability rate and the kept ones are scaled by 1/(1-rate) during
     * training; at inference the layer is the identity. This is the same test-time network as
     * the classic formulation that keeps units unscaled in training and multiplies the outgoing
     * weights by the retention probability (1-rate) at test time.
     */
    record Dropout(double rate) implements LayerSpec {
        public static final Range RATE = Range.closedOpen(0, 1);

        public Dropout {
            RATE.require("dropout.rate (drop probability)", rate);
        }
    }

    /**
     * Batch normalization over the features of dense activations.
     *
     * @param epsilon  added to the variance before the square root (default 1e-5)
     * @param momentum weight of the newest batch in the running population average (default 0.1)
     */
    record BatchNorm(Double epsilon, Double momentum) implements LayerSpec {
        public static final double DEFAULT_EPSILON = 1e-5;
        public static final double DEFAULT_MOMENTUM = 0.1;
        public static final Range EPSILON = Range.above(0);
        public static final Range MOMENTUM = Range.openClosed(0, 1);

        public BatchNorm {
            epsilon = epsilon == null ? DEFAULT_EPSILON : epsilon;
            momentum = momentum == null ? DEFAULT_MOMENTUM : momentum;
            EPSILON.require("batch_norm.epsilon", epsilon);
            MOMENTUM.require("batch_norm.momentum", momentum);
        }

        public BatchNorm() {
            this(null, null);
        }

        @Override
        public long paramCount(int[] in) {
            return 2L * Shapes.size(in); // gamma, beta
        }

        @Override
        public long stateCount(int[] in) {
            return 2L * Shapes.size(in); // population mean, variance
        }
    }

    record Flatten() implements LayerSpec {
        @Override
        public int[] outputShape(int[] in) {
            return new int[] {Shapes.size(in)};
        }
    }

    /**
     * 2-d convolution (cross-correlation, as in every framework) of a [C, H, W] input with
     * {@code filters} kernels of [C, kernelHeight, kernelWidth]; zero padding on all four sides.
     * Output [filters, (H + 2 padding - kernelHeight) / stride + 1, same for W].
     *
     * @param stride  step between windows, default 1
     * @param padding zeros added on each side, default 0; at most kernel - 1 so that every window
     *                sees some input
     * @param init    "auto", "he" or "glorot" as for {@link Dense}
     */
    record Conv2d(int filters, int kernelHeight, int kernelWidth, Integer stride, Integer padding, String init)
            implements LayerSpec {
        public Conv2d {
            stride = stride == null ? 1 : stride;
            padding = padding == null ? 0 : padding;
            init = init == null ? "auto" : init;
            Shapes.requireAtLeast("conv2d.filters", filters, 1);
            Shapes.requireAtLeast("conv2d.kernelHeight", kernelHeight, 1);
            Shapes.requireAtLeast("conv2d.kernelWidth", kernelWidth, 1);
            Shapes.requireAtLeast("conv2d.stride", stride, 1);
            Shapes.requireWithin("conv2d.padding", padding, 0, Math.min(kernelHeight, kernelWidth) - 1);
            if (!init.equals("auto") && !init.equals("he") && !init.equals("glorot")) {
                throw new IllegalArgumentException("conv2d.init must be one of auto, he, glorot; got '" + init + "'");
            }
        }

        /** A square kernel. */
        public Conv2d(int filters, int kernel, int stride, int padding) {
            this(filters, kernel, kernel, stride, padding, "auto");
        }

        @Override
        public int[] outputShape(int[] in) {
            int[] chw = Shapes.chw(in, "conv2d");
            return new int[] {filters, Shapes.windows("conv2d", "height", chw[1], kernelHeight, stride, padding),
                    Shapes.windows("conv2d", "width", chw[2], kernelWidth, stride, padding)};
        }

        @Override
        public long paramCount(int[] in) {
            return (long) filters * Shapes.chw(in, "conv2d")[0] * kernelHeight * kernelWidth + filters;
        }
    }

    /**
     * Maximum over kernel x kernel windows of each channel; padded positions never win.
     *
     * @param stride  default: the kernel (non-overlapping windows)
     * @param padding default 0, at most kernel / 2
     */
    record MaxPool2d(int kernel, Integer stride, Integer padding) implements LayerSpec {
        public MaxPool2d {
            stride = stride == null ? kernel : stride;
            padding = padding == null ? 0 : padding;
            Shapes.requirePool("max_pool2d", kernel, stride, padding);
        }

        public MaxPool2d(int kernel) {
            this(kernel, null, null);
        }

        @Override
        public int[] outputShape(int[] in) {
            return Shapes.pooled("max_pool2d", in, kernel, stride, padding);
        }
    }

    /**
     * Mean over kernel x kernel windows of each channel. Padded positions are not counted: a
     * window at the border averages the inputs it covers.
     *
     * @param stride  default: the kernel (non-overlapping windows)
     * @param padding default 0, at most kernel / 2
     */
    record AvgPool2d(int kernel, Integer stride, Integer padding) implements LayerSpec {
        public AvgPool2d {
            stride = stride == null ? kernel : stride;
            padding = padding == null ? 0 : padding;
            Shapes.requirePool("avg_pool2d", kernel, stride, padding);
        }

        public AvgPool2d(int kernel) {
            this(kernel, null, null);
        }

        @Override
        public int[] outputShape(int[] in) {
            return Shapes.pooled("avg_pool2d", in, kernel, stride, padding);
        }
    }

    /** Mean of each channel over height x width: [C, H, W] becomes [C]. */
    record GlobalAvgPool() implements LayerSpec {
        @Override
        public int[] outputShape(int[] in) {
            return new int[] {Shapes.chw(in, "global_avg_pool")[0]};
        }
    }

    /**
     * Batch normalization of images, per channel over batch x height x width; otherwise as
     * {@link BatchNorm} (same statistics, population estimators and defaults).
     */
    record BatchNorm2d(Double epsilon, Double momentum) implements LayerSpec {
        public BatchNorm2d {
            epsilon = epsilon == null ? BatchNorm.DEFAULT_EPSILON : epsilon;
            momentum = momentum == null ? BatchNorm.DEFAULT_MOMENTUM : momentum;
            BatchNorm.EPSILON.require("batch_norm2d.epsilon", epsilon);
            BatchNorm.MOMENTUM.require("batch_norm2d.momentum", momentum);
        }

        public BatchNorm2d() {
            this(null, null);
        }

        @Override
        public int[] outputShape(int[] in) {
            Shapes.chw(in, "batch_norm2d");
            return in;
        }

        @Override
        public long paramCount(int[] in) {
            return 2L * Shapes.chw(in, "batch_norm2d")[0]; // gamma, beta per channel
        }

        @Override
        public long stateCount(int[] in) {
            return 2L * Shapes.chw(in, "batch_norm2d")[0]; // population mean, variance per channel
        }
    }

    /**
     * Spatial dropout: inverted dropout of whole channels. {@code rate} is the DROP probability of
     * a channel of a sample; kept channels are scaled by 1/(1-rate) in training; identity at
     * inference. Neighbouring pixels of a feature map are strongly correlated, so dropping single
     * pixels barely regularizes a convolutional layer; dropping channels does.
     */
    record SpatialDropout(double rate) implements LayerSpec {
        public SpatialDropout {
            Dropout.RATE.require("spatial_dropout.rate (drop probability)", rate);
        }

        @Override
        public int[] outputShape(int[] in) {
            Shapes.chw(in, "spatial_dropout");
            return in;
        }
    }

    /**
     * Residual block: output = body(x) + shortcut(x), the body being the block's layers in
     * order. The shortcut is the identity where the body keeps the input's shape; otherwise a
     * projection learns it: a 1x1 convolution whose stride maps the input's height and width onto
     * the body's (images), or a dense layer (vectors). There is no activation after the sum; put
     * one after the block. Blocks do not nest.
     */
    record Residual(List<LayerSpec> layers) implements LayerSpec {
        public Residual {
            if (layers == null || layers.isEmpty()) {
                throw new IllegalArgumentException("residual.layers must hold at least one layer");
            }
            layers = List.copyOf(layers);
            for (LayerSpec l : layers) {
                if (l instanceof Residual) {
                    throw new IllegalArgumentException("residual blocks do not nest: put the inner block after this one");
                }
            }
        }

        @Override
        public int[] outputShape(int[] in) {
            List<int[]> shapes = ModelSpec.shapes(in, layers);
            int[] out = shapes.get(shapes.size() - 1);
            projection(in, out);
            return out;
        }

        /** The shortcut's layer for an input of shape {@code in}: null for the identity. */
        public LayerSpec projection(int[] in) {
            List<int[]> shapes = ModelSpec.shapes(in, layers);
            return projection(in, shapes.get(shapes.size() - 1));
        }

        private static LayerSpec projection(int[] in, int[] out) {
            if (java.util.Arrays.equals(in, out)) {
                return null;
            }
            if (in.length == 1 && out.length == 1) {
                return new Dense(out[0], "glorot");
            }
            if (in.length == 1 || out.length == 1) {
                throw new IllegalArgumentException("the body maps " + java.util.Arrays.toString(in) + " to "
                        + java.util.Arrays.toString(out) + "; a shortcut joins images to images or vectors to vectors");
            }
            int[] chw = Shapes.chw(in, "residual");
            int[] outChw = Shapes.chw(out, "residual");
            for (int stride = 1; stride <= Math.max(chw[1], chw[2]); stride++) {
                if ((chw[1] - 1) / stride + 1 == outChw[1] && (chw[2] - 1) / stride + 1 == outChw[2]) {
                    return new Conv2d(outChw[0], 1, 1, stride, 0, "glorot");
                }
            }
            throw new IllegalArgumentException("the body maps " + java.util.Arrays.toString(in) + " to "
                    + java.util.Arrays.toString(out) + ", which no strided 1x1 convolution of the input matches; "
                    + "keep the size or shrink it by a stride (e.g. padding = kernel / 2 in the body)");
        }

        @Override
        public long paramCount(int[] in) {
            List<int[]> shapes = ModelSpec.shapes(in, layers);
            long n = 0;
            for (int i = 0; i < layers.size(); i++) {
                n += layers.get(i).paramCount(shapes.get(i));
            }
            LayerSpec p = projection(in, shapes.get(shapes.size() - 1));
            return p == null ? n : n + p.paramCount(in);
        }

        @Override
        public long stateCount(int[] in) {
            List<int[]> shapes = ModelSpec.shapes(in, layers);
            long n = 0;
            for (int i = 0; i < layers.size(); i++) {
                n += layers.get(i).stateCount(shapes.get(i));
            }
            return n;
        }
    }
}
