package org.sparknn.spark;

import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.sparknn.tensor.Csr;
import scala.Tuple2;

import java.io.Serializable;
import java.util.Iterator;

/**
 * How input rows are held while shards are packed, and how a block is packed from them: dense
 * (float[] per row, a row-major block) or sparse ({@link SparseRow}, a CSR block).
 * {@link Shards#fromDataFrame} keeps a features column sparse when its first vector is a
 * SparseVector; then dense vectors in later rows are stored by their non-zeros, and with a dense
 * first vector sparse vectors in later rows are densified.
 */
interface RowFormat<R> extends Serializable {
    R convert(Vector v);

    /** The row's vector size. */
    int size(R row);

    /** Values the row stores: its size when dense, its non-zeros when sparse. */
    int stored(R row);

    /** A block's rows, each (block << 32 | slot, (id, (features, label))), written into one block. */
    ShardBlock pack(int shard, int block, int rows, int featureSize, Iterator<Tuple2<Long, Tuple2<Long, Tuple2<R, Float>>>> in);

    /** A sparse row: ascending indices and their values. */
    record SparseRow(int size, int[] indices, float[] values) implements Serializable {
    }

    RowFormat<float[]> DENSE = new RowFormat<>() {
        @Override
        public float[] convert(Vector v) {
            double[] d = v.toArray();
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }

        @Override
        public int size(float[] row) {
            return row.length;
        }

        @Override
        public int stored(float[] row) {
            return row.length;
        }

        /** Writes each row straight into its slot: the rows are held once. */
        @Override
        public ShardBlock pack(int shard, int b, int n, int f, Iterator<Tuple2<Long, Tuple2<Long, Tuple2<float[], Float>>>> rows) {
            float[] x = new float[Math.multiplyExact(n, f)];
            float[] y = new float[n];
            long[] ids = new long[n];
            int filled = 0;
            while (rows.hasNext()) {
                Tuple2<Long, Tuple2<Long, Tuple2<float[], Float>>> r = rows.next();
                int slot = (int) (long) r._1();
                System.arraycopy(r._2()._2()._1(), 0, x, slot * f, f);
                y[slot] = r._2()._2()._2();
                ids[slot] = r._2()._1();
                filled++;
            }
            requireFilled(shard, b, n, filled);
            return new ShardBlock(shard, b, n, f, x, y, ids);
        }
    };

    RowFormat<SparseRow> SPARSE = new RowFormat<>() {
        @Override
        public SparseRow convert(Vector v) {
            SparseVector s = v.toSparse();
            double[] d = s.values();
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return new SparseRow(s.size(), s.indices(), f);
        }

        @Override
        public int size(SparseRow row) {
            return row.size();
        }

        @Override
        public int stored(SparseRow row) {
            return row.indices().length;
        }

        /** Rows arrive in any slot order; CSR needs them in order, so they are placed by slot first. */
        @Override
        public ShardBlock pack(int shard, int b, int n, int f, Iterator<Tuple2<Long, Tuple2<Long, Tuple2<SparseRow, Float>>>> rows) {
            SparseRow[] bySlot = new SparseRow[n];
            float[] y = new float[n];
            long[] ids = new long[n];
            int filled = 0;
            long nonZeros = 0;
            while (rows.hasNext()) {
                Tuple2<Long, Tuple2<Long, Tuple2<SparseRow, Float>>> r = rows.next();
                int slot = (int) (long) r._1();
                bySlot[slot] = r._2()._2()._1();
                y[slot] = r._2()._2()._2();
                ids[slot] = r._2()._1();
                nonZeros += bySlot[slot].indices().length;
                filled++;
            }
            requireFilled(shard, b, n, filled);
            if (nonZeros > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("block " + b + " of shard " + shard + " holds " + nonZeros
                        + " non-zeros, more than one array can; set a smaller blockRows");
            }
            int[] start = new int[n + 1];
            int[] columns = new int[(int) nonZeros];
            float[] values = new float[(int) nonZeros];
            for (int slot = 0; slot < n; slot++) {
                SparseRow row = bySlot[slot];
                int count = row.indices().length;
                System.arraycopy(row.indices(), 0, columns, start[slot], count);
                System.arraycopy(row.values(), 0, values, start[slot], count);
                start[slot + 1] = start[slot] + count;
                bySlot[slot] = null;
            }
            return new ShardBlock(shard, b, n, f, null, new Csr(n, start, columns, values), y, ids);
        }
    };

    private static void requireFilled(int shard, int b, int n, int filled) {
        if (filled != n) {
            throw new IllegalStateException("block " + b + " of shard " + shard + " received " + filled + " rows, expected " + n);
        }
    }
}
