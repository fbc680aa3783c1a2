package org.sparknn.nn;

/**
 * Runtime state of one layer. Activations are row-major [n x outputSize]. Each layer owns its
 * output and input-gradient buffers (reused across calls), so a returned array is valid until
 * the layer's next call and may be longer than n * size.
 */
public interface Layer {
    int outputSize();

    /** Sets initial parameter values (keyed by the seed and the layer, not by call order). */
    default void initialize(long seed) {
    }

    float[] forward(float[] input, int n, Pass pass);

    /**
     * Given dLoss/dOutput of the last forward pass, adds this layer's parameter gradients into
     * the store and returns dLoss/dInput (null when {@code needInputGrad} is false).
     */
    float[] backward(float[] gradOutput, int n, boolean needInputGrad);

    static float[] ensure(float[] buffer, int length) {
        return buffer != null && buffer.length >= length ? buffer : new float[length];
    }
}
