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

    private static SocketLink[] links(boolean encrypt, int timeoutMillis) throws Exception {
        Handshake.Session[] sessions = new Handshake.Session[2];
        Socket[] s = connectedPair(Handshake.newSecret(), sessions);
        return new SocketLink[] {new SocketLink(s[0], sessions[0], encrypt, true, "partition 1", timeoutMillis),
            new SocketLink(s[1], sessions[1], encrypt, false, "partition 0", timeoutMillis)};
    }

    @Test
    void floatsAndBytesCrossBothWaysInClearAndSealed() throws Exception {
        for (boolean encrypt : new boolean[] {false, true}) {
            SocketLink[] l = links(encrypt, 5000);
            try {
                int[] lengths = {32768, 1000, 32768, 1};
                CompletableFuture<Void> up = CompletableFuture.runAsync(() -> {
                    try {
                        for (int k = 0; k < lengths.length; k++) {
                            float[] f = new float[lengths[k]];
                            for (int i = 0; i < f.length; i++) {
                                f[i] = k * 1e-3f + i * 0.5f - 7f;
                            }
                            l[0].sendFloats(f, f.length);
                        }
                        l[0].sendBytes(new byte[0]);
                        l[0].sendBytes(new byte[] {3, 1, 4});
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                for (int k = 0; k < lengths.length; k++) {
                    float[] got = l[1].receiveFloats(lengths[k]);
                    for (int i = 0; i < lengths[k]; i++) {
                        assertEquals(k * 1e-3f + i * 0.5f - 7f, got[i], "bucket " + k + " value " + i + (encrypt ? " sealed" : ""));
                    }
                }
                assertEquals(0, l[1].receiveBytes(0, 8).length);
                assertArrayEquals(new byte[] {3, 1, 4}, l[1].receiveBytes(1, 8));
                up.get(10, TimeUnit.SECONDS);
                l[1].sendFloats(new float[] {1.5f, -2.25f}, 2);
                assertArrayEquals(new float[] {1.5f, -2.25f}, java.util.Arrays.copyOf(l[0].receiveFloats(2), 2));
            } finally {
                l[0].close();
                l[1].close();
            }
        }
    }

    @Test
    void aPeerThatStopsReadingFailsTheSenderWithinTheTimeout() throws Exception {
        SocketLink[] l = links(false, 1000);
        try {
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> {
                for (int k = 0; k < 100_000; k++) { // far more than the sockets' buffers hold
                    l[0].sendFloats(new float[32768], 32768);
                }
            });
            assertTrue(e.getMessage().contains("could not send to partition 1 within 1 s"), e.getMessage());
            assertTrue(System.nanoTime() - start < 20_000_000_000L, "the sender waited far past its timeout");
        } finally {
            l[0].close();
            l[1].close();
        }
    }

    @Test
    void closingTheLinkEndsAWaitingReadAtOnce() throws Exception {
        SocketLink[] l = links(false, 30_000);
        try {
            CompletableFuture<float[]> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return l[1].receiveFloats(16);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(200);
            long start = System.nanoTime();
            l[1].close();
            Exception e = assertThrows(Exception.class, () -> waiting.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof java.io.UncheckedIOException, String.valueOf(e.getCause()));
            assertTrue(System.nanoTime() - start < 5_000_000_000L);
        } finally {
            l[0].close();
        }
    }

    @Test
    void aSocketWithoutAChannelIsRefused() throws Exception {
        try (Socket plain = new Socket()) {
            assertThrows(IllegalArgumentException.class, () -> new SocketLink(plain, null, false, true, "partition 1", 1000));
        }
    }
}
