package org.sparknn.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import org.sparknn.data.IdxReader;
import org.sparknn.data.MalformedDataException;
import org.sparknn.nn.LossKind;
import org.sparknn.train.DataChecks;
import scala.Tuple2;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * One split of an IDX directory, read by the executors: the driver reads only the two headers
 * (and, for uncompressed files, checks their lengths); each task opens the files through Hadoop,
 * seeks to its range of records and reads it. A gzipped file cannot be entered in the middle, so
 * one task reads it whole. Row ids are record indices.
 */
public final class IdxSource implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int HEADER_IMAGES = 16;
    private static final int HEADER_LABELS = 8;

    private final String images; // as the user named them, for messages
    private final String labels;
    private final String imagesUri; // qualified: executors may run in another directory
    private final String labelsUri;
    private final int count;
    private final int featureSize;
    private final boolean seekable;

    private IdxSource(String images, String labels, String imagesUri, String labelsUri, int count, int featureSize,
                      boolean seekable) {
        this.images = images;
        this.labels = labels;
        this.imagesUri = imagesUri;
        this.labelsUri = labelsUri;
        this.count = count;
        this.featureSize = featureSize;
        this.seekable = seekable;
    }

    /** Finds split {@code split} ("train", "test") of {@code dir} and checks what the headers promise. */
    static IdxSource find(Configuration conf, String dir, String split) throws IOException {
        Path d = new Path(dir);
        FileSystem fs = d.getFileSystem(conf);
        if (!fs.exists(d) || !fs.getFileStatus(d).isDirectory()) {
            throw new java.nio.file.NoSuchFileException(dir, null, "no such directory");
        }
        Path images = findOne(fs, d, split, "images", List.of(split + "-images-idx3-ubyte", split + "-images-idx3-float"));
        Path labels = findOne(fs, d, split, "labels", List.of(split + "-labels-idx1-ubyte"));
        int count;
        int values;
        int valueBytes;
        try (IdxReader.Records x = IdxReader.Records.images(fs.open(images), images.toString(), 0)) {
            count = x.count();
            values = x.recordValues();
            valueBytes = x.valueBytes();
        }
        int labelCount;
        try (IdxReader.Records y = IdxReader.Records.labels(fs.open(labels), labels.toString(), 0)) {
            labelCount = y.count();
        }
        if (labelCount != count) {
            throw new MalformedDataException(images.toString(), "holds " + count + " images but " + labels + " holds "
                    + labelCount + " labels; the two files must have the same count");
        }
        boolean gzipped = images.getName().endsWith(".gz") || labels.getName().endsWith(".gz");
        if (!gzipped) {
            requireLength(fs, images, HEADER_IMAGES + (long) count * values * valueBytes, count, "images");
            requireLength(fs, labels, HEADER_LABELS + (long) count, count, "labels");
        }
        return new IdxSource(images.toString(), labels.toString(), fs.makeQualified(images).toString(),
                fs.makeQualified(labels).toString(), count, values, !gzipped);
    }

    /**
     * A DataFrame with columns id (the record index), label and features (a dense vector), read
     * by the executors, as the evaluate and predict jobs take their input.
     */
    public static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frame(org.apache.spark.sql.SparkSession spark,
                                                                            String dir, String split) throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        IdxSource source = find(sc.hadoopConfiguration(), dir, split);
        JavaRDD<org.apache.spark.sql.Row> rows = source.rows(sc, null, 0).map(t -> {
            float[] x = t._2()._1();
            double[] d = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                d[i] = x[i];
            }
            return org.apache.spark.sql.RowFactory.create(t._1(), (double) t._2()._2(), org.apache.spark.ml.linalg.Vectors.dense(d));
        });
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("id", org.apache.spark.sql.types.DataTypes.LongType)
                .add("label", org.apache.spark.sql.types.DataTypes.DoubleType)
                .add("features", org.apache.spark.ml.linalg.SQLDataTypes.VectorType());
        return spark.createDataFrame(rows, schema);
    }

    int count() {
        return count;
    }

    int featureSize() {
        return featureSize;
    }

    String source() {
        return images;
    }

    /**
     * The rows (id, (features, label)), read by the executors in ranges of about 16 MB of
     * features, at least one per core (one task
     * for gzipped files). With {@code loss} set, every label must suit a model with that loss and
     * {@code outputs} outputs.
     */
    JavaRDD<Tuple2<Long, Tuple2<float[], Float>>> rows(JavaSparkContext sc, LossKind loss, int outputs) {
        long ranges = Math.max(sc.defaultParallelism(), (long) count * featureSize / (4L << 20) + 1);
        int n = seekable ? (int) Math.max(1, Math.min(ranges, count)) : 1;
        List<long[]> parts = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            parts.add(new long[] {(long) r * count / n, (long) (r + 1) * count / n});
        }
        Broadcast<SerializableConfiguration> conf = sc.broadcast(new SerializableConfiguration(sc.hadoopConfiguration()));
        IdxSource source = this;
        return sc.parallelize(parts, n).mapPartitions(it -> {
            long[] range = it.next();
            return source.read(conf.value().value(), range[0], range[1], loss, outputs);
        });
    }

    private Iterator<Tuple2<Long, Tuple2<float[], Float>>> read(Configuration conf, long from, long to, LossKind loss,
                                                               int outputs) throws IOException {
        Path x = new Path(imagesUri);
        Path y = new Path(labelsUri);
        IdxReader.Records xs = IdxReader.Records.images(open(x, conf), images, from);
        IdxReader.Records ys;
        try {
            ys = IdxReader.Records.labels(open(y, conf), labels, from);
        } catch (IOException | RuntimeException e) {
            xs.close();
            throw e;
        }
        return new Iterator<>() {
            private long next = from;
            private final float[] label = new float[1];

            @Override
            public boolean hasNext() {
                return next < to;
            }

            @Override
            public Tuple2<Long, Tuple2<float[], Float>> next() {
                if (next >= to) {
                    throw new NoSuchElementException();
                }
                try {
                    float[] features = new float[featureSize];
                    xs.read(features, 1);
                    ys.read(label, 1);
                    if (loss != null) {
                        String problem = DataChecks.labelProblem(loss, outputs, label[0]);
                        if (problem != null) {
                            throw new IllegalArgumentException(labels + ": label at index " + next + " is " + label[0]
                                    + ", which " + problem);
                        }
                    }
                    Tuple2<Long, Tuple2<float[], Float>> row = new Tuple2<>(next, new Tuple2<>(features, label[0]));
                    if (++next == to) {
                        if (to == count) {
                            xs.requireEnd();
                            ys.requireEnd();
                        }
                        xs.close();
                        ys.close();
                    }
                    return row;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    private static FSDataInputStream open(Path p, Configuration conf) throws IOException {
        return p.getFileSystem(conf).open(p);
    }

    private static Path findOne(FileSystem fs, Path dir, String split, String what, List<String> stems) throws IOException {
        List<String> names = new ArrayList<>();
        List<Path> found = new ArrayList<>();
        for (String stem : stems) {
            for (String name : List.of(stem + ".gz", stem)) {
                names.add(name);
                if (fs.exists(new Path(dir, name))) {
                    found.add(new Path(dir, name));
                }
            }
        }
        if (found.isEmpty()) {
            throw new java.nio.file.NoSuchFileException(dir.toString(), null, "no " + what + " file for split '" + split
                    + "', expected one of: " + String.join(", ", names));
        }
        if (found.size() > 1) {
            throw new IOException(dir + ": several " + what + " files for split '" + split + "': " + found + "; keep only one");
        }
        return found.get(0);
    }

    private static void requireLength(FileSystem fs, Path file, long expected, int count, String what) throws IOException {
        long length = fs.getFileStatus(file).getLen();
        if (length < expected) {
            throw new MalformedDataException(file.toString(), "truncated data: the header announces " + count + " " + what
                    + " (" + expected + " bytes in all), the file has " + length + " bytes");
        }
        if (length > expected) {
            throw new MalformedDataException(file.toString(), "trailing data: " + (length - expected) + " extra bytes after the "
                    + count + " " + what + " the header announces (data should end at byte offset " + expected + ")");
        }
    }
}
