package org.sparknn.nn;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import org.sparknn.config.Range;

/**
 * Immutable description of a layer: its kind and hyper-parameters. Shapes are inferred from the
 * previous layer when the network is built. Serializes to JSON as {"type": "dense", ...}.
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
})
public sealed interface LayerSpec {

    /** Output width of the layer for an input of width {@code in} (the same as the input unless it reshapes). */
    default int outputSize(int in) {
        return in;
    }

    /** Trained parameters the layer holds for an input of width {@code in}. */
    default long paramCount(int in) {
        return 0;
    }

    /** Non-trained state values (BN population statistics) for an input of width {@code in}. */
    default long stateCount(int in) {
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
        public int outputSize(int in) {
            return units;
        }

        @Override
        public long paramCount(int in) {
            return (long) units * in + units;
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
        public long paramCount(int in) {
            return 2L * in; // gamma, beta
        }

        @Override
        public long stateCount(int in) {
            return 2L * in; // population mean, variance
        }
    }

    record Flatten() implements LayerSpec {
    }
}
