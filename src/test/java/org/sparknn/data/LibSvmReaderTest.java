package org.sparknn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibSvmReaderTest {

    @TempDir
    Path dir;

    private static final String GOOD = String.join("\n",
            "# three samples, features 1..4",
            "1 1:0.5 3:2",
            "",
            "0   2:-1e-1\t4:3   # trailing comment",
            "2",
            "");

    @Test
    void readsDenseRowsWithGivenFeatureSize() throws IOException {
        Dataset d = LibSvmReader.read(write("good.svm", GOOD), 5);
        assertEquals(3, d.size());
        assertEquals(5, d.featureSize());
        assertArrayEquals(new float[] {
            0.5f, 0, 2, 0, 0,
            0, -0.1f, 0, 3, 0,
            0, 0, 0, 0, 0}, d.features());
        assertArrayEquals(new float[] {1, 0, 2}, d.labels());
        assertEquals(3, d.classCount());
    }

    @Test
    void infersFeatureSizeFromLargestIndex() throws IOException {
        Dataset d = LibSvmReader.read(write("good.svm", GOOD));
        assertEquals(4, d.featureSize());
        assertEquals(3, d.features()[4 + 3]);
    }

    @Test
    void acceptsWindowsLineEndingsAndSignedLabels() throws IOException {
        Dataset d = LibSvmReader.read(write("crlf.svm", "+1 1:1\r\n-1 2:1\r\n"), 2);
        assertArrayEquals(new float[] {1, -1}, d.labels());
        assertArrayEquals(new float[] {1, 0, 0, 1}, d.features());
    }

    @Test
    void emptyFileGivesEmptyDataset() throws IOException {
        Dataset d = LibSvmReader.read(write("empty.svm", ""), 3);
        assertEquals(0, d.size());
        assertEquals(3, d.featureSize());
    }

    @Test
    void nonNumericLabel() throws IOException {
        assertFails("1 1:1\ncat 1:1\n", "line 2: label 'cat' is not a number");
    }

    @Test
    void nanLabelIsNotANumber() throws IOException {
        assertFails("NaN 1:1\n", "line 1: label 'NaN' is not a number");
    }

    @Test
    void indexNotAscending() throws IOException {
        assertFails("1 1:1\n0 3:1 2:1\n", "line 2: index 2 is not ascending (follows index 3)");
    }

    @Test
    void duplicateIndex() throws IOException {
        assertFails("0 2:1 2:5\n", "line 1: index 2 is not ascending (follows index 2)");
    }

    @Test
    void indexZeroOutOfRange() throws IOException {
        assertFails("0 0:1\n", "line 1: index 0 out of range 1..4");
    }

    @Test
    void indexAboveFeatureSize() throws IOException {
        assertFails("0 1:1\n\n1 5:1\n", "line 3: index 5 out of range 1..4");
    }

    @Test
    void hugeIndexOutOfRange() throws IOException {
        assertFails("0 99999999999999999999:1\n", "line 1: index 99999999999999999999 out of range 1..4");
    }

    @Test
    void tokenWithoutColon() throws IOException {
        assertFails("1 1:1\n1 1:1 2 3:1\n", "line 2: malformed token '2', expected index:value");
    }

    @Test
    void nonIntegerIndex() throws IOException {
        assertFails("1 qid:3 1:1\n", "line 1: malformed token 'qid:3': index 'qid' is not a positive integer");
    }

    @Test
    void negativeIndex() throws IOException {
        assertFails("1 -1:3\n", "line 1: malformed token '-1:3': index '-1' is not a positive integer");
    }

    @Test
    void nonNumericValue() throws IOException {
        assertFails("1 1:x\n", "line 1: malformed token '1:x': value 'x' is not a number");
    }

    @Test
    void emptyValue() throws IOException {
        assertFails("1 1:\n", "line 1: malformed token '1:': value '' is not a number");
    }

    @Test
    void valueOverflowingFloat() throws IOException {
        assertFails("1 1:1e60\n", "line 1: value '1e60' of index 1 overflows a float");
    }

    @Test
    void rejectsNegativeFeatureSize() {
        assertThrows(IllegalArgumentException.class, () -> LibSvmReader.read(dir.resolve("x"), -1));
    }

    /** Reading {@code content} with featureSize 4 must fail naming the file and the problem. */
    private void assertFails(String content, String problem) throws IOException {
        Path file = write("bad.svm", content);
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> LibSvmReader.read(file, 4));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), "expected '" + problem + "' in: " + e.getMessage());
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
