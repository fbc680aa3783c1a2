package org.sparknn.spark;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;

/**
 * AES-GCM for the messages of one direction of one connection: the key is the connection's own
 * (from its {@link Handshake}), the IV the message's sequence number, so no IV ever repeats under
 * a key, and a message altered, dropped, replayed or reordered fails its tag.
 */
final class StreamCipher {
    static final int TAG_BYTES = 16;

    private final Cipher cipher;
    private final SecretKeySpec key;
    private final int mode;
    private long sequence;

    private StreamCipher(byte[] sessionKey, int mode) {
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is not available", e);
        }
        this.key = new SecretKeySpec(sessionKey, 0, 16, "AES");
        this.mode = mode;
    }

    static StreamCipher encrypting(byte[] sessionKey) {
        return new StreamCipher(sessionKey, Cipher.ENCRYPT_MODE);
    }

    static StreamCipher decrypting(byte[] sessionKey) {
        return new StreamCipher(sessionKey, Cipher.DECRYPT_MODE);
    }

    /** Encrypts or decrypts the next message of the stream. */
    byte[] next(byte[] message) throws IOException {
        byte[] iv = ByteBuffer.allocate(12).putInt(0).putLong(sequence++).array();
        try {
            cipher.init(mode, key, new GCMParameterSpec(8 * TAG_BYTES, iv));
            return cipher.doFinal(message);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IOException("message " + (sequence - 1) + " failed authentication (altered, replayed or reordered)", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("AES-GCM: " + e.getMessage(), e);
        }
    }
}
