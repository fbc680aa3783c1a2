package org.sparknn.optim;

import org.sparknn.nn.ParamBlock;
import org.sparknn.nn.ParamGroup;

import java.util.List;

/**
 * Penalties and constraints on the parameters, applied once per optimizer step on the mean
 * gradient. Penalty: l1 * sum|w| + l2/2 * sum w^2 over the regularized blocks (weights; biases and
 * BN gamma/beta only when asked), so its gradient is l1 sign(w) + l2 w.
 * L1 is applied either as that subgradient, or (proximal) as a soft-threshold after the
 * optimizer step, w <- sign(w) max(|w| - lr l1, 0), which sets small weights exactly to zero.
 * Max-norm rescales each unit's incoming weight vector to norm at most c.
 */
public record Regularization(double l1, double l2, boolean l1Proximal, double maxNorm,
                             boolean regularizeBiases, boolean regularizeBatchNorm) {

    public static Regularization none() {
        return new Regularization(0, 0, true, 0, false, false);
    }

    public boolean applies(ParamBlock b) {
        return switch (b.group()) {
            case WEIGHT -> true;
            case BIAS -> regularizeBiases;
            case BN_GAMMA, BN_BETA -> regularizeBatchNorm;
        };
    }

    /** Penalty value for the reported loss. */
    public double penalty(float[] w, List<ParamBlock> blocks) {
        if (l1 == 0 && l2 == 0) {
            return 0;
        }
        double abs = 0;
        double sq = 0;
        for (ParamBlock b : blocks) {
            if (!applies(b)) {
                continue;
            }
            for (int i = b.offset(); i < b.end(); i++) {
                abs += Math.abs(w[i]);
                sq += (double) w[i] * w[i];
            }
        }
        return l1 * abs + 0.5 * l2 * sq;
    }

    /** g += l2 w (+ l1 sign(w) when L1 is not proximal). */
    public void addGradient(float[] w, float[] g, List<ParamBlock> blocks) {
        addGradient(w, g, blocks, 0, Integer.MAX_VALUE);
    }

    /** {@link #addGradient(float[], float[], List)} on the parameters in [lo, hi) only. */
    public void addGradient(float[] w, float[] g, List<ParamBlock> blocks, int lo, int hi) {
        float l2f = (float) l2;
        float l1Sub = l1Proximal ? 0f : (float) l1;
        if (l2f == 0 && l1Sub == 0) {
            return;
        }
        for (ParamBlock b : blocks) {
            if (!applies(b)) {
                continue;
            }
            for (int i = Math.max(lo, b.offset()); i < Math.min(hi, b.end()); i++) {
                g[i] += l2f * w[i] + l1Sub * Math.signum(w[i]);
            }
        }
    }

    /** Proximal L1 step with threshold lr * l1 (after the optimizer update). */
    public void proximalL1(float[] w, List<ParamBlock> blocks, double lr) {
        proximalL1(w, blocks, lr, 0, Integer.MAX_VALUE);
    }

    /** {@link #proximalL1(float[], List, double)} on the parameters in [lo, hi) only. */
    public void proximalL1(float[] w, List<ParamBlock> blocks, double lr, int lo, int hi) {
        if (!l1Proximal || l1 == 0) {
            return;
        }
        float threshold = (float) (lr * l1);
        for (ParamBlock b : blocks) {
            if (!applies(b)) {
                continue;
            }
            for (int i = Math.max(lo, b.offset()); i < Math.min(hi, b.end()); i++) {
                float v = w[i];
                w[i] = v > threshold ? v - threshold : v < -threshold ? v + threshold : 0f;
            }
        }
    }

    /** Whether {@link #applyMaxNorm} acts: it needs every weight of a unit at once. */
    public boolean maxNormOn() {
        return maxNorm > 0;
    }

    /** Rescales each unit's incoming weight vector whose L2 norm exceeds maxNorm. */
    public void applyMaxNorm(float[] w, List<ParamBlock> blocks) {
        if (maxNorm <= 0) {
            return;
        }
        for (ParamBlock b : blocks) {
            if (b.group() != ParamGroup.WEIGHT) {
                continue;
            }
            if (b.inputMajor()) {
                maxNormInputMajor(w, b);
                continue;
            }
            for (int u = 0; u < b.units(); u++) {
                int from = b.offset() + u * b.fanIn();
                double sq = 0;
                for (int i = from; i < from + b.fanIn(); i++) {
                    sq += (double) w[i] * w[i];
                }
                double norm = Math.sqrt(sq);
                if (norm > maxNorm) {
                    float scale = (float) (maxNorm / norm);
                    for (int i = from; i < from + b.fanIn(); i++) {
                        w[i] *= scale;
                    }
                }
            }
        }
    }

    /** Max-norm over a block stored input by input: the same sums, in the same order per unit, read in two passes over the rows. */
    private void maxNormInputMajor(float[] w, ParamBlock b) {
        int units = b.units();
        double[] sq = new double[units];
        for (int j = 0; j < b.fanIn(); j++) {
            int row = b.offset() + j * units;
            for (int u = 0; u < units; u++) {
                sq[u] += (double) w[row + u] * w[row + u];
            }
        }
        float[] scale = new float[units];
        boolean any = false;
        for (int u = 0; u < units; u++) {
            double norm = Math.sqrt(sq[u]);
            scale[u] = norm > maxNorm ? (float) (maxNorm / norm) : 1f;
            any |= norm > maxNorm;
        }
        if (!any) {
            return;
        }
        for (int j = 0; j < b.fanIn(); j++) {
            int row = b.offset() + j * units;
            for (int u = 0; u < units; u++) {
                if (scale[u] != 1f) {
                    w[row + u] *= scale[u];
                }
            }
        }
    }

    /** Share of weights (WEIGHT blocks) that are exactly zero. */
    public static double sparsity(float[] w, List<ParamBlock> blocks) {
        long zeros = 0;
        long total = 0;
        for (ParamBlock b : blocks) {
            if (b.group() != ParamGroup.WEIGHT) {
                continue;
            }
            for (int i = b.offset(); i < b.end(); i++) {
                if (w[i] == 0f) {
                    zeros++;
                }
            }
            total += b.length();
        }
        return total == 0 ? 0 : (double) zeros / total;
    }
}
