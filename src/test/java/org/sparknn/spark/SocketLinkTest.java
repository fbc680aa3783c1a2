package org.sparknn.spark;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The socket link on its own: messages both ways, in clear and sealed, and its waits that end. */
class SocketLinkTest {
    /** Two proven sockets of one connection, channel-backed as the exchange opens them: [lower, upper]. */
    private static Socket[] connectedPair(byte[] secret, Handshake.Session[] sessions) throws Exception {
        try (ServerSocket server = ServerSocketChannel.open().socket()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    Socket s = server.accept();
                    s.setSoTimeout(5000);
                    sessions[1] = Handshake.accept(s, secret, "peer", v -> v == 1L << 32);
                    return s;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Socket lower = SocketChannel.open().socket();
            lower.connect(server.getLocalSocketAddress(), 5000);
            lower.setSoTimeout(5000);
            sessions[0] = Handshake.connect(lower, secret, "peer", 1L << 32);
            return new Socket[] {lower, accepted.get(10, TimeUnit.SECONDS)};
        }
    }

    /** Both ends of one link, closed together. */
    private record Ends(SocketLink lower, SocketLink upper) implements AutoCloseable {
        @Override
        public void close() {
            lower.close();
            upper.close();
        }
    }

    private static Ends links(boolean encrypt, int timeoutMillis) throws Exception {
        Handshake.Session[] sessions = new Handshake.Session[2];
        Socket[] s = connectedPair(Handshake.newSecret(), sessions);
        return new Ends(new SocketLink(s[0], sessions[0], encrypt, true, "partition 1", timeoutMillis),
                new SocketLink(s[1], sessions[1], encrypt, false, "partition 0", timeoutMillis));
    }

    /** The upper end of a proven connection as a link, and the lower end as the raw socket a misbehaving peer writes to. */
    private static Object[] linkAndRawPeer(int timeoutMillis) throws Exception {
        Handshake.Session[] sessions = new Handshake.Session[2];
        Socket[] s = connectedPair(Handshake.newSecret(), sessions);
        return new Object[] {new SocketLink(s[1], sessions[1], false, false, "partition 0", timeoutMillis), s[0]};
    }

    @Test
    void floatsAndBytesCrossBothWaysInClearAndSealed() throws Exception {
        for (boolean encrypt : new boolean[] {false, true}) {
            try (Ends l = links(encrypt, 5000)) {
                int[] lengths = {32768, 1000, 32768, 1};
                CompletableFuture<Void> up = CompletableFuture.runAsync(() -> {
                    try {
                        for (int k = 0; k < lengths.length; k++) {
                            float[] f = new float[lengths[k]];
                            for (int i = 0; i < f.length; i++) {
                                f[i] = k * 1e-3f + i * 0.5f - 7f;
                            }
                            l.lower().sendFloats(f, f.length);
                        }
                        l.lower().sendBytes(new byte[0]);
                        l.lower().sendBytes(new byte[] {3, 1, 4});
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                for (int k = 0; k < lengths.length; k++) {
                    float[] got = l.upper().receiveFloats(lengths[k]);
                    for (int i = 0; i < lengths[k]; i++) {
                        assertEquals(k * 1e-3f + i * 0.5f - 7f, got[i], "bucket " + k + " value " + i + (encrypt ? " sealed" : ""));
                    }
                }
                assertEquals(0, l.upper().receiveBytes(0, 8).length);
                assertArrayEquals(new byte[] {3, 1, 4}, l.upper().receiveBytes(1, 8));
                up.get(10, TimeUnit.SECONDS);
                l.upper().sendFloats(new float[] {1.5f, -2.25f}, 2);
                assertArrayEquals(new float[] {1.5f, -2.25f}, java.util.Arrays.copyOf(l.lower().receiveFloats(2), 2));
            }
        }
    }

    @Test
    void nonFiniteValuesCrossUnchangedToTheStepThatChecksThem() throws Exception {
        try (Ends l = links(false, 5000)) {
            float quietNanWithPayload = Float.intBitsToFloat(0x7fc00123);
            float[] sent = {Float.NaN, quietNanWithPayload, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE};
            l.lower().sendFloats(sent.clone(), sent.length);
            float[] got = l.upper().receiveFloats(sent.length);
            for (int i = 0; i < sent.length; i++) {
                assertEquals(Float.floatToRawIntBits(sent[i]), Float.floatToRawIntBits(got[i]), "value " + i);
            }
        }
    }

    @Test
    void aPeerThatStopsReadingFailsTheSenderWithinTheTimeout() throws Exception {
        try (Ends l = links(false, 1000)) {
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> {
                for (int k = 0; k < 100_000; k++) { // far more than the sockets' buffers hold
                    l.lower().sendFloats(new float[32768], 32768);
                }
            });
            assertTrue(e.getMessage().contains("could not send to partition 1 within 1 s"), e.getMessage());
            assertTrue(System.nanoTime() - start < 20_000_000_000L, "the sender waited far past its timeout");
        }
    }

    @Test
    void closingTheLinkEndsAWaitingReadAtOnce() throws Exception {
        try (Ends l = links(false, 30_000)) {
            CompletableFuture<float[]> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return l.upper().receiveFloats(16);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(200);
            long start = System.nanoTime();
            l.upper().close();
            Exception e = assertThrows(Exception.class, () -> waiting.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof java.io.UncheckedIOException, String.valueOf(e.getCause()));
            assertTrue(System.nanoTime() - start < 5_000_000_000L);
        }
    }

    @Test
    void aTruncatedMessageOrAnOversizedLengthIsRefusedNamingThePeer() throws Exception {
        Object[] a = linkAndRawPeer(5000);
        SocketLink link = (SocketLink) a[0];
        try (Socket peer = (Socket) a[1]) {
            java.io.DataOutputStream out = new java.io.DataOutputStream(peer.getOutputStream());
            out.writeInt(400); // a 100-float bucket, of which only 12 bytes come before the peer leaves
            out.write(new byte[12]);
            out.flush();
            peer.shutdownOutput();
            IOException e = assertThrows(IOException.class, () -> link.receiveFloats(100));
            assertTrue(e.getMessage().contains("partition 0 closed the connection"), e.getMessage());
        } finally {
            link.close();
        }
        a = linkAndRawPeer(5000);
        SocketLink other = (SocketLink) a[0];
        try (Socket peer = (Socket) a[1]) {
            new java.io.DataOutputStream(peer.getOutputStream()).writeInt(Integer.MAX_VALUE);
            IOException e = assertThrows(IOException.class, () -> other.receiveBytes(1, 64));
            assertTrue(e.getMessage().contains("partition 0 sent a message of 2147483647 bytes where this step expects 1 to 64"),
                    e.getMessage());
        } finally {
            other.close();
        }
    }

    @Test
    void aSocketWithoutAChannelIsRefused() throws Exception {
        try (Socket plain = new Socket()) {
            assertThrows(IllegalArgumentException.class, () -> new SocketLink(plain, null, false, true, "partition 1", 1000));
        }
    }
}
