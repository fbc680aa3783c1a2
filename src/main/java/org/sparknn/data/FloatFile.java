package org.sparknn.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The one binary format for arrays of floats (model weights, checkpoints): an 8-byte magic that
 * names the kind of file, the format version and the number of arrays (int32), each array's
 * length (int32), the values (float32), then the CRC32 of everything before it (int64); all
 * little-endian. Reading checks magic, version, lengths and checksum, and names the file in
 * every error.
 */
public final class FloatFile {
    private FloatFile() {}

    public static byte[] encode(String magic, int version, List<float[]> arrays) {
        long size = encodedBytes(arrays);
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("arrays of " + size + " bytes are too large for one file");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        encodeInto(buf, magic, version, arrays);
        return buf.array();
    }

    /** The length of what {@link #encode} writes for these arrays. */
    public static long encodedBytes(List<float[]> arrays) {
        long size = 8 + 8 + 4L * arrays.size() + 8;
        for (float[] a : arrays) {
            size += 4L * a.length;
        }
        return size;
    }

    /**
     * Writes what {@link #encode} returns into {@code out}, an array-backed buffer of either byte
     * order (left as it was), at its position: a message that carries the arrays inside it copies
     * each value once.
     */
    public static void encodeInto(ByteBuffer out, String magic, int version, List<float[]> arrays) {
        byte[] m = magicBytes(magic);
        int start = out.position();
        ByteOrder order = out.order();
        ByteBuffer buf = out.order(ByteOrder.LITTLE_ENDIAN);
        buf.put(m).putInt(version).putInt(arrays.size());
        for (float[] a : arrays) {
            buf.putInt(a.length);
        }
        for (float[] a : arrays) {
            buf.asFloatBuffer().put(a);
            buf.position(buf.position() + 4 * a.length);
        }
        CRC32 crc = new CRC32();
        crc.update(buf.array(), buf.arrayOffset() + start, buf.position() - start);
        buf.putLong(crc.getValue());
        out.order(order);
    }

    /** The arrays of a file written by {@link #encode}; {@code name} (the path) appears in every error. */
    public static List<float[]> decode(byte[] bytes, String magic, int version, String name) throws IOException {
        Layout layout = read(bytes, 0, bytes.length, magic, version, name);
        List<float[]> arrays = new ArrayList<>(layout.count());
        for (int i = 0; i < layout.count(); i++) {
            float[] a = new float[layout.length(i)];
            layout.copyInto(i, a);
            arrays.add(a);
        }
        return arrays;
    }

    /**
     * Checks what {@link #encode} wrote into {@code bytes[from, to)} (magic, version, lengths,
     * checksum) and tells where each array's values lie, without copying them; {@code name}
     * appears in every error.
     */
    public static Layout read(byte[] bytes, int from, int to, String magic, int version, String name) throws IOException {
        byte[] m = magicBytes(magic);
        int size = to - from;
        if (size < m.length + 16) {
            throw new IOException(name + ": truncated: " + size + " bytes, shorter than the header");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes, from, size).order(ByteOrder.LITTLE_ENDIAN);
        byte[] found = new byte[m.length];
        buf.get(found);
        if (!Arrays.equals(found, m)) {
            throw new IOException(name + ": not a " + magic + " file (bad magic)");
        }
        int fileVersion = buf.getInt();
        if (fileVersion != version) {
            throw new IOException(name + ": format version " + fileVersion + "; this sparknn reads version " + version);
        }
        int count = buf.getInt();
        if (count < 0 || count > (to - buf.position()) / 4) {
            throw new IOException(name + ": truncated or corrupt: header announces " + count + " arrays");
        }
        int[] lengths = new int[count];
        long expected = m.length + 8 + 4L * count + 8;
        for (int i = 0; i < count; i++) {
            lengths[i] = buf.getInt();
            expected += 4L * lengths[i];
            if (lengths[i] < 0) {
                throw new IOException(name + ": corrupt: array " + i + " has length " + lengths[i]);
            }
        }
        if (size != expected) {
            throw new IOException(name + ": truncated or corrupt: " + size + " bytes, the header announces "
                    + expected + " (arrays of " + Arrays.toString(lengths) + " values)");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, from, size - 8);
        long stored = ByteBuffer.wrap(bytes, to - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (stored != crc.getValue()) {
            throw new IOException(name + ": checksum mismatch (stored " + Long.toHexString(stored) + ", computed "
                    + Long.toHexString(crc.getValue()) + "): the file is corrupt");
        }
        int[] offsets = new int[count];
        int at = buf.position();
        for (int i = 0; i < count; i++) {
            offsets[i] = at;
            at += 4 * lengths[i];
        }
        return new Layout(bytes, lengths, offsets);
    }

    /** Checked arrays lying in an encoded file's bytes: array i has lengths[i] values from byte offsets[i]. */
    public record Layout(byte[] bytes, int[] lengths, int[] offsets) {
        public int count() {
            return lengths.length;
        }

        public int length(int i) {
            return lengths[i];
        }

        /** Array i's values into {@code into}, which must be exactly as long. */
        public void copyInto(int i, float[] into) {
            if (into.length != lengths[i]) {
                throw new IllegalArgumentException("array " + i + " has " + lengths[i] + " values; the destination holds " + into.length);
            }
            ByteBuffer.wrap(bytes, offsets[i], 4 * lengths[i]).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(into);
        }

        /** Array i's values as little-endian bytes (a copy). */
        public byte[] bytesOf(int i) {
            return Arrays.copyOfRange(bytes, offsets[i], offsets[i] + 4 * lengths[i]);
        }
    }

    private static byte[] magicBytes(String magic) {
        byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
        if (m.length != 8) {
            throw new IllegalArgumentException("magic must be 8 ASCII characters: " + magic);
        }
        return m;
    }
}
