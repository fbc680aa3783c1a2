package org.sparknn.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * All trainable parameters and their gradients in one flat float[] each (so broadcast is one
 * array and aggregation one array sum), plus one flat array of non-trained state (BN population
 * statistics). Layers reserve ranges while the network is built and read the arrays through
 * this store.
 */
public final class ParamStore {
    private final List<ParamBlock> blocks = new ArrayList<>();
    private int size;
    private int stateSize;
    private float[] values;
    private float[] grads;
    private float[] state;
    private int owner = -1;

    /** Reserves a block and returns its offset; only before {@link #allocate()}. */
    public int reserve(int layerIndex, String name, ParamGroup group, int length, int fanIn) {
        return reserve(layerIndex, name, group, length, fanIn, false);
    }

    /** {@link #reserve(int, String, ParamGroup, int, int)} of a weight block laid out input by input when {@code inputMajor}. */
    public int reserve(int layerIndex, String name, ParamGroup group, int length, int fanIn, boolean inputMajor) {
        if (values != null) {
            throw new IllegalStateException("parameters already allocated");
        }
        int offset = size;
        blocks.add(new ParamBlock(owner >= 0 ? owner : layerIndex, name, group, offset, length, fanIn, inputMajor));
        size += length;
        return offset;
    }

    /**
     * While the parts of a composite layer (a residual block) are built, their blocks belong to
     * the composite's index in the network: backward progress is reported per network layer.
     * -1 ends it.
     */
    void ownedBy(int layerIndex) {
        owner = layerIndex;
    }

    /** Reserves a range of non-trained state and returns its offset. */
    public int reserveState(int length) {
        if (values != null) {
            throw new IllegalStateException("parameters already allocated");
        }
        int offset = stateSize;
        stateSize += length;
        return offset;
    }

    void allocate() {
        values = new float[size];
        grads = new float[size];
        state = new float[stateSize];
    }

    public int size() {
        return size;
    }

    public int stateSize() {
        return stateSize;
    }

    public float[] values() {
        return values;
    }

    public float[] grads() {
        return grads;
    }

    public float[] state() {
        return state;
    }

    public List<ParamBlock> blocks() {
        return Collections.unmodifiableList(blocks);
    }

    /** Copies a full parameter vector in (e.g. weights shipped from the driver). */
    public void setValues(float[] src) {
        requireLength("parameter", src.length, size);
        System.arraycopy(src, 0, values, 0, size);
    }

    public void setState(float[] src) {
        requireLength("state", src.length, stateSize);
        System.arraycopy(src, 0, state, 0, stateSize);
    }

    public void zeroGrads() {
        java.util.Arrays.fill(grads, 0f);
    }

    /** Zeroes the gradients outside [from, to) (a range its owner zeroes where it wrote). */
    public void zeroGradsOutside(int from, int to) {
        java.util.Arrays.fill(grads, 0, from, 0f);
        java.util.Arrays.fill(grads, to, size, 0f);
    }

    private static void requireLength(String what, int got, int expected) {
        if (got != expected) {
            throw new IllegalArgumentException(what + " vector has " + got + " values, the network needs " + expected);
        }
    }
}
