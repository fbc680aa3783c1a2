package org.sparknn.spark;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * float[] <-> byte[] in bulk. Spark serializes a byte[] as one copy, a float[] element by
 * element, so weights and gradients travel as bytes (little-endian, whatever the machines are).
 */
public final class FloatBytes {
    private FloatBytes() {}

    public static byte[] encode(float[] values, int length) {
        byte[] bytes = new byte[length * 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values, 0, length);
        return bytes;
    }

    public static void decode(byte[] bytes, float[] into) {
        if (bytes.length != into.length * 4) {
            throw new IllegalArgumentException("expected " + into.length + " floats, got " + bytes.length + " bytes");
        }
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(into);
    }
}
