package org.sparknn.spark;

import org.sparknn.nn.BatchStats;
import org.sparknn.nn.BnSync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Synchronized BN over the all-reduce's peers: each exchange is a step of the {@link PeerExchange}
 * with no gradient and this task's figures (statistics or sums, in double), and every task
 * combines all partitions' figures in partition order, so all get the same result bit for bit.
 */
final class PeerBnSync implements BnSync {
    private static final float[] NO_GRADIENT = new float[0];
    private final PeerExchange peers;

    PeerBnSync(PeerExchange peers) {
        this.peers = peers;
    }

    @Override
    public BatchStats globalStats(BatchStats local) {
        int f = local.features();
        ByteBuffer out = ByteBuffer.allocate(8 + 16 * f).order(ByteOrder.LITTLE_ENDIAN).putLong(local.count());
        for (int j = 0; j < f; j++) {
            out.putDouble(local.mean()[j]).putDouble(local.m2()[j]);
        }
        byte[][] all = peers.allReduce(NO_GRADIENT, 0, out.array());
        List<BatchStats> parts = new ArrayList<>(all.length);
        for (int q = 0; q < all.length; q++) {
            ByteBuffer b = wrap(all[q], 8 + 16 * f, q);
            long count = b.getLong();
            double[] mean = new double[f];
            double[] m2 = new double[f];
            for (int j = 0; j < f; j++) {
                mean[j] = b.getDouble();
                m2[j] = b.getDouble();
            }
            parts.add(new BatchStats(count, mean, m2));
        }
        return BatchStats.mergeAll(parts);
    }

    @Override
    public double[] globalSums(double[] local) {
        ByteBuffer out = ByteBuffer.allocate(8 * local.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : local) {
            out.putDouble(v);
        }
        byte[][] all = peers.allReduce(NO_GRADIENT, 0, out.array());
        double[] sum = new double[local.length];
        for (int q = 0; q < all.length; q++) {
            ByteBuffer b = wrap(all[q], 8 * local.length, q);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += b.getDouble();
            }
        }
        return sum;
    }

    /** A partition's figures, checked to be as long as this layer's (the peers run the same network). */
    private static ByteBuffer wrap(byte[] figures, int expected, int partition) {
        if (figures.length != expected) {
            throw new IllegalStateException("synchronized BN: partition " + partition + " sent " + figures.length
                    + " bytes where this layer's figures take " + expected + " (do all workers run the same network?)");
        }
        return ByteBuffer.wrap(figures).order(ByteOrder.LITTLE_ENDIAN);
    }
}
