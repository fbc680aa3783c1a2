package org.sparknn.nn;

/**
 * A contiguous range of the flat parameter array. For weight blocks, {@code fanIn} is the length of
 * each unit's incoming weight vector. The block holds length / fanIn such vectors back to back,
 * or, when {@code inputMajor}, input by input: the weights of one input to every unit are
 * contiguous (the first layer of a network on sparse input, see {@link ModelSpec#sparseInput()}).
 * The max-norm constraint works on the unit vectors either way ({@link #weightIndex}).
 */
public record ParamBlock(int layerIndex, String name, ParamGroup group, int offset, int length, int fanIn, boolean inputMajor) {
    public ParamBlock(int layerIndex, String name, ParamGroup group, int offset, int length, int fanIn) {
        this(layerIndex, name, group, offset, length, fanIn, false);
    }

    public int end() {
        return offset + length;
    }

    public int units() {
        return length / fanIn;
    }

    /** Index in the flat array of unit u's weight from input j. */
    public int weightIndex(int u, int j) {
        return inputMajor ? offset + j * units() + u : offset + u * fanIn + j;
    }
}
