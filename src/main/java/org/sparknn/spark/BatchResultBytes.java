package org.sparknn.spark;

import org.sparknn.nn.BatchResult;
import org.sparknn.nn.BatchStats;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** A {@link BatchResult} as the all-reduce exchange sends it: little-endian, counts before values. */
final class BatchResultBytes {
    private BatchResultBytes() {}

    /** The size of the largest message a step of this network sends (a non-empty batch, every BN layer). */
    static int maxSize(org.sparknn.nn.Network net) {
        int size = 8 + 8 + 8 + 4;
        for (org.sparknn.nn.BnLayer bn : net.batchNormLayers()) {
            size += 8 + 4 + 16 * bn.features();
        }
        return size;
    }

    static byte[] encode(BatchResult r) {
        int size = 8 + 8 + 8 + 4;
        for (BatchStats s : r.bnStats()) {
            size += 8 + 4 + 16 * s.features();
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(r.count()).putDouble(r.lossSum()).putLong(r.correct()).putInt(r.bnStats().size());
        for (BatchStats s : r.bnStats()) {
            b.putLong(s.count()).putInt(s.features());
            for (int j = 0; j < s.features(); j++) {
                b.putDouble(s.mean()[j]).putDouble(s.m2()[j]);
            }
        }
        return b.array();
    }

    static BatchResult decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long count = b.getLong();
        double loss = b.getDouble();
        long correct = b.getLong();
        int layers = b.getInt();
        List<BatchStats> stats = new ArrayList<>(layers);
        for (int l = 0; l < layers; l++) {
            long n = b.getLong();
            int f = b.getInt();
            double[] mean = new double[f];
            double[] m2 = new double[f];
            for (int j = 0; j < f; j++) {
                mean[j] = b.getDouble();
                m2[j] = b.getDouble();
            }
            stats.add(new BatchStats(n, mean, m2));
        }
        return new BatchResult(loss, count, correct, stats);
    }

    /** The global result of a step from every partition's bytes, merged in partition order. */
    static BatchResult merge(byte[][] perPartition) {
        List<BatchResult> parts = new ArrayList<>(perPartition.length);
        for (byte[] b : perPartition) {
            parts.add(decode(b));
        }
        return BatchResult.merge(parts);
    }
}
