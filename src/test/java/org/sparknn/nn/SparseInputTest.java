package org.sparknn.nn;

import org.junit.jupiter.api.Test;
import org.sparknn.tensor.Csr;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparseInputTest {
    private static final int FEATURES = 300;

    static Csr randomRows(int n, long seed) {
        return SparseTestRows.random(n, seed, FEATURES);
    }

    /**
     * Sparse and densified rows give the same loss and gradients to float rounding, not bit for
     * bit: the dense path's GEMM orders and fuses its sums its own way.
     */
    @Test
    void sparseBatchGivesTheGradientOfTheSameBatchDensified() {
        ModelSpec spec = new ModelSpec(FEATURES, List.of(new LayerSpec.Dense(16), new LayerSpec.BatchNorm(), new LayerSpec.Relu(),
                new LayerSpec.Dropout(0.2), new LayerSpec.Dense(3), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
        int n = 24;
        Csr x = randomRows(n, 7);
        float[] labels = new float[n];
        long[] ids = new long[n];
        for (int r = 0; r < n; r++) {
            labels[r] = r % 3;
            ids[r] = 100 + r;
        }
        Network sparse = Network.create(spec, 5);
        Network dense = Network.create(spec, 5);
        BatchResult s = sparse.gradientSum(x, labels, Pass.train(5, 3, ids), null);
        BatchResult d = dense.gradientSum(x.toDense(FEATURES), labels, n, Pass.train(5, 3, ids));
        assertEquals(d.lossSum(), s.lossSum(), 1e-5 * Math.abs(d.lossSum()));
        assertEquals(d.correct(), s.correct());
        assertArrayEquals(dense.store().grads(), sparse.store().grads(), 1e-5f);

        // only the columns of features present in the batch got a gradient
        TreeSet<Integer> present = new TreeSet<>();
        Arrays.stream(x.columns(), 0, x.nonZeros()).forEach(present::add);
        int[] touched = sparse.touchedInputs();
        assertArrayEquals(present.stream().mapToInt(Integer::intValue).toArray(), touched);
        DenseLayer first = sparse.sparseInputLayer();
        float[] g = sparse.store().grads();
        for (int j = 0; j < FEATURES; j++) {
            if (!present.contains(j)) {
                for (int u = 0; u < 16; u++) {
                    assertEquals(0f, g[first.weightOffset() + u * FEATURES + j], "feature " + j);
                }
            }
        }

        // inference through the same sparse forward
        float[] outSparse = sparse.forward(x, Pass.inference()).clone();
        float[] outDense = dense.forward(x.toDense(FEATURES), n, Pass.inference());
        assertArrayEquals(Arrays.copyOf(outDense, n * 3), Arrays.copyOf(outSparse, n * 3), 1e-5f);
        dense.gradientSum(x.toDense(FEATURES), labels, n, Pass.train(5, 3, ids));
        assertNull(dense.touchedInputs(), "a dense batch touches every column");
    }

    /**
     * Input-major first weights (a network for sparse input) start from the same values and give
     * the same outputs and gradients, bit for bit on sparse rows (the same sums in the same
     * order), to float rounding on dense rows (GEMM).
     */
    @Test
    void inputMajorFirstWeightsComputeWhatUnitMajorOnesDo() {
        ModelSpec spec = new ModelSpec(FEATURES, List.of(new LayerSpec.Dense(16), new LayerSpec.BatchNorm(), new LayerSpec.Relu(),
                new LayerSpec.Dense(3), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
        Network unitMajor = Network.create(spec, 5);
        Network inputMajor = Network.create(spec.withSparseInput(true), 5);
        assertTrue(ModelSpec.fromJson(inputMajor.spec().toJson()).sparseInput());
        assertTrue(!spec.toJson().contains("sparseInput"), "written only when true: " + spec.toJson());
        DenseLayer a = (DenseLayer) unitMajor.layers().get(0);
        DenseLayer b = (DenseLayer) inputMajor.layers().get(0);
        assertEquals(unitMajor.store().values()[a.weightIndex(7, 123)], inputMajor.store().values()[b.weightIndex(7, 123)]);
        for (int round = 0; round < 3; round++) { // the zeroing between steps leaves nothing of the last batch
            int n = 12 + round;
            Csr x = randomRows(n, 20 + round);
            float[] labels = new float[n];
            long[] ids = new long[n];
            for (int r = 0; r < n; r++) {
                labels[r] = (r + round) % 3;
                ids[r] = r;
            }
            boolean dense = round == 1;
            BatchResult ra = dense ? unitMajor.gradientSum(x.toDense(FEATURES), labels, n, Pass.train(5, round, ids))
                    : unitMajor.gradientSum(x, labels, Pass.train(5, round, ids), null);
            BatchResult rb = dense ? inputMajor.gradientSum(x.toDense(FEATURES), labels, n, Pass.train(5, round, ids))
                    : inputMajor.gradientSum(x, labels, Pass.train(5, round, ids), null);
            float tolerance = dense ? 1e-5f : 0f;
            assertEquals(ra.lossSum(), rb.lossSum(), dense ? 1e-5 : 0);
            float[] ga = unitMajor.store().grads();
            float[] gb = inputMajor.store().grads();
            for (int u = 0; u < 16; u++) {
                for (int j = 0; j < FEATURES; j++) {
                    assertEquals(ga[a.weightIndex(u, j)], gb[b.weightIndex(u, j)], tolerance, "unit " + u + ", input " + j);
                }
            }
            int rest = 16 * FEATURES;
            assertArrayEquals(Arrays.copyOfRange(ga, rest, ga.length), Arrays.copyOfRange(gb, rest, gb.length), tolerance);
            if (!dense) {
                assertArrayEquals(unitMajor.touchedInputs(), inputMajor.sparseStepRows());
            }
            float[] outA = unitMajor.forward(x.toDense(FEATURES), n, Pass.inference()).clone();
            float[] outB = inputMajor.forward(x.toDense(FEATURES), n, Pass.inference());
            assertArrayEquals(Arrays.copyOf(outA, n * 3), Arrays.copyOf(outB, n * 3), 1e-5f);
        }
    }

    @Test
    void sparseRowsNeedADenseFirstLayer() {
        ModelSpec spec = new ModelSpec(FEATURES, List.of(new LayerSpec.Dropout(0.2), new LayerSpec.Dense(3), new LayerSpec.Softmax()),
                LossKind.SOFTMAX_CROSS_ENTROPY);
        Network net = Network.create(spec, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.forward(randomRows(4, 1), Pass.inference()));
        assertTrue(e.getMessage().contains("layer 0 is Dropout"), e.getMessage());
    }
}
