package org.sparknn.nn;

import org.sparknn.tensor.Csr;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/** Random sparse rows for tests: 1..15 non-zeros per row, columns ascending. */
public final class SparseTestRows {
    private SparseTestRows() {}

    public static Csr random(int n, long seed, int features) {
        Random random = new Random(seed);
        int[] start = new int[n + 1];
        List<Integer> columns = new ArrayList<>();
        List<Float> values = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            TreeSet<Integer> picked = new TreeSet<>();
            while (picked.size() < 1 + random.nextInt(15)) {
                picked.add(random.nextInt(features));
            }
            for (int j : picked) {
                columns.add(j);
                values.add((float) random.nextGaussian());
            }
            start[r + 1] = columns.size();
        }
        float[] v = new float[values.size()];
        for (int k = 0; k < v.length; k++) {
            v[k] = values.get(k);
        }
        return new Csr(n, start, columns.stream().mapToInt(Integer::intValue).toArray(), v);
    }
}
