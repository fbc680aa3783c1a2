package org.sparknn.spark;

import org.sparknn.nn.BatchStats;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** The BN sufficient statistics of one local batch, one entry per BN layer, as task results carry them. */
public record BnStatsWire(long[] count, double[][] mean, double[][] m2) implements Serializable {

    public static BnStatsWire of(List<BatchStats> stats) {
        int l = stats.size();
        long[] count = new long[l];
        double[][] mean = new double[l][];
        double[][] m2 = new double[l][];
        for (int i = 0; i < l; i++) {
            count[i] = stats.get(i).count();
            mean[i] = stats.get(i).mean();
            m2[i] = stats.get(i).m2();
        }
        return new BnStatsWire(count, mean, m2);
    }

    public List<BatchStats> toList() {
        List<BatchStats> out = new ArrayList<>(count.length);
        for (int i = 0; i < count.length; i++) {
            out.add(new BatchStats(count[i], mean[i], m2[i]));
        }
        return out;
    }
}
