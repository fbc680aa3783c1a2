package org.sparknn.optim;

/**
 * Learning rate as a function of the optimizer step (0-based). Epoch-based settings are
 * converted to steps with the number of steps per epoch.
 */
public interface LrSchedule {
    double at(long step);

    static LrSchedule constant(double lr) {
        return step -> lr;
    }

    /** lr * gamma^floor(step / every). */
    static LrSchedule stepDecay(double lr, long every, double gamma) {
        return step -> lr * Math.pow(gamma, step / every);
    }

    /** lr * gamma^(step / stepsPerEpoch): a factor gamma per epoch, applied smoothly. */
    static LrSchedule exponential(double lr, double gamma, long stepsPerEpoch) {
        return step -> lr * Math.pow(gamma, (double) step / stepsPerEpoch);
    }

    /** Cosine annealing from lr to minLr over totalSteps, then minLr. */
    static LrSchedule cosine(double lr, double minLr, long totalSteps) {
        return step -> {
            double progress = Math.min(1.0, (double) step / Math.max(1, totalSteps));
            return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
        };
    }

    /**
     * Linear warm-up to the schedule's first rate: step s < warmupSteps gets
     * after.at(0) * (s + 1) / warmupSteps (never zero); then the schedule runs from its own step 0.
     */
    static LrSchedule warmup(long warmupSteps, LrSchedule after) {
        return step -> step < warmupSteps ? after.at(0) * (step + 1) / warmupSteps : after.at(step - warmupSteps);
    }
}
