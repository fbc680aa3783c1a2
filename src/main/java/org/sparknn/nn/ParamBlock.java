package org.sparknn.nn;

/**
 * A contiguous range of the flat parameter array. For weight blocks, {@code fanIn} is the length of
 * each unit's incoming weight vector; the block holds length / fanIn such vectors back to back
 * (the max-norm constraint works on them).
 */
public record ParamBlock(int layerIndex, String name, ParamGroup group, int offset, int length, int fanIn) {
    public int end() {
        return offset + length;
    }

    public int units() {
        return length / fanIn;
    }
}
