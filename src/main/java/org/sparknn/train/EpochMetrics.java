package org.sparknn.train;

/**
 * Figures of one epoch. Training loss is the mean data loss over the epoch's batches plus the
 * mean penalty; training accuracy is counted on the training batches as they were trained
 * (dropout on); validation figures are NaN when there is no validation set.
 */
public record EpochMetrics(int epoch, long step, double trainLoss, double trainAccuracy,
                           double validationLoss, double validationAccuracy, double learningRate,
                           double samplesPerSecond, double elapsedSeconds, double etaSeconds,
                           double weightSparsity) {

    public String toJson() {
        return String.format(java.util.Locale.ROOT,
                "{\"epoch\":%d,\"step\":%d,\"trainLoss\":%s,\"trainAccuracy\":%s,\"validationLoss\":%s,"
                        + "\"validationAccuracy\":%s,\"learningRate\":%s,\"samplesPerSecond\":%s,"
                        + "\"elapsedSeconds\":%s,\"etaSeconds\":%s,\"weightSparsity\":%s}",
                epoch, step, num(trainLoss), num(trainAccuracy), num(validationLoss), num(validationAccuracy),
                num(learningRate), num(samplesPerSecond), num(elapsedSeconds), num(etaSeconds), num(weightSparsity));
    }

    /** One line for the console; figures that do not exist (no validation set) are left out. */
    public String toLine() {
        String validation = Double.isNaN(validationLoss) ? ""
                : String.format(java.util.Locale.ROOT, "  val loss %.4f  val acc %.4f", validationLoss, validationAccuracy);
        return String.format(java.util.Locale.ROOT, "epoch %3d  step %6d  loss %.4f  train acc %.4f%s  lr %.2e  %,.0f samples/s  "
                        + "elapsed %.1fs  ETA %.1fs", epoch, step, trainLoss, trainAccuracy, validation, learningRate,
                samplesPerSecond, elapsedSeconds, etaSeconds);
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }
}
