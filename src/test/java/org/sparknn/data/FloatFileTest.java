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

    @Test
    void writtenInsideALargerMessageOfEitherByteOrderTheBytesAreTheFilesAndAreReadInPlace() throws IOException {
        byte[] file = FloatFile.encode("TESTFILE", 3, ARRAYS);
        ByteBuffer message = ByteBuffer.allocate(5 + file.length + 3); // big-endian, as a message's header may be
        message.put(new byte[] {9, 9, 9, 9, 9});
        FloatFile.encodeInto(message, "TESTFILE", 3, ARRAYS);
        assertEquals(ByteOrder.BIG_ENDIAN, message.order(), "the buffer's order is left as it was");
        assertEquals(5 + file.length, message.position());
        byte[] bytes = message.array();
        assertArrayEquals(file, Arrays.copyOfRange(bytes, 5, 5 + file.length));

        FloatFile.Layout layout = FloatFile.read(bytes, 5, 5 + file.length, "TESTFILE", 3, "m");
        assertArrayEquals(new int[] {3, 0, 1}, layout.lengths());
        float[] first = new float[3];
        layout.copyInto(0, first);
        assertArrayEquals(ARRAYS.get(0), first, 0f);
        assertArrayEquals(Arrays.copyOfRange(file, 28, 40), layout.bytesOf(0), "little-endian floats as the file holds them");
        assertThrows(IllegalArgumentException.class, () -> layout.copyInto(2, new float[2]));
        // the checksum covers only the region read: damage outside it is not the file's, damage inside is
        bytes[0] ^= 1;
        bytes[bytes.length - 1] ^= 1;
        FloatFile.read(bytes, 5, 5 + file.length, "TESTFILE", 3, "m");
        bytes[5 + 30] ^= 4;
        assertTrue(assertThrows(IOException.class, () -> FloatFile.read(bytes, 5, 5 + file.length, "TESTFILE", 3, "m"))
                .getMessage().startsWith("m: checksum mismatch"));
        assertTrue(assertThrows(IOException.class, () -> FloatFile.read(bytes, 5, 5 + file.length - 1, "TESTFILE", 3, "m"))
                .getMessage().contains("truncated or corrupt"));
    }
}
