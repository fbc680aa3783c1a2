package org.sparknn.train;

/**
 * Training produced a non-finite gradient or weight: the run stops there (no model is written;
 * checkpoints of earlier epochs stay), with the step, the first layer where it appeared and the
 * learning rate.
 */
public final class TrainingDivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message);
    }
}
