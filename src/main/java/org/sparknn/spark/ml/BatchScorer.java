package org.sparknn.spark.ml;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.spark.FeatureValues;
import org.sparknn.tensor.Csr;
import org.sparknn.train.Evaluator;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * How the models score a data set: each partition in batches of up to {@link #BATCH} rows, one
 * forward pass per batch, so each dense layer is one GEMM instead of one matrix-vector product
 * per row as Spark's per-row UDFs would run it (about 4x the rows/s of the bundled network).
 * Every input column and the row order within partitions are kept; the new columns follow. A
 * batch whose first row holds a SparseVector stays sparse (CSR rows into the first Dense layer),
 * so a [256 x features] buffer is only allocated for dense batches.
 *
 * <p>A row's result equals the per-row API's ({@link TrainedNetwork#logits}) up to float
 * rounding only: the BLAS orders a dot product's sum by the batch's size and the row's place in
 * it. The same partitioning and BLAS give the same results on every run.
 */
final class BatchScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    /** Rows per forward pass: large enough for GEMM's speed, small enough to stay in cache. */
    static final int BATCH = 256;

    /** The new columns' values of one row, from its slice of the network's result. */
    interface Columns extends Serializable {
        Object[] values(float[] result, int offset);
    }

    private final TrainedNetwork network;
    private final String featuresCol;
    /** The model's input shape, which image and array features are read into. */
    private final int[] shape;
    private final int featuresIndex;
    private final boolean logits;
    private final Columns columns;
    /** Monte-Carlo dropout passes per row; 0 = the weight-scaled network (one inference pass). */
    private final int mcSamples;
    private final long mcSeed;

    private BatchScorer(TrainedNetwork network, String featuresCol, int featuresIndex, boolean logits, Columns columns,
                        int mcSamples, long mcSeed) {
        this.network = network;
        this.mcSamples = mcSamples;
        this.mcSeed = mcSeed;
        this.featuresCol = featuresCol;
        this.shape = network.spec().inputShape();
        this.featuresIndex = featuresIndex;
        this.logits = logits;
        this.columns = columns;
    }

    /**
     * {@code input} with the {@code added} columns, typed as in {@code schema} (the model's
     * transformSchema, whose fields carry the ML attributes) and valued by {@code columns} from
     * the network's logits ({@code logits}) or outputs.
     */
    static Dataset<Row> score(Dataset<?> input, StructType schema, List<String> added, TrainedNetwork network,
                              String featuresCol, boolean logits, Columns columns) {
        return score(input, schema, added, network, featuresCol, logits, columns, 0, 0);
    }

    /**
     * {@link #score(Dataset, StructType, List, TrainedNetwork, String, boolean, Columns)} with
     * Monte-Carlo dropout when {@code mcSamples > 0}: each row's output is the mean output of
     * {@code mcSamples} thinned networks ({@link Evaluator#predictMonteCarlo}); for logits, the log
     * of the mean probabilities, so that their softmax is that mean. A row's dropout masks are
     * keyed by {@code mcSeed}, the pass and a hash of its features, so they do not depend on
     * partitioning or row order.
     */
    static Dataset<Row> score(Dataset<?> input, StructType schema, List<String> added, TrainedNetwork network,
                              String featuresCol, boolean logits, Columns columns, int mcSamples, long mcSeed) {
        if (mcSamples > 0 && network.spec().sparseInput()) {
            throw new IllegalArgumentException("Monte-Carlo dropout scoring needs a network built for dense input; this one takes sparse rows");
        }
        StructType out = input.schema();
        for (String name : added) {
            out = out.add(schema.apply(name));
        }
        BatchScorer scorer = new BatchScorer(network, featuresCol, input.schema().fieldIndex(featuresCol), logits, columns,
                mcSamples, mcSeed);
        // the row encoder drops field metadata (the ML attributes); to(out) puts it back
        return input.toDF().mapPartitions(scorer, Encoders.row(out)).to(out);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        Network net = network.network();
        int size = net.inputSize();
        int outputs = net.outputSize();
        Row[] scored = new Row[BATCH];
        return new Iterator<>() {
            private int count;
            private int next;
            private float[] x;
            private final int[] rowStart = new int[BATCH + 1];
            private int[] indices = new int[0];
            private float[] nonZeroValues = new float[0];

            @Override
            public boolean hasNext() {
                if (next == count && rows.hasNext()) {
                    scoreBatch();
                }
                return next < count;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return scored[next++];
            }

            private void scoreBatch() {
                Row[] batch = new Row[BATCH];
                count = 0;
                next = 0;
                while (count < BATCH && rows.hasNext()) {
                    batch[count++] = rows.next();
                }
                float[] result;
                if (mcSamples > 0) {
                    result = monteCarlo(dense(batch, count, size), count, size, outputs);
                } else {
                    float[] out = net.takesSparseInput() && features(batch[0], size) instanceof SparseVector
                            ? net.forward(sparse(batch, count, size), Pass.inference())
                            : net.forward(dense(batch, count, size), count, Pass.inference());
                    result = logits ? net.logits() : out;
                }
                for (int r = 0; r < count; r++) {
                    scored[r] = extend(batch[r], columns.values(result, r * outputs));
                }
            }

            private float[] monteCarlo(float[] x, int n, int size, int outputs) {
                long[] ids = new long[n];
                for (int r = 0; r < n; r++) {
                    ids[r] = featureHash(x, r * size, size);
                }
                float[] mean = Evaluator.predictMonteCarlo(net, x, n, ids, mcSamples, mcSeed);
                if (logits) {
                    for (int i = 0; i < n * outputs; i++) {
                        mean[i] = (float) Math.log(Math.max(mean[i], Float.MIN_NORMAL));
                    }
                }
                return mean;
            }

            private float[] dense(Row[] batch, int n, int size) {
                if (x == null) {
                    x = new float[Math.multiplyExact(BATCH, size)];
                }
                for (int r = 0; r < n; r++) {
                    pack(features(batch[r], size), x, r * size, size);
                }
                return x;
            }

            private Csr sparse(Row[] batch, int n, int size) {
                for (int r = 0; r < n; r++) {
                    SparseVector v = features(batch[r], size).toSparse();
                    int nonZeros = v.indices().length;
                    int at = rowStart[r];
                    if (at + nonZeros > indices.length) {
                        indices = Arrays.copyOf(indices, Math.max(at + nonZeros, 2 * indices.length));
                        nonZeroValues = Arrays.copyOf(nonZeroValues, indices.length);
                    }
                    System.arraycopy(v.indices(), 0, indices, at, nonZeros);
                    double[] d = v.values();
                    for (int k = 0; k < nonZeros; k++) {
                        nonZeroValues[at + k] = (float) d[k];
                    }
                    rowStart[r + 1] = at + nonZeros;
                }
                return new Csr(n, rowStart, indices, nonZeroValues);
            }
        };
    }

    /** A 64-bit hash of a row's features (the sample id of its Monte-Carlo dropout masks). */
    static long featureHash(float[] x, int offset, int size) {
        long h = 0x9E3779B97F4A7C15L;
        for (int j = 0; j < size; j++) {
            h = (h ^ Float.floatToIntBits(x[offset + j] + 0.0f)) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h & Long.MAX_VALUE;
    }

    private static Row extend(Row row, Object[] added) {
        Object[] values = new Object[row.length() + added.length];
        for (int i = 0; i < row.length(); i++) {
            values[i] = row.get(i);
        }
        System.arraycopy(added, 0, values, row.length(), added.length);
        return RowFactory.create(values);
    }

    /** The row's features vector, checked against the model's input size. */
    private Vector features(Row row, int size) {
        Vector v;
        try {
            v = (Vector) FeatureValues.vector(row.get(featuresIndex), shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("column '" + featuresCol + "' holds a row that " + e.getMessage(), e);
        }
        if (v == null) {
            throw new IllegalArgumentException("column '" + featuresCol + "' holds a null; every row to score needs a features vector");
        }
        if (v.size() != size) {
            throw new IllegalArgumentException("column '" + featuresCol + "' holds a vector of size " + v.size()
                    + "; the model expects size " + size);
        }
        return v;
    }

    /** Writes the features as floats into x[offset, offset + size). */
    private static void pack(Vector v, float[] x, int offset, int size) {
        if (v instanceof SparseVector s) {
            Arrays.fill(x, offset, offset + size, 0f);
            int[] indices = s.indices();
            double[] values = s.values();
            for (int k = 0; k < indices.length; k++) {
                x[offset + indices[k]] = (float) values[k];
            }
        } else {
            double[] values = ((DenseVector) v).values();
            for (int j = 0; j < size; j++) {
                x[offset + j] = (float) values[j];
            }
        }
    }
}
