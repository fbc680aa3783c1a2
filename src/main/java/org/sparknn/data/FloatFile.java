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
        byte[] m = magicBytes(magic);
        long size = m.length + 8 + 4L * arrays.size() + 8;
        for (float[] a : arrays) {
            size += 4L * a.length;
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("arrays of " + size + " bytes are too large for one file");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(m).putInt(version).putInt(arrays.size());
        for (float[] a : arrays) {
            buf.putInt(a.length);
        }
        for (float[] a : arrays) {
            buf.asFloatBuffer().put(a);
            buf.position(buf.position() + 4 * a.length);
        }
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, buf.position());
        buf.putLong(crc.getValue());
        return buf.array();
    }

    /** The arrays of a file written by {@link #encode}; {@code name} (the path) appears in every error. */
    public static List<float[]> decode(byte[] bytes, String magic, int version, String name) throws IOException {
        byte[] m = magicBytes(magic);
        if (bytes.length < m.length + 16) {
            throw new IOException(name + ": truncated: " + bytes.length + " bytes, shorter than the header");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
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
        if (count < 0 || count > (bytes.length - buf.position()) / 4) {
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
        if (bytes.length != expected) {
            throw new IOException(name + ": truncated or corrupt: " + bytes.length + " bytes, the header announces "
                    + expected + " (arrays of " + Arrays.toString(lengths) + " values)");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        long stored = ByteBuffer.wrap(bytes, bytes.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (stored != crc.getValue()) {
            throw new IOException(name + ": checksum mismatch (stored " + Long.toHexString(stored) + ", computed "
                    + Long.toHexString(crc.getValue()) + "): the file is corrupt");
        }
        List<float[]> arrays = new ArrayList<>(count);
        for (int len : lengths) {
            float[] a = new float[len];
            buf.asFloatBuffer().get(a);
            buf.position(buf.position() + 4 * len);
            arrays.add(a);
        }
        return arrays;
    }

    private static byte[] magicBytes(String magic) {
        byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
        if (m.length != 8) {
            throw new IllegalArgumentException("magic must be 8 ASCII characters: " + magic);
        }
        return m;
    }
}
