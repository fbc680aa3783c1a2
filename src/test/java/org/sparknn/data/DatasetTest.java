package org.sparknn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DatasetTest {

    private static Dataset threeByTwo() {
        return new Dataset("mem", 3, 2, new float[] {1, 2, 3, 4, 5, 6}, new float[] {0, 2, 1});
    }

    @Test
    void rejectsFeatureArrayOfWrongLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("mem", 3, 2, new float[5], new float[3]));
        assertTrue(e.getMessage().contains("features has 5 values, expected size x featureSize = 3 x 2 = 6"),
                e.getMessage());
    }

    @Test
    void rejectsLabelArrayOfWrongLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("mem", 3, 2, new float[6], new float[2]));
        assertTrue(e.getMessage().contains("labels has 2 values, expected one per sample (3)"), e.getMessage());
    }

    @Test
    void rejectsNegativeSize() {
        assertThrows(IllegalArgumentException.class, () -> new Dataset("mem", -1, 2, new float[0], new float[0]));
    }

    @Test
    void classCountIsLargestLabelPlusOne() {
        assertEquals(3, threeByTwo().classCount());
        assertEquals(0, new Dataset("empty", 0, 4, new float[0], new float[0]).classCount());
    }

    @Test
    void classCountRejectsNonIntegerLabels() {
        Dataset d = new Dataset("mem", 2, 1, new float[2], new float[] {1, 0.5f});
        IllegalStateException e = assertThrows(IllegalStateException.class, d::classCount);
        assertTrue(e.getMessage().contains("label of sample 1 is 0.5"), e.getMessage());
        Dataset negative = new Dataset("mem", 1, 1, new float[1], new float[] {-1});
        assertThrows(IllegalStateException.class, negative::classCount);
    }

    @Test
    void sliceCopiesRows() {
        Dataset d = threeByTwo();
        Dataset s = d.slice(1, 3);
        assertEquals(2, s.size());
        assertEquals(2, s.featureSize());
        assertArrayEquals(new float[] {3, 4, 5, 6}, s.features());
        assertArrayEquals(new float[] {2, 1}, s.labels());
        assertEquals("mem[1:3]", s.source());
        s.features()[0] = 99;
        assertEquals(3, d.features()[2], "slice must not share storage with the original");
        assertEquals(0, d.slice(2, 2).size());
        assertThrows(IndexOutOfBoundsException.class, () -> d.slice(2, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> d.slice(2, 1));
    }
}
