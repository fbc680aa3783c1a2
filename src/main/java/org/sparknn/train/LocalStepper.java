package org.sparknn.train;

import org.sparknn.data.ShardRows;

import org.sparknn.nn.BatchResult;
import org.sparknn.nn.BatchStats;
import org.sparknn.nn.BnPopulation;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;

import java.util.ArrayList;
import java.util.List;

/**
 * One worker's part of a training step, written once for every trainer (the single-JVM
 * reference, the driver and all-reduce exchanges, local SGD): take this shard's share of the
 * global batch from its rows in the epoch's order and compute the gradient sum over it. Also the
 * exact BN pass over the same batches. Training steps apply the run's {@link Augmentation} to the
 * gathered rows; the BN pass does not.
 */
public final class LocalStepper {
    private final Network net;
    private final BatchPlan plan;
    private final int shard;
    private final long seed;
    private final Augmentation augmentation;
    private final Batches batch;
    private EpochOrder order;

    /** A stepper without augmentation. */
    public LocalStepper(Network net, BatchPlan plan, int shard, long seed) {
        this(net, plan, shard, seed, Augmentation.NONE);
    }

    public LocalStepper(Network net, BatchPlan plan, int shard, long seed, Augmentation augmentation) {
        this.net = net;
        this.plan = plan;
        this.shard = shard;
        this.seed = seed;
        this.augmentation = augmentation;
        this.batch = new Batches(plan.localBatch(shard), net.inputSize(), net.labelWidth());
    }

    public Network net() {
        return net;
    }

    public BatchPlan plan() {
        return plan;
    }

    /**
     * Leaves the gradient SUM of this shard's rows of global step {@code globalStep} (step
     * {@code stepInEpoch} of {@code epoch}) in the network's grads. A shard whose rows are used
     * up contributes zero gradients and an empty result.
     */
    public BatchResult gradientSum(ShardRows rows, int epoch, long stepInEpoch, long globalStep) {
        return gradientSum(rows, epoch, stepInEpoch, globalStep, null);
    }

    /** {@link #gradientSum(ShardRows, int, long, long)}, reporting progress (see {@link Network.BackwardProgress}; may be null). */
    public BatchResult gradientSum(ShardRows rows, int epoch, long stepInEpoch, long globalStep, Network.BackwardProgress progress) {
        int n = plan.count(shard, stepInEpoch);
        if (n == 0) {
            net.zeroGrads();
            net.skipBatchNormSync();
            if (progress != null) {
                progress.forwardDone(BatchResult.EMPTY);
                progress.gradientsFinalFrom(0);
            }
            return BatchResult.EMPTY;
        }
        batch.gather(rows, order(epoch), plan.from(shard, stepInEpoch), n);
        if (augmentation.active()) {
            augmentation.apply(batch.x(), batch.ids, n, seed, globalStep); // x() refuses sparse rows
        }
        return batch.gradientSum(net, n, Pass.train(seed, globalStep, batch.ids), progress);
    }

    /**
     * The exact BN estimator's sums over one pass of this shard's batches (in the order reserved
     * for this pass, epoch -1) with the current weights, dropout off.
     */
    public BnPopulation.Exact bnPass(ShardRows rows) {
        BnPopulation.Exact exact = new BnPopulation.Exact(net.batchNormLayers());
        EpochOrder passOrder = plan.order(-1, shard);
        for (long s = 0; s < plan.stepsPerEpoch(); s++) {
            int n = plan.count(shard, s);
            if (n == 0) {
                break;
            }
            batch.gather(rows, passOrder, plan.from(shard, s), n);
            batch.forward(net, n, Pass.bnStatistics());
            List<BatchStats> stats = new ArrayList<>();
            net.batchNormLayers().forEach(bn -> stats.add(bn.lastStats()));
            exact.add(stats);
        }
        return exact;
    }

    private EpochOrder order(int epoch) {
        if (order == null || order.epoch() != epoch) {
            order = plan.order(epoch, shard);
        }
        return order;
    }
}
