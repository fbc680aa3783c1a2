package org.sparknn.optim;

import java.util.List;

/**
 * An element-wise optimizer over flat parameter arrays; it owns its state (moments, squared
 * gradient sums) as flat arrays of the same length as the parameters.
 */
public interface Optimizer {
    String name();

    /** Starts a new step: advances the step count used for bias correction. Call once per step. */
    void beginStep();

    /**
     * Updates w[from, to) in place from the gradient g. {@code decay} is the decoupled weight
     * decay coefficient for this range: w <- w - lr * (update + decay * w), with w taken before
     * the update.
     */
    void update(float[] w, float[] g, int from, int to, float lr, float decay);

    /**
     * {@link #update(float[], float[], int, int, float, float)} with the gradient of w[i] at
     * g[i - from + gFrom] (a row of a compact gradient); optimizer state is indexed like w. A
     * loop of its own: with two offsets the JIT cannot rule out that w and g overlap, so it does
     * not vectorize it, and the same-index loop must stay as it is.
     */
    void update(float[] w, int from, int to, float[] g, int gFrom, float lr, float decay);

    /** Steps taken so far. */
    long steps();

    /** The state arrays, in a fixed order (for checkpoints and parameter averaging). */
    List<float[]> state();

    /** Restores the state (arrays copied in, same order and lengths as {@link #state()}). */
    default void restore(long steps, List<float[]> state) {
        List<float[]> own = state();
        if (own.size() != state.size()) {
            throw new IllegalArgumentException(name() + " has " + own.size() + " state arrays, got " + state.size());
        }
        for (int i = 0; i < own.size(); i++) {
            if (own.get(i).length != state.get(i).length) {
                throw new IllegalArgumentException(name() + " state array " + i + " has length " + own.get(i).length
                        + ", got " + state.get(i).length);
            }
            System.arraycopy(state.get(i), 0, own.get(i), 0, own.get(i).length);
        }
        setSteps(steps);
    }

    void setSteps(long steps);
}
