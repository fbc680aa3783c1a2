package org.sparknn.spark;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * A {@link Link} over one authenticated TCP connection between tasks in different JVMs. A
 * message is its length (int32) and its bytes; floats travel little-endian. Every read has the
 * exchange's timeout and every length is checked against what the step expects before anything
 * is allocated. Encrypted, each direction seals under its own key derived from the connection's
 * session key, so the two directions never share a nonce sequence.
 */
final class SocketLink implements Link {
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final StreamCipher sealer;
    private final StreamCipher opener;
    private final String peer;
    private final int timeoutMillis;
    private byte[] sendScratch = new byte[0];
    private byte[] receiveScratch = new byte[0];

    /** {@code lower}: this end belongs to the lower partition of the pair (the one that connected). */
    SocketLink(Socket socket, Handshake.Session session, boolean encrypt, boolean lower, String peer, int timeoutMillis)
            throws IOException {
        this.socket = socket;
        this.peer = peer;
        this.timeoutMillis = timeoutMillis;
        socket.setSoTimeout(timeoutMillis);
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
        this.sealer = encrypt ? StreamCipher.encrypting(directionKey(session.key(), lower ? "up" : "down")) : null;
        this.opener = encrypt ? StreamCipher.decrypting(directionKey(session.key(), lower ? "down" : "up")) : null;
    }

    static byte[] directionKey(byte[] sessionKey, String direction) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(sessionKey, "HmacSHA256"));
            return mac.doFinal(direction.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    @Override
    public void sendFloats(float[] buffer, int length) throws IOException {
        int bytes = 4 * length;
        if (sendScratch.length < bytes) {
            sendScratch = new byte[bytes];
        }
        ByteBuffer.wrap(sendScratch, 0, bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(buffer, 0, length);
        Buffers.give(buffer);
        write(sendScratch, bytes);
    }

    @Override
    public float[] receiveFloats(int length) throws IOException {
        int bytes = 4 * length;
        if (receiveScratch.length < bytes) {
            receiveScratch = new byte[bytes];
        }
        byte[] plain = read(bytes, bytes, receiveScratch);
        float[] f = Buffers.take(length);
        ByteBuffer.wrap(plain, 0, bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f, 0, length);
        return f;
    }

    @Override
    public void sendBytes(byte[] message) throws IOException {
        write(message, message.length);
    }

    @Override
    public byte[] receiveBytes(int min, int max) throws IOException {
        return read(min, max, null);
    }

    private void write(byte[] bytes, int length) throws IOException {
        byte[] wire = bytes;
        int n = length;
        if (sealer != null) {
            wire = sealer.next(length == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, length));
            n = wire.length;
        }
        out.writeInt(n);
        out.write(wire, 0, n);
        out.flush();
    }

    /** Reads one message of [min, max] plain bytes, into {@code scratch} when given and the message is clear. */
    private byte[] read(int min, int max, byte[] scratch) throws IOException {
        int lo = opener == null ? min : StreamCipher.sealedLength(min);
        int hi = opener == null ? max : StreamCipher.sealedLength(max);
        try {
            int length = in.readInt();
            if (length < lo || length > hi) {
                throw new IOException(peer + " sent a message of " + length + " bytes where this step expects "
                        + (lo == hi ? String.valueOf(lo) : lo + " to " + hi));
            }
            byte[] b = scratch != null && opener == null ? scratch : new byte[length];
            in.readFully(b, 0, length);
            return opener == null ? b : open(b);
        } catch (SocketTimeoutException e) {
            throw new IOException("no data from " + peer + " within " + timeoutMillis / 1000 + " s", e);
        } catch (java.io.EOFException e) {
            throw new IOException(peer + " closed the connection (its task failed or was stopped)", e);
        }
    }

    private byte[] open(byte[] sealed) throws IOException {
        try {
            return opener.next(sealed);
        } catch (IOException e) {
            throw new IOException("receiving from " + peer + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
