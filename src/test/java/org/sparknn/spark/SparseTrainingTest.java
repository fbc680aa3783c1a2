package org.sparknn.spark;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.nn.SparseTestRows;
import org.sparknn.nn.MlpShape;
import org.sparknn.spark.ml.NeuralNetClassificationModel;
import org.sparknn.spark.ml.NeuralNetClassifier;
import org.sparknn.tensor.Csr;
import org.sparknn.train.Evaluation;
import org.sparknn.train.ShardLayout;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sparse features stay sparse and train to the same model as the same rows densified. */
class SparseTrainingTest {
    private static final int FEATURES = 500;
    private static final int ROWS = 600;
    private static final ModelSpec SPEC = new ModelSpec(FEATURES, List.of(new LayerSpec.Dense(8), new LayerSpec.BatchNorm(),
            new LayerSpec.Relu(), new LayerSpec.Dense(3), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);

    /** Rows of 2..12 non-zeros over 500 features; the class is the sign pattern of two hidden scores. */
    private static org.apache.spark.sql.Dataset<Row> frame(boolean sparse) {
        Random random = new Random(11);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            TreeSet<Integer> picked = new TreeSet<>();
            while (picked.size() < 2 + random.nextInt(11)) {
                picked.add(random.nextInt(FEATURES));
            }
            int[] indices = picked.stream().mapToInt(Integer::intValue).toArray();
            double[] values = new double[indices.length];
            double score = 0;
            for (int k = 0; k < indices.length; k++) {
                values[k] = 1 + random.nextInt(3);
                score += (indices[k] % 7 - 3) * values[k];
            }
            Vector v = Vectors.sparse(FEATURES, indices, values);
            rows.add(RowFactory.create(score > 2 ? 2.0 : score < -2 ? 0.0 : 1.0, sparse ? v : v.toDense()));
        }
        StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
        return SparkTestSession.get().createDataFrame(SparkTestSession.jsc().parallelize(rows, 2), schema);
    }

    private record Fit(Network net, Evaluation validation) {
    }

    private static Network fit(boolean sparse, int partitions, TrainConfig config) {
        return fitAndValidate(sparse, partitions, config).net();
    }

    private static Fit fitAndValidate(boolean sparse, int partitions, TrainConfig config) {
        return fitAndValidate(SPEC, sparse, partitions, config);
    }

    private static Fit fitAndValidate(ModelSpec spec, boolean sparse, int partitions, TrainConfig config) {
        Shards train = Shards.fromDataFrame(frame(sparse), "features", "label", partitions, 3);
        Shards validation = Shards.fromDataFrame(frame(sparse).limit(200), "features", "label", 1, 3);
        try {
            assertEquals(sparse, train.sparse());
            // the automatic block size counts stored values per row: about 7 non-zeros, not 500 features
            assertEquals(sparse ? 1 << 16 : ShardLayout.blockRows(0, FEATURES), train.layout().blockRows());
            for (ShardBlock b : train.blocks().collect()) {
                assertEquals(sparse, b.features() == null);
            }
            Network net = Network.create(spec, 3);
            SparkTrainer.Result result = SparkTrainer.fit(train, validation, net, config, TrainingListener.silent());
            return new Fit(net, result.training().finalValidation());
        } finally {
            train.release();
            validation.release();
        }
    }

    /**
     * l1, l2 and weight decay touch every weight every step, including the columns of features a
     * batch lacks: the update stays dense, so untouched weights decay exactly as with dense rows.
     * Sparse and dense sums differ by float rounding only (the dense path sums in GEMM order), so
     * momentum SGD, not Adam: Adam divides by the gradient's own scale, and the bias before BN has
     * a gradient of rounding noise only, which Adam would turn into full-size, diverging steps.
     */
    @Test
    void sparseRowsTrainTheModelTheSameRowsDensifiedTrain() {
        TrainConfig config = TrainConfig.defaults().with("exchange", "driver").with("epochs", 2).with("batchSize", 50)
                .with("seed", 3).with("optimizer", "momentum").with("learningRate", 0.05)
                .with("l1", 1e-4).with("l2", 1e-3).with("weightDecay", 1e-2);
        for (int partitions : new int[] {1, 2}) {
            Network dense = fit(false, partitions, config);
            Network driver = fit(true, partitions, config);
            Network allReduce = fit(true, partitions, config.with("exchange", "allreduce"));
            assertArrayEquals(driver.store().values(), allReduce.store().values(), 0f, "P=" + partitions);
            assertArrayEquals(driver.store().state(), allReduce.store().state(), 0f, "P=" + partitions);
            assertArrayEquals(dense.store().values(), driver.store().values(), 2e-5f, "P=" + partitions);
            assertArrayEquals(dense.store().state(), driver.store().state(), 2e-4f, "P=" + partitions);
            assertFalse(java.util.Arrays.equals(Network.create(SPEC, 3).store().values(), driver.store().values()));
        }
    }

    /** The parameters with the first layer's weights unit by unit, whichever way the network stores them. */
    static float[] unitMajor(Network net) {
        float[] w = net.store().values().clone();
        org.sparknn.nn.DenseLayer first = (org.sparknn.nn.DenseLayer) net.layers().get(0);
        for (int u = 0; u < first.outputSize(); u++) {
            for (int j = 0; j < first.inputSize(); j++) {
                w[first.weightOffset() + u * first.inputSize() + j] = net.store().values()[first.weightIndex(u, j)];
            }
        }
        return w;
    }

    /**
     * Sparse input (input-major first weights, lazy update): with plain SGD a step leaves the
     * weights of features its batch lacks to their L1/L2/weight-decay step, which is what the
     * dense step does to them, so it trains the same bits as the dense update of every weight;
     * max-norm and clipping included. Both exchanges and the local-SGD path agree bit for bit.
     */
    @Test
    void lazyUpdateWithSgdTrainsTheBitsOfTheDenseUpdate() {
        TrainConfig config = TrainConfig.defaults().with("exchange", "driver").with("epochs", 2).with("batchSize", 50)
                .with("seed", 3).with("optimizer", "sgd").with("learningRate", 0.05).with("l1", 0.05).with("l2", 1e-2)
                .with("weightDecay", 1e-2).with("maxNorm", 0.9).with("clipNorm", 2.0);
        ModelSpec lazy = SPEC.withSparseInput(true);
        for (int partitions : new int[] {1, 2}) {
            Network dense = fitAndValidate(SPEC, true, partitions, config).net();
            Network driver = fitAndValidate(lazy, true, partitions, config).net();
            Network allReduce = fitAndValidate(lazy, true, partitions, config.with("exchange", "allreduce")).net();
            assertTrue(driver.sparseInput());
            assertArrayEquals(unitMajor(dense), unitMajor(driver), 0f, "P=" + partitions);
            assertArrayEquals(unitMajor(dense), unitMajor(allReduce), 0f, "P=" + partitions);
            assertArrayEquals(dense.store().state(), allReduce.store().state(), 0f, "P=" + partitions);
            assertTrue(org.sparknn.optim.Regularization.sparsity(driver.store().values(), driver.store().blocks()) > 0.2,
                    "proximal L1 zeroes weights of the lazy path too");
        }
        TrainConfig local = config.with("syncEvery", 3);
        assertArrayEquals(unitMajor(fitAndValidate(SPEC, true, 2, local).net()), unitMajor(fitAndValidate(lazy, true, 2, local).net()), 0f);
    }

    /**
     * With Adam the lazy update is its own optimizer (the moments of absent features wait), so it
     * differs from the dense update, but the exchanges still agree bit for bit and it learns.
     */
    @Test
    void lazyAdamAgreesAcrossExchangesAndLearns() {
        TrainConfig config = TrainConfig.defaults().with("exchange", "driver").with("epochs", 3).with("batchSize", 50)
                .with("seed", 3).with("optimizer", "adam").with("learningRate", 0.01).with("l2", 1e-3);
        ModelSpec lazy = SPEC.withSparseInput(true);
        Fit driver = fitAndValidate(lazy, true, 2, config);
        Fit allReduce = fitAndValidate(lazy, true, 2, config.with("exchange", "allreduce"));
        assertArrayEquals(driver.net().store().values(), allReduce.net().store().values(), 0f);
        assertArrayEquals(driver.net().store().state(), allReduce.net().store().state(), 0f);
        Fit dense = fitAndValidate(SPEC, true, 2, config);
        assertFalse(java.util.Arrays.equals(unitMajor(dense.net()), unitMajor(driver.net())), "lazy Adam is not the dense update");
        assertTrue(driver.validation().accuracy() > 0.6, "accuracy " + driver.validation().accuracy());
        assertEquals(dense.validation().accuracy(), driver.validation().accuracy(), 0.1);
    }

    /** Local SGD (syncEvery > 1) and the validation pass take sparse blocks as they are. */
    @Test
    void localSgdAndValidationOnSparseRowsMatchDenseRows() {
        TrainConfig config = TrainConfig.defaults().with("syncEvery", 3).with("epochs", 2).with("batchSize", 50).with("seed", 3)
                .with("optimizer", "momentum").with("learningRate", 0.05).with("l2", 1e-3);
        Fit dense = fitAndValidate(false, 2, config);
        Fit sparse = fitAndValidate(true, 2, config);
        assertArrayEquals(dense.net().store().values(), sparse.net().store().values(), 2e-5f);
        assertEquals(dense.validation().count(), sparse.validation().count());
        assertEquals(dense.validation().correct(), sparse.validation().correct());
        assertEquals(dense.validation().loss(), sparse.validation().loss(), 1e-5);
    }

    /** The full-batch solver's gradient passes take sparse blocks as they are. */
    @Test
    void fullBatchSolverOnSparseRowsMatchesDenseRows() {
        TrainConfig config = TrainConfig.defaults().with("solver", "lbfgs").with("maxIterations", 5).with("seed", 3).with("l2", 1e-3);
        Network dense = fit(false, 2, config);
        Network sparse = fit(true, 2, config);
        assertArrayEquals(dense.store().values(), sparse.store().values(), 1e-4f);
    }

    /**
     * A task's sparse result (touched weight columns plus every other parameter) adds into the
     * driver's sum the same bits as adding every gradient; a dense result adds every gradient.
     */
    @Test
    void sparseGradientOnTheWireAddsUpBitForBit() {
        Network net = Network.create(SPEC, 3);
        int size = net.store().size();
        float[] viaWire = new float[size];
        float[] everyGradient = new float[size];
        for (int part = 0; part < 3; part++) {
            Csr x = SparseTestRows.random(20, part, FEATURES);
            float[] labels = new float[20];
            long[] ids = new long[20];
            for (int r = 0; r < 20; r++) {
                labels[r] = (r + part) % 3;
                ids[r] = part * 20 + r;
            }
            if (part == 1) {
                net.gradientSum(x.toDense(FEATURES), labels, 20, Pass.train(3, part, ids));
                assertNull(net.touchedInputs());
            } else {
                net.gradientSum(x, labels, Pass.train(3, part, ids), null);
                assertTrue(net.touchedInputs().length < FEATURES / 2);
            }
            byte[] wire = GradientBytes.encode(net);
            if (part != 1) {
                assertTrue(wire.length < size * 4 / 2, wire.length + " bytes for " + size + " parameters");
            }
            GradientBytes.addTo(wire, net, viaWire);
            float[] g = net.store().grads();
            for (int i = 0; i < size; i++) {
                everyGradient[i] += g[i];
            }
        }
        assertArrayEquals(everyGradient, viaWire, 0f);
    }

    @Test
    void sparseRowsIntoAFirstLayerOtherThanDenseAreRefusedBeforeTraining() {
        ModelSpec dropoutFirst = new ModelSpec(FEATURES, List.of(new LayerSpec.Dropout(0.1), new LayerSpec.Dense(3),
                new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
        Shards train = Shards.fromDataFrame(frame(true), "features", "label", 2, 3);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkTrainer.fit(train, null,
                    Network.create(dropoutFirst, 3), TrainConfig.defaults().with("epochs", 1), TrainingListener.silent()));
            assertTrue(e.getMessage().contains("layer 0 is Dropout"), e.getMessage());
        } finally {
            train.release();
        }
    }

    /** The Estimator fits sparse rows, and scoring sparse rows matches scoring them densified. */
    @Test
    void classifierFitsAndScoresSparseRows() {
        NeuralNetClassificationModel model = new NeuralNetClassifier().set(MlpShape.HIDDEN_LAYERS, new int[] {8})
                .set(TrainConfig.EPOCHS, 3).set(TrainConfig.BATCH_SIZE, 50).set(TrainConfig.WORKERS, 2)
                .set(TrainConfig.LEARNING_RATE, 0.01).set(TrainConfig.SEED, 5L).fit(frame(true));
        List<Row> sparse = model.transform(frame(true)).select("prediction", "probability").collectAsList();
        List<Row> dense = model.transform(frame(false)).select("prediction", "probability").collectAsList();
        double correct = 0;
        List<Row> labels = frame(true).select("label").collectAsList();
        for (int i = 0; i < ROWS; i++) {
            assertEquals(dense.get(i).getDouble(0), sparse.get(i).getDouble(0));
            assertArrayEquals(((Vector) dense.get(i).get(1)).toArray(), ((Vector) sparse.get(i).get(1)).toArray(), 1e-5);
            correct += sparse.get(i).getDouble(0) == labels.get(i).getDouble(0) ? 1 : 0;
        }
        assertTrue(correct / ROWS > 0.6, "training accuracy " + correct / ROWS);
    }
}
