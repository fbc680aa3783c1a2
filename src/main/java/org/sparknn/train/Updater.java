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
     * Whether a step can be applied in slices of the parameters ({@link #beginSlicedStep}, then
     * {@link #applySlice} on each): every part of it acts element by element, so no gradient
     * clipping (a norm over all gradients) and no max-norm (a norm over each unit's weights).
     */
    public boolean sliceable() {
        return clipNorm <= 0 && !regularization.maxNormOn();
    }

    /** A step applied in slices, part 1, once per step: returns its learning rate and advances the optimizer's step count. */
    public double beginSlicedStep() {
        double lr = schedule.at(optimizer.steps());
        optimizer.beginStep();
        return lr;
    }

    /**
     * {@link #apply(float[], float[])} on the parameters in [lo, hi) only, after {@link
     * #beginSlicedStep} returned {@code lr}: every value goes through the same operations in the
     * same order, so the slices of a step together give the bits {@code apply} gives.
     */
    public void applySlice(float[] w, float[] g, int lo, int hi, double lr) {
        regularization.addGradient(w, g, blocks, lo, hi);
        float lrf = (float) lr;
        for (ParamBlock b : blocks) {
            int from = Math.max(lo, b.offset());
            int to = Math.min(hi, b.end());
            if (from < to) {
                optimizer.update(w, g, from, to, lrf, regularization.applies(b) ? weightDecay : 0f);
            }
        }
        regularization.proximalL1(w, blocks, lr, lo, hi);
    }

    /** Told of a non-finite mean gradient; expected to throw. */
    public interface NonFinite {
        void found(int index, float value);
    }

    /** Whether steps can update the first layer's weights row by row ({@link #applySparse}). */
    public boolean sparse() {
        return sparseBlock != null;
    }

    /**
     * The step on sparse input, from the gradient SUM in g over samples whose reciprocal is
     * {@code inv}: g is zero in the first layer's input-major weights outside the rows of
     * {@code touched} (inputs the global batch held; sorted, distinct). Those rows get the full
     * step (penalty gradient, optimizer with its state); every other row only its regularization
     * step, the plain gradient step of the penalty and weight decay (what the dense step does to
     * them with SGD, bit for bit), its optimizer state left as it was. Proximal L1 and max-norm
     * then act on all weights as in the dense step. Every value goes through the same operations
     * in the same order as in {@link #apply(float[], float[])}, but each touched row is scaled,
     * checked and stepped in one visit (rows lie scattered: a pass costs their cache misses).
     *
     * <p>The touched rows' gradients are read from {@code rows} (row k, input touched[k], at
     * rowsFrom + k * units: a compact gradient), or from their own place in g when {@code rows}
     * is null; they are used up: in g they are zero on return.
     */
    public double applySparse(float[] w, float[] g, int[] touched, float[] rows, int rowsFrom, float inv, NonFinite nonFinite) {
        double lr = schedule.at(optimizer.steps());
        ParamBlock sb = sparseBlock;
        int units = sb.units();
        float[] gr = rows == null ? g : rows;
        for (ParamBlock b : otherBlocks) {
            scale(g, b.offset(), b.end(), inv, nonFinite);
        }
        boolean scaled = clipNorm > 0;
        if (scaled) {
            for (int k = 0; k < touched.length; k++) {
                int at = rowAt(touched, k, rows, rowsFrom, units);
                scale(gr, at, at + units, inv, nonFinite);
            }
            clipSparse(g, touched, rows, rowsFrom);
        }
        regularization.addGradient(w, g, otherBlocks);
        float l2f = (float) regularization.l2();
        float l1Sub = regularization.l1Proximal() ? 0f : (float) regularization.l1();
        optimizer.beginStep();
        float lrf = (float) lr;
        for (ParamBlock b : otherBlocks) {
            float decay = regularization.applies(b) ? weightDecay : 0f;
            optimizer.update(w, g, b.offset(), b.end(), lrf, decay);
        }
        for (int k = 0; k < touched.length; k++) {
            int row = sb.offset() + touched[k] * units;
            int at = rowAt(touched, k, rows, rowsFrom, units);
            if (!scaled) {
                scale(gr, at, at + units, inv, nonFinite);
            }
            if (l2f != 0 || l1Sub != 0) {
                for (int i = 0; i < units; i++) {
                    gr[at + i] += l2f * w[row + i] + l1Sub * Math.signum(w[row + i]);
                }
            }
            optimizer.update(w, row, row + units, gr, at, lrf, weightDecay);
            if (rows == null) {
                java.util.Arrays.fill(g, row, row + units, 0f);
            }
        }
        if (l2f != 0 || l1Sub != 0 || weightDecay != 0) {
            regularizeUntouched(w, touched, lrf, l2f, l1Sub);
        }
        regularization.proximalL1(w, blocks, lr);
        regularization.applyMaxNorm(w, blocks);
        return lr;
    }

    private int rowAt(int[] touched, int k, float[] rows, int rowsFrom, int units) {
        return rows == null ? sparseBlock.offset() + touched[k] * units : rowsFrom + k * units;
    }

    private static void scale(float[] g, int from, int to, float inv, NonFinite nonFinite) {
        for (int i = from; i < to; i++) {
            g[i] *= inv;
            if (!Float.isFinite(g[i])) {
                nonFinite.found(i, g[i]);
            }
        }
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

    /** {@link #clip} where only the other blocks and the touched rows can be non-zero, summed in index order as there. */
    private void clipSparse(float[] g, int[] touched, float[] rows, int rowsFrom) {
        double sq = 0;
        for (int pass = 0; pass < 2; pass++) {
            float scale = pass == 0 ? 1f : (float) (clipNorm / Math.sqrt(sq));
            if (pass == 1 && !(Math.sqrt(sq) > clipNorm)) {
                return;
            }
            boolean rowsDone = false;
            for (ParamBlock b : otherBlocks) {
                if (!rowsDone && b.offset() > sparseBlock.offset()) {
                    sq = clipRows(g, touched, rows, rowsFrom, pass, scale, sq);
                    rowsDone = true;
                }
                sq = clipRange(g, b.offset(), b.end(), pass, scale, sq);
            }
            if (!rowsDone) {
                sq = clipRows(g, touched, rows, rowsFrom, pass, scale, sq);
            }
        }
    }

    private double clipRows(float[] g, int[] touched, float[] rows, int rowsFrom, int pass, float scale, double sq) {
        int units = sparseBlock.units();
        for (int k = 0; k < touched.length; k++) {
            int at = rowAt(touched, k, rows, rowsFrom, units);
            sq = clipRange(rows == null ? g : rows, at, at + units, pass, scale, sq);
        }
        return sq;
    }

    /** Pass 0 adds the squares to sq; pass 1 scales. */
    private static double clipRange(float[] g, int from, int to, int pass, float scale, double sq) {
        for (int i = from; i < to; i++) {
            if (pass == 0) {
                sq += (double) g[i] * g[i];
            } else {
                g[i] *= scale;
            }
        }
        return sq;
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
