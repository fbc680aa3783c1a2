package org.sparknn.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.sparknn.data.LibSvmLine;
import scala.Tuple2;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * LibSVM text input read strictly, on the executors: a file or a directory of files (names
 * starting with '_' or '.' skipped) on any Hadoop file system, through Hadoop's TextInputFormat.
 * Each line is parsed by {@link LibSvmLine}; blank lines and '#' comments are skipped. A bad line
 * is an IllegalArgumentException naming the file and the 1-based line; a file whose last byte is
 * not a line break is refused, as its last row may be cut off. The result has the columns id (the
 * row's 0-based position among the rows of the input, files in name order), label and features
 * (a sparse vector). Whether values are finite is left to {@link RowCheck}.
 */
public final class LibSvmReader implements Serializable {
    private static final long serialVersionUID = 1L;
    private final SerializableConfiguration conf;
    private final Map<String, String> names; // qualified path -> the name errors give the file
    private final int features;
    private final String bound;

    private LibSvmReader(Configuration conf, Map<String, String> names, int features, String bound) {
        this.conf = new SerializableConfiguration(conf);
        this.names = names;
        this.features = features;
        this.bound = bound;
    }

    /**
     * Reads {@code path}. {@code features} is the feature count (indices 1..features are valid),
     * set by what {@code bound} says (e.g. "data.features=4"); 0 infers it as the largest index
     * in the input, with a first pass over it.
     */
    public static Dataset<Row> read(SparkSession spark, String path, int features, String bound) throws IOException {
        return read(spark, path, features, bound, true);
    }

    /** {@link #read(SparkSession, String, int, String)}; without {@code ids} there is no id column (and no pass to number the rows). */
    public static Dataset<Row> read(SparkSession spark, String path, int features, String bound, boolean ids) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path root = new Path(path);
        FileSystem fs = root.getFileSystem(conf);
        FileStatus status = fs.getFileStatus(root);
        FileStatus[] files = status.isDirectory()
                ? fs.listStatus(root, p -> !p.getName().startsWith("_") && !p.getName().startsWith("."))
                : new FileStatus[] {status};
        files = Arrays.stream(files).filter(FileStatus::isFile).sorted(Comparator.comparing(f -> f.getPath().getName()))
                .toArray(FileStatus[]::new);
        if (files.length == 0) {
            throw new IllegalArgumentException(path + " holds no rows: a directory without data files");
        }
        Map<String, String> names = new HashMap<>();
        Path[] paths = new Path[files.length];
        for (int i = 0; i < files.length; i++) {
            paths[i] = files[i].getPath();
            names.put(fs.makeQualified(paths[i]).toUri().getPath(), status.isDirectory() ? new Path(path, paths[i].getName()).toString() : path);
        }
        Job job = Job.getInstance(conf);
        FileInputFormat.setInputPaths(job, paths);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        var text = (JavaNewHadoopRDD<LongWritable, Text>) sc.newAPIHadoopRDD(job.getConfiguration(), TextInputFormat.class,
                LongWritable.class, Text.class);

        LibSvmReader first = new LibSvmReader(conf, names, features, bound);
        int size = features;
        if (size == 0) {
            size = text.mapPartitionsWithInputSplit((split, it) -> first.parse((FileSplit) split, it), true)
                    .map(LibSvmLine::maxIndex).fold(0, Math::max);
        }
        int n = size;
        JavaRDD<LibSvmLine> lines = text.mapPartitionsWithInputSplit((split, it) -> first.parse((FileSplit) split, it), true);
        StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
        if (!ids) {
            return spark.createDataFrame(lines.map(l -> RowFactory.create(l.label(), Vectors.sparse(n, l.indices(), l.values()))), schema);
        }
        JavaRDD<Row> rows = lines.zipWithIndex()
                .map(t -> RowFactory.create(t._2(), t._1().label(), Vectors.sparse(n, t._1().indices(), t._1().values())));
        return spark.createDataFrame(rows, new StructType().add("id", DataTypes.LongType).add(schema.apply("label"))
                .add(schema.apply("features")));
    }

    /** The rows of one split, parsed as they are read; errors name the file and line. */
    private Iterator<LibSvmLine> parse(FileSplit split, Iterator<Tuple2<LongWritable, Text>> lines) throws IOException {
        Path file = split.getPath();
        String name = names.getOrDefault(file.toUri().getPath(), file.toString());
        FileSystem fs = file.getFileSystem(conf.value());
        long length = fs.getFileStatus(file).getLen();
        // byte offsets and the last byte say nothing about the lines of a compressed file
        boolean compressed = new CompressionCodecFactory(conf.value()).getCodec(file) != null;
        if (!compressed && length > 0 && split.getStart() + split.getLength() == length && !endsWithLineBreak(fs, file, length)) {
            long line = lineBreaksBefore(fs, file, length) + 1;
            throw new IllegalArgumentException(name + ": line " + line + " does not end with a line break; the file may be cut "
                    + "off. If the row is complete, end the file with a newline");
        }
        return new Iterator<>() {
            private LibSvmLine next;
            private long firstOffset = -1; // of the split's first line: lines before it are counted only for an error
            private long linesRead;

            @Override
            public boolean hasNext() {
                while (next == null && lines.hasNext()) {
                    Tuple2<LongWritable, Text> t = lines.next();
                    if (firstOffset < 0) {
                        firstOffset = t._1().get();
                    }
                    linesRead++;
                    String line = t._2().toString();
                    try {
                        next = LibSvmLine.parse(line, features, bound);
                    } catch (IllegalArgumentException e) {
                        // not chained: the jobs report the root cause, which must name the file and line
                        throw new IllegalArgumentException(where() + ": " + e.getMessage());
                    }
                }
                return next != null;
            }

            /** "file:line", the line counted only now, on the error path. */
            private String where() {
                if (firstOffset == 0) {
                    return name + ":" + linesRead;
                }
                if (compressed) {
                    return name + " (line " + linesRead + " of a part starting at decompressed byte " + firstOffset + ")";
                }
                try {
                    return name + ":" + (lineBreaksBefore(fs, file, firstOffset) + linesRead);
                } catch (IOException e) {
                    return name + " (line " + linesRead + " from byte " + firstOffset + ")";
                }
            }

            @Override
            public LibSvmLine next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                LibSvmLine row = next;
                next = null;
                return row;
            }
        };
    }

    private static boolean endsWithLineBreak(FileSystem fs, Path file, long length) throws IOException {
        try (FSDataInputStream in = fs.open(file)) {
            in.seek(length - 1);
            int last = in.read();
            return last == '\n' || last == '\r';
        }
    }

    /** Line breaks (\n, \r\n or a lone \r, as TextInputFormat reads them) in the first {@code end} bytes of a file. */
    private static long lineBreaksBefore(FileSystem fs, Path file, long end) throws IOException {
        long count = 0;
        boolean afterCr = false;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = fs.open(file)) {
            long left = end;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    byte b = buffer[i];
                    if (b == '\n' && !afterCr || b == '\r') {
                        count++;
                    }
                    afterCr = b == '\r';
                }
                left -= n;
            }
        }
        return count;
    }
}
