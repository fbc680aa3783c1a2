package org.sparknn.spark;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;

/**
 * AES-GCM for the messages of one direction of one connection. A message is sealed as records
 * of at most 64 KiB, each with its own tag (JDK 17 runs GCM at a few GB/s on records of this size
 * but at tens of MB/s on one multi-megabyte call). The key is the connection's own (from its
 * {@link Handshake}), the IV a record sequence number, so no IV ever repeats under a key, and
 * every record binds the message length, so a message altered, cut, dropped, replayed or
 * reordered fails its tag.
 */
final class StreamCipher {
    static final int TAG_BYTES = 16;
    private static final int RECORD = 1 << 16;

    private final Cipher cipher;
    private final SecretKeySpec key;
    private final boolean sealing;
    private long sequence;

    private StreamCipher(byte[] sessionKey, boolean sealing) {
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is not available", e);
        }
        this.key = new SecretKeySpec(sessionKey, 0, 16, "AES");
        this.sealing = sealing;
    }

    static StreamCipher encrypting(byte[] sessionKey) {
        return new StreamCipher(sessionKey, true);
    }

    static StreamCipher decrypting(byte[] sessionKey) {
        return new StreamCipher(sessionKey, false);
    }

    /** The length on the wire of a message of {@code plain} bytes. */
    static int sealedLength(int plain) {
        int records = Math.max(1, (plain + RECORD - 1) / RECORD);
        return plain + TAG_BYTES * records;
    }

    /** Encrypts the next message (when sealing) or decrypts and checks it (when opening). */
    byte[] next(byte[] message) throws IOException {
        return sealing ? seal(message) : open(message);
    }

    private byte[] seal(byte[] plain) throws IOException {
        byte[] out = new byte[sealedLength(plain.length)];
        int in = 0;
        int at = 0;
        do {
            int n = Math.min(RECORD, plain.length - in);
            at += crypt(Cipher.ENCRYPT_MODE, plain.length, plain, in, n, out, at);
            in += n;
        } while (in < plain.length);
        return out;
    }

    private byte[] open(byte[] wire) throws IOException {
        int records = Math.max(1, (wire.length + RECORD + TAG_BYTES - 1) / (RECORD + TAG_BYTES));
        int plainLength = wire.length - TAG_BYTES * records;
        if (plainLength < 0 || sealedLength(plainLength) != wire.length) {
            throw new IOException("a sealed message of " + wire.length + " bytes is not a whole number of records");
        }
        byte[] out = new byte[plainLength];
        int at = 0;
        int in = 0;
        do {
            int n = Math.min(RECORD + TAG_BYTES, wire.length - in);
            at += crypt(Cipher.DECRYPT_MODE, plainLength, wire, in, n, out, at);
            in += n;
        } while (in < wire.length);
        return out;
    }

    private int crypt(int mode, int messageLength, byte[] in, int offset, int length, byte[] out, int outOffset)
            throws IOException {
        long record = sequence++;
        byte[] iv = ByteBuffer.allocate(12).putInt(0).putLong(record).array();
        try {
            cipher.init(mode, key, new GCMParameterSpec(8 * TAG_BYTES, iv));
            cipher.updateAAD(ByteBuffer.allocate(4).putInt(messageLength).array());
            return cipher.doFinal(in, offset, length, out, outOffset);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IOException("record " + record + " failed authentication (altered, cut, replayed or reordered)", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("AES-GCM: " + e.getMessage(), e);
        }
    }
}
