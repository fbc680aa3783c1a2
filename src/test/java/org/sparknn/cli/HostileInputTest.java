package org.sparknn.cli;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.spark.SparkSetup;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LibSVM input is checked like IDX input before training: the syntax of every line, labels,
 * finiteness, emptiness; the error names the file and the line (syntax) or the row (values), its
 * root cause is bad input (exit 2), and nothing is written.
 */
class HostileInputTest {
    private static final String GOOD = "0 1:0.5 3:1\n1 2:0.25\n";

    private static Throwable rootCause(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        return e;
    }

    private static String[] trainArgs(Path dir, String name, String trainText, String... extra) throws Exception {
        Path train = dir.resolve(name + ".libsvm");
        Files.writeString(train, trainText);
        Path test = dir.resolve("test.libsvm");
        Files.writeString(test, GOOD);
        List<String> args = new ArrayList<>(List.of("--out", dir.resolve("out-" + name).toString(), "--master", "local[2]",
                "data.format=libsvm", "data.train=" + train, "data.test=" + test, "data.features=4", "model.inputShape=[4]",
                "model.layers=[{type=dense,units=3},{type=softmax}]", "epochs=1", "batchSize=2", "workers=1"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    private static String trainOn(Path dir, String name, String trainText, String... extra) throws Exception {
        String[] args = trainArgs(dir, name, trainText, extra);
        Exception e = assertThrows(Exception.class, () -> TrainMain.run(args));
        Throwable root = rootCause(e);
        assertTrue(root instanceof IllegalArgumentException, "bad input must be exit 2, got " + root);
        assertTrue(!Files.exists(dir.resolve("out-" + name)), "nothing is written for bad input");
        return root.getMessage();
    }

    /** The root cause of reading a LibSVM file as the jobs do, with indices 1..4 valid. */
    private static String readError(Path dir, String name, String text) throws Exception {
        Path file = dir.resolve(name + ".libsvm");
        Files.writeString(file, text);
        return readError(file.toString());
    }

    private static String readError(String path) {
        SparkSession spark = SparkSetup.localSession("local[2]", "sparknn-tests", false);
        Exception e = assertThrows(Exception.class, () -> Inputs.frame(spark, "libsvm", path, "train", 4, "data.features=4").count());
        Throwable root = rootCause(e);
        assertTrue(root instanceof IllegalArgumentException, "bad input must be exit 2, got " + root);
        return root.getMessage();
    }

    @Test
    void badLibSvmRowsAreRefusedNamingFileAndRow(@TempDir Path dir) throws Exception {
        String m = trainOn(dir, "label-too-large", GOOD + "3 1:1\n");
        assertTrue(m.contains("label-too-large.libsvm: column 'label' of row 2 is 3.0, which is not a class index of the "
                + "model's 3 classes (0..2)"), m);
        m = trainOn(dir, "fractional", GOOD + "1.5 1:1\n");
        assertTrue(m.contains("fractional.libsvm: column 'label' of row 2 is 1.5"), m);
        m = trainOn(dir, "nan", GOOD + "1 3:NaN\n");
        assertTrue(m.contains("nan.libsvm: column 'features' of row 2 holds NaN at index 2; features must be finite"), m);
        m = trainOn(dir, "overflow", "1 1:1e39\n" + GOOD);
        assertTrue(m.contains("overflow.libsvm: column 'features' of row 0 holds 1.0E39 at index 0, beyond the float range"), m);
        m = trainOn(dir, "malformed", GOOD + "1 2:abc\n");
        assertEquals(dir.resolve("malformed.libsvm") + ":3: value of feature 2 'abc' is not a number (e.g. 1, -0.5, 2e-3)", m);
        m = trainOn(dir, "empty", "");
        assertEquals(dir.resolve("empty.libsvm") + " holds no rows", m);
    }

    @Test
    void malformedLibSvmLinesAreRefusedNamingFileAndLine(@TempDir Path dir) throws Exception {
        // a comment and a blank line first: line 4 holds row 1
        assertEquals(dir.resolve("token.libsvm") + ":4: value of feature 2 'abc' is not a number (e.g. 1, -0.5, 2e-3)",
                readError(dir, "token", "# digits\n0 1:0.5\n\n1 2:abc\n"));
        assertEquals(dir.resolve("label.libsvm") + ":2: label 'one' is not a number (e.g. 1, -0.5, 2e-3)",
                readError(dir, "label", GOOD.substring(0, 12) + "one 2:1\n"));
        assertEquals(dir.resolve("colon.libsvm") + ":2: token '3' has no ':'; features are written index:value after the label",
                readError(dir, "colon", "0 1:0.5\n1 3\n"));
        assertEquals(dir.resolve("zero.libsvm") + ":1: feature index 0 in '0:1': LibSVM indices start at 1 (valid 1..4)",
                readError(dir, "zero", "1 0:1\n"));
        assertEquals(dir.resolve("descending.libsvm") + ":3: feature index 2 follows index 3; indices must be strictly ascending",
                readError(dir, "descending", GOOD + "1 3:1 2:1\n"));
        assertEquals(dir.resolve("twice.libsvm") + ":1: feature index 3 appears twice; indices must be strictly ascending",
                readError(dir, "twice", "1 3:1 3:2\n"));
        assertEquals(dir.resolve("past.libsvm") + ":2: feature index 9 is past data.features=4 (valid 1..4)",
                readError(dir, "past", "0 1:1\n1 2:1 9:1\n"));
        assertEquals(dir.resolve("cut.libsvm") + ": line 3 does not end with a line break; the file may be cut off. If the row is "
                + "complete, end the file with a newline", readError(dir, "cut", GOOD + "1 2:0.2"));
        Path gz = dir.resolve("rows.libsvm.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write((GOOD + "1 5:1").getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals(gz + ":3: feature index 5 is past data.features=4 (valid 1..4)", readError(gz.toString()));
    }

    @Test
    void aDirectoryIsReadInNameOrderAndLinesAreCountedAcrossSplits(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder("# second file\n");
        for (int i = 0; i < 60; i++) {
            (i < 30 ? a : b).append(i % 3).append(" 1:").append(i).append('\n');
        }
        Files.writeString(data.resolve("b.libsvm"), b);
        Files.writeString(data.resolve("a.libsvm"), a);
        Files.writeString(data.resolve("_SUCCESS"), "");
        Files.writeString(data.resolve(".hidden.libsvm"), "not libsvm");
        SparkSession spark = SparkSetup.localSession("local[2]", "sparknn-tests", false);
        String key = "mapreduce.input.fileinputformat.split.maxsize";
        spark.sparkContext().hadoopConfiguration().set(key, "64"); // many splits, most starting mid-file
        try {
            org.apache.spark.sql.Dataset<Row> df = Inputs.frame(spark, "libsvm", data.toString(), "train", 4, "data.features=4");
            assertTrue(df.rdd().getNumPartitions() > 4, "splits: " + df.rdd().getNumPartitions());
            List<Row> rows = df.collectAsList();
            assertEquals(60, rows.size());
            for (int i = 0; i < 60; i++) {
                Row r = rows.get(i);
                assertEquals(i, r.getLong(0));
                assertEquals(i % 3, r.getDouble(1));
                assertEquals(i, ((org.apache.spark.ml.linalg.Vector) r.get(2)).apply(0));
            }
            Files.writeString(data.resolve("b.libsvm"), b.toString().replace("\n2 1:50\n", "\n2 1:50 1:2\n"));
            assertEquals(data.resolve("b.libsvm") + ":22: feature index 1 appears twice; indices must be strictly ascending",
                    readError(data.toString()));
        } finally {
            spark.sparkContext().hadoopConfiguration().unset(key);
        }
    }

    @Test
    void rowsWithNonFiniteValuesAreDroppedWhenAskedAndCounted(@TempDir Path dir) throws Exception {
        String dirty = GOOD + "1 3:NaN\n" + "2 1:1e39\n" + "nan 2:1\n" + "2 1:1 4:-inf\n" + "2 4:3\n";
        // a label outside the classes is still an error
        String m = trainOn(dir, "dirty-labels", dirty + "7 1:1\n", "dropNonFiniteRows=true");
        assertTrue(m.contains("dirty-labels.libsvm: column 'label' of row 7 is 7.0, which is not a class index"), m);

        String[] args = trainArgs(dir, "dirty", dirty, "dropNonFiniteRows=true");
        PrintStream console = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true));
        try {
            TrainMain.run(args);
        } finally {
            System.setOut(console);
        }
        String out = printed.toString();
        assertTrue(out.contains("sparknn: dropped 4 rows with non-finite values from " + dir.resolve("dirty.libsvm") + "\n"), out);
        assertTrue(out.contains("sparknn: dropped 0 rows with non-finite values from " + dir.resolve("test.libsvm") + "\n"), out);
        assertTrue(Files.exists(dir.resolve("out-dirty/model/sparknn/weights.bin")), out);
    }
}
