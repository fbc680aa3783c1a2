package org.sparknn.nn;

/** The training loss of a model; names as written in model specs. */
public enum LossKind {
    /** -log p(label) over a softmax output; labels are class indices. */
    SOFTMAX_CROSS_ENTROPY,
    /** -(t log p + (1-t) log(1-p)) per sigmoid output, averaged over outputs; targets in [0, 1]. */
    BINARY_CROSS_ENTROPY,
    /** L2 loss: squared error averaged over outputs. */
    MSE,
    /** L1 loss: absolute error averaged over outputs. */
    MAE;

    /** Number of label values per sample for a network with {@code outputs} outputs. */
    public int labelWidth(int outputs) {
        return this == SOFTMAX_CROSS_ENTROPY ? 1 : outputs;
    }
}
