package org.sparknn.data;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one binary format for float arrays, with every way a file can be wrong. */
class FloatFileTest {
    private static final List<float[]> ARRAYS = List.of(new float[] {1f, -2.5f, Float.MIN_VALUE}, new float[0], new float[] {7f});

    private static String failure(byte[] bytes) {
        return assertThrows(IOException.class, () -> FloatFile.decode(bytes, "TESTFILE", 3, "f.bin")).getMessage();
    }

    @Test
    void roundTripsLittleEndian() throws IOException {
        byte[] bytes = FloatFile.encode("TESTFILE", 3, ARRAYS);
        List<float[]> back = FloatFile.decode(bytes, "TESTFILE", 3, "f.bin");
        assertEquals(3, back.size());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(ARRAYS.get(i), back.get(i), 0f);
        }
        // header: magic, version 3, 3 arrays of 3, 0 and 1 values, then the values in little-endian
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(3, b.getInt(8));
        assertEquals(3, b.getInt(12));
        assertEquals(-2.5f, b.getFloat(28 + 4));
        assertEquals(8 + 4 + 4 + 12 + 4 * 4 + 8, bytes.length);
    }

    @Test
    void everyDamageIsACleanErrorNamingTheFile() {
        byte[] good = FloatFile.encode("TESTFILE", 3, ARRAYS);
        assertTrue(failure(Arrays.copyOf(good, 10)).startsWith("f.bin: truncated"));
        assertTrue(failure(Arrays.copyOf(good, good.length - 1)).contains("truncated or corrupt"));
        byte[] flipped = good.clone();
        flipped[30] ^= 4;
        assertTrue(failure(flipped).contains("checksum mismatch"));
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertTrue(failure(magic).contains("not a TESTFILE file"));
        byte[] version = good.clone();
        ByteBuffer.wrap(version).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 9);
        assertTrue(failure(version).contains("format version 9; this sparknn reads version 3"));
        // lengths of 2^31-1 are refused before anything is allocated
        byte[] hugeCount = good.clone();
        ByteBuffer.wrap(hugeCount).order(ByteOrder.LITTLE_ENDIAN).putInt(12, Integer.MAX_VALUE);
        assertTrue(failure(hugeCount).contains("header announces 2147483647 arrays"));
        byte[] hugeLength = good.clone();
        ByteBuffer.wrap(hugeLength).order(ByteOrder.LITTLE_ENDIAN).putInt(16, Integer.MAX_VALUE);
        assertTrue(failure(hugeLength).contains("truncated or corrupt"));
        byte[] negative = good.clone();
        ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putInt(16, -1);
        assertTrue(failure(negative).contains("array 0 has length -1"));
    }
}
