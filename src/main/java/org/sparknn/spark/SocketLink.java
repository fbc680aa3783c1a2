package org.sparknn.spark;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * A {@link Link} over one authenticated TCP connection between tasks in different JVMs. A
 * message is its length (int32, big-endian) and its bytes; floats travel little-endian. Every
 * wait has the exchange's timeout and every length is checked against what the step expects
 * before anything is allocated. Encrypted, each direction seals under its own key derived from
 * the connection's session key, so the two directions never share a nonce sequence.
 * <p>
 * The socket's channel carries the messages (after the handshake, which uses its streams): a
 * bucket of floats is copied once into a direct buffer and written from there, and read into a
 * direct buffer and copied once into floats. Through the socket's streams each side copied it
 * once more (a byte array between the floats and the JDK's temporary direct buffer), and a
 * loopback link moved about half as many buckets per second. The channel is non-blocking and each
 * direction waits in its own selector, so the timeouts hold for reads and writes alike.
 */
final class SocketLink implements Link {
    private final SocketChannel channel;
    private final Selector readable;
    private final Selector writable;
    private final StreamCipher sealer;
    private final StreamCipher opener;
    private final String peer;
    private final int timeoutMillis;
    private final ByteBuffer header = ByteBuffer.allocateDirect(4);
    /** [length][floats] of a clear float message, and a little-endian view of its floats. */
    private ByteBuffer sendBuffer = ByteBuffer.allocateDirect(4);
    private FloatBuffer sendFloats = FloatBuffer.allocate(0);
    private ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(0);
    private FloatBuffer receiveFloats = FloatBuffer.allocate(0);
    private byte[] sendScratch = new byte[0];

    /**
     * {@code socket}: opened from a {@link SocketChannel}, connected and past the handshake;
     * {@code lower}: this end belongs to the lower partition of the pair (the one that connected).
     */
    SocketLink(Socket socket, Handshake.Session session, boolean encrypt, boolean lower, String peer, int timeoutMillis)
            throws IOException {
        this.channel = socket.getChannel();
        if (channel == null) {
            throw new IllegalArgumentException("a link needs a socket opened from a SocketChannel");
        }
        this.peer = peer;
        this.timeoutMillis = timeoutMillis;
        channel.configureBlocking(false);
        Selector forReading = Selector.open();
        Selector forWriting = null;
        try {
            forWriting = Selector.open();
            channel.register(forReading, SelectionKey.OP_READ);
            channel.register(forWriting, SelectionKey.OP_WRITE);
        } catch (IOException | RuntimeException e) {
            forReading.close();
            if (forWriting != null) {
                forWriting.close();
            }
            throw e;
        }
        this.readable = forReading;
        this.writable = forWriting;
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
        if (sealer != null) {
            if (sendScratch.length < bytes) {
                sendScratch = new byte[bytes];
            }
            ByteBuffer.wrap(sendScratch).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(buffer, 0, length);
            Buffers.give(buffer);
            write(bytes == sendScratch.length ? sendScratch : java.util.Arrays.copyOf(sendScratch, bytes));
            return;
        }
        if (sendBuffer.capacity() < 4 + bytes) {
            sendBuffer = ByteBuffer.allocateDirect(4 + bytes);
            sendFloats = sendBuffer.position(4).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        }
        sendFloats.clear();
        sendFloats.put(buffer, 0, length);
        Buffers.give(buffer);
        sendBuffer.clear().putInt(0, bytes).limit(4 + bytes);
        writeFully(sendBuffer);
    }

    @Override
    public float[] receiveFloats(int length) throws IOException {
        int bytes = 4 * length;
        if (opener != null) {
            byte[] plain = read(bytes, bytes);
            float[] f = Buffers.take(length);
            ByteBuffer.wrap(plain).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f, 0, length);
            return f;
        }
        readLength(bytes, bytes);
        if (receiveBuffer.capacity() < bytes) {
            receiveBuffer = ByteBuffer.allocateDirect(bytes);
            receiveFloats = receiveBuffer.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        }
        receiveBuffer.clear().limit(bytes);
        readFully(receiveBuffer);
        float[] f = Buffers.take(length);
        receiveFloats.clear();
        receiveFloats.get(f, 0, length);
        return f;
    }

    @Override
    public void sendBytes(byte[] message) throws IOException {
        write(message);
    }

    @Override
    public byte[] receiveBytes(int min, int max) throws IOException {
        return read(min, max);
    }

    private void write(byte[] message) throws IOException {
        byte[] wire = sealer == null ? message : sealer.next(message);
        ByteBuffer[] parts = {ByteBuffer.allocate(4).putInt(0, wire.length), ByteBuffer.wrap(wire)};
        while (parts[0].hasRemaining() || parts[1].hasRemaining()) {
            if (channel.write(parts) == 0) {
                await(writable, "could not send to " + peer);
            }
        }
    }

    /** Reads one message of [min, max] plain bytes. */
    private byte[] read(int min, int max) throws IOException {
        int length = readLength(opener == null ? min : StreamCipher.sealedLength(min),
                opener == null ? max : StreamCipher.sealedLength(max));
        byte[] b = new byte[length];
        readFully(ByteBuffer.wrap(b));
        if (opener == null) {
            return b;
        }
        try {
            return opener.next(b);
        } catch (IOException e) {
            throw new IOException("receiving from " + peer + ": " + e.getMessage(), e);
        }
    }

    /** Reads a message's length and checks it lies in [lo, hi] (wire bytes). */
    private int readLength(int lo, int hi) throws IOException {
        header.clear();
        readFully(header);
        int length = header.getInt(0);
        if (length < lo || length > hi) {
            throw new IOException(peer + " sent a message of " + length + " bytes where this step expects "
                    + (lo == hi ? String.valueOf(lo) : lo + " to " + hi));
        }
        return length;
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.write(b) == 0) {
                await(writable, "could not send to " + peer);
            }
        }
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            int n = channel.read(b);
            if (n < 0) {
                throw new IOException(peer + " closed the connection (its task failed or was stopped)");
            }
            if (n == 0) {
                await(readable, "no data from " + peer);
            }
        }
    }

    /** Waits until the channel is ready in {@code selector}'s direction, at most the exchange's timeout. */
    private void await(Selector selector, String timedOut) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try {
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new IOException(timedOut + " within " + timeoutMillis / 1000 + " s");
                }
                selector.selectedKeys().clear();
                if (selector.select(left) > 0) {
                    return;
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedIOException("interrupted while exchanging with " + peer);
                }
                if (!channel.isOpen()) {
                    throw new IOException("the link to " + peer + " was closed");
                }
            }
        } catch (ClosedSelectorException e) {
            throw new IOException("the link to " + peer + " was closed", e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        readable.wakeup();
        writable.wakeup();
        try {
            readable.close();
            writable.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
