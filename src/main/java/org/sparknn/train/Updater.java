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
    /** On sparse input: the first layer's input-major weights, which a step updates row by row (null otherwise). */
    private final ParamBlock sparseBlock;
    private final List<ParamBlock> otherBlocks;

    public Updater(TrainConfig config, ParamStore store, long stepsPerEpoch) {
        this.optimizer = config.newOptimizer(store.size());
        this.schedule = config.newSchedule(stepsPerEpoch);
        this.regularization = config.regularization();
        this.weightDecay = (float) (double) config.get(TrainConfig.WEIGHT_DECAY);
        this.clipNorm = config.get(TrainConfig.CLIP_NORM);
        this.blocks = store.blocks();
        this.sparseBlock = blocks.stream().filter(ParamBlock::inputMajor).findFirst().orElse(null);
        this.otherBlocks = blocks.stream().filter(b -> b != sparseBlock).toList();
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

    /**
     * {@link #apply(float[], float[])} on sparse input, where the gradient of the first layer's
     * input-major weights is zero outside the rows of {@code touched} (inputs the global batch
     * held; sorted, distinct): those rows get the full step (penalty gradient, optimizer with its
     * state); every other row only its regularization step, the plain gradient step of the
     * penalty and weight decay (what the dense step does to them with SGD, bit for bit), its
     * optimizer state left as it was. Proximal L1 and max-norm then act on all weights as in the
     * dense step. With {@code touched} null, or no sparse block, this is the dense step.
     */
    public double apply(float[] w, float[] g, int[] touched) {
        if (touched == null || sparseBlock == null) {
            return apply(w, g);
        }
        double lr = schedule.at(optimizer.steps());
        ParamBlock sb = sparseBlock;
        int units = sb.units();
        clipSparse(g, touched);
        regularization.addGradient(w, g, otherBlocks);
        float l2f = (float) regularization.l2();
        float l1Sub = regularization.l1Proximal() ? 0f : (float) regularization.l1();
        if (l2f != 0 || l1Sub != 0) {
            for (int j : touched) {
                int row = sb.offset() + j * units;
                for (int i = row; i < row + units; i++) {
                    g[i] += l2f * w[i] + l1Sub * Math.signum(w[i]);
                }
            }
        }
        optimizer.beginStep();
        float lrf = (float) lr;
        for (ParamBlock b : otherBlocks) {
            float decay = regularization.applies(b) ? weightDecay : 0f;
            optimizer.update(w, g, b.offset(), b.end(), lrf, decay);
        }
        for (int j : touched) {
            int row = sb.offset() + j * units;
            optimizer.update(w, g, row, row + units, lrf, weightDecay);
        }
        if (l2f != 0 || l1Sub != 0 || weightDecay != 0) {
            regularizeUntouched(w, touched, lrf, l2f, l1Sub);
        }
        regularization.proximalL1(w, blocks, lr);
        regularization.applyMaxNorm(w, blocks);
        return lr;
    }

    /** The regularization step of the sparse block's rows outside {@code touched}: what SGD does to a weight whose data gradient is zero. */
    private void regularizeUntouched(float[] w, int[] touched, float lr, float l2f, float l1Sub) {
        ParamBlock sb = sparseBlock;
        int units = sb.units();
        int next = 0;
        for (int j = 0; j < sb.fanIn(); j++) {
            if (next < touched.length && touched[next] == j) {
                next++;
                continue;
            }
            int row = sb.offset() + j * units;
            for (int i = row; i < row + units; i++) {
                float wi = w[i];
                float gi = 0f + (l2f * wi + l1Sub * Math.signum(wi));
                w[i] = wi - lr * (gi + weightDecay * wi);
            }
        }
    }

    /** {@link #clip} where only the other blocks and the touched rows of the sparse block can be non-zero (summed in index order, as there). */
    private void clipSparse(float[] g, int[] touched) {
        if (clipNorm <= 0) {
            return;
        }
        double[] sq = {0};
        forEachRange(touched, (from, to) -> {
            for (int i = from; i < to; i++) {
                sq[0] += (double) g[i] * g[i];
            }
        });
        double norm = Math.sqrt(sq[0]);
        if (norm > clipNorm) {
            float scale = (float) (clipNorm / norm);
            forEachRange(touched, (from, to) -> {
                for (int i = from; i < to; i++) {
                    g[i] *= scale;
                }
            });
        }
    }

    /** A range [from, to) of the flat parameter array. */
    public interface Range {
        void accept(int from, int to);
    }

    /**
     * In index order, the ranges of the gradient a step on sparse input can have written: every
     * block but the sparse one, and of that one the rows of {@code touched}. Everything when dense.
     */
    public void forEachRange(int[] touched, Range range) {
        if (touched == null || sparseBlock == null) {
            range.accept(0, blocks.isEmpty() ? 0 : blocks.get(blocks.size() - 1).end());
            return;
        }
        int units = sparseBlock.units();
        boolean sparseDone = false;
        for (ParamBlock b : otherBlocks) {
            if (!sparseDone && b.offset() > sparseBlock.offset()) {
                touchedRows(touched, units, range);
                sparseDone = true;
            }
            range.accept(b.offset(), b.end());
        }
        if (!sparseDone) {
            touchedRows(touched, units, range);
        }
    }

    private void touchedRows(int[] touched, int units, Range range) {
        for (int j : touched) {
            int row = sparseBlock.offset() + j * units;
            range.accept(row, row + units);
        }
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
