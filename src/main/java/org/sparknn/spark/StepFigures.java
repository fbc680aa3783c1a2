package org.sparknn.spark;

import org.sparknn.nn.BatchResult;
import org.sparknn.nn.BatchStats;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The small per-partition figures of a step (count, loss, correct, BN statistics) as the all-reduce exchange sends them. */
record StepFigures(long count, double lossSum, long correct, List<BatchStats> bnStats) {

    static byte[] encode(BatchResult r) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeLong(r.count());
            out.writeDouble(r.lossSum());
            out.writeLong(r.correct());
            out.writeInt(r.bnStats().size());
            for (BatchStats s : r.bnStats()) {
                out.writeLong(s.count());
                out.writeInt(s.features());
                for (int j = 0; j < s.features(); j++) {
                    out.writeDouble(s.mean()[j]);
                    out.writeDouble(s.m2()[j]);
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static StepFigures decode(byte[] b) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
            long count = in.readLong();
            double loss = in.readDouble();
            long correct = in.readLong();
            int layers = in.readInt();
            List<BatchStats> stats = new ArrayList<>(layers);
            for (int l = 0; l < layers; l++) {
                long n = in.readLong();
                int f = in.readInt();
                double[] mean = new double[f];
                double[] m2 = new double[f];
                for (int j = 0; j < f; j++) {
                    mean[j] = in.readDouble();
                    m2[j] = in.readDouble();
                }
                stats.add(new BatchStats(n, mean, m2));
            }
            return new StepFigures(count, loss, correct, stats);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The global figures, merged in partition order exactly as the driver-side aggregation does. */
    static StepFigures merge(byte[][] perPartition) {
        long count = 0;
        double loss = 0;
        long correct = 0;
        List<List<BatchStats>> bn = new ArrayList<>();
        for (byte[] b : perPartition) {
            StepFigures f = decode(b);
            if (f.count() == 0) {
                continue;
            }
            count += f.count();
            loss += f.lossSum();
            correct += f.correct();
            bn.add(f.bnStats());
        }
        List<BatchStats> merged = new ArrayList<>();
        if (!bn.isEmpty()) {
            for (int l = 0; l < bn.get(0).size(); l++) {
                List<BatchStats> layer = new ArrayList<>();
                for (List<BatchStats> part : bn) {
                    layer.add(part.get(l));
                }
                merged.add(BatchStats.mergeAll(layer));
            }
        }
        return new StepFigures(count, loss, correct, merged);
    }
}
