package org.sparknn.train;

import org.sparknn.nn.ParamBlock;
import org.sparknn.nn.ParamStore;
import org.sparknn.optim.LrSchedule;
import org.sparknn.optim.Optimizer;
import org.sparknn.optim.Regularization;

import java.util.List;

/**
 * The parameter update of one training step, given the mean data gradient of the global batch:
 * the gradient clipped to clipNorm (when set), L2 (and subgradient L1) added to it, the optimizer step with decoupled weight decay,
 * the proximal L1 step, then max-norm. Runs once per step, wherever the gradient was computed.
 */
public final class Updater {
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final Regularization regularization;
    private final float weightDecay;
    private final double clipNorm;
    private final List<ParamBlock> blocks;

    public Updater(TrainConfig config, ParamStore store, long stepsPerEpoch) {
        this.optimizer = config.newOptimizer(store.size());
        this.schedule = config.newSchedule(stepsPerEpoch);
        this.regularization = config.regularization();
        this.weightDecay = (float) (double) config.get(TrainConfig.WEIGHT_DECAY);
        this.clipNorm = config.get(TrainConfig.CLIP_NORM);
        this.blocks = store.blocks();
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Regularization regularization() {
        return regularization;
    }

    /** Learning rate of the next step. */
    public double nextLearningRate() {
        return schedule.at(optimizer.steps());
    }

    /** Penalty of the current weights (for the reported loss). */
    public double penalty(float[] w) {
        return regularization.penalty(w, blocks);
    }

    /**
     * Applies one step to w in place; g holds the mean data gradient and receives the penalty
     * gradient. Returns the learning rate used.
     */
    public double apply(float[] w, float[] g) {
        double lr = schedule.at(optimizer.steps());
        clip(g);
        regularization.addGradient(w, g, blocks);
        optimizer.beginStep();
        float lrf = (float) lr;
        for (ParamBlock b : blocks) {
            float decay = regularization.applies(b) ? weightDecay : 0f;
            optimizer.update(w, g, b.offset(), b.end(), lrf, decay);
        }
        regularization.proximalL1(w, blocks, lr);
        regularization.applyMaxNorm(w, blocks);
        return lr;
    }

    /** Scales the data gradient down to L2 norm clipNorm when it is longer (over all parameters at once). */
    private void clip(float[] g) {
        if (clipNorm <= 0) {
            return;
        }
        double sq = 0;
        for (float v : g) {
            sq += (double) v * v;
        }
        double norm = Math.sqrt(sq);
        if (norm > clipNorm) {
            float scale = (float) (clipNorm / norm);
            for (int i = 0; i < g.length; i++) {
                g[i] *= scale;
            }
        }
    }
}
