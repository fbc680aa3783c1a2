package org.sparknn.spark;

import org.junit.jupiter.api.Test;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The all-reduce connections with strangers and misbehaving peers, without Spark: the rendezvous
 * and the peer sockets accept only connections that prove the run's secret, check every partition
 * number and length, and time out instead of hanging.
 */
class PeerExchangeTest {
    private static final String HOST = "127.0.0.1";
    private final ExecutorService pool = Executors.newCachedThreadPool();

    /** A plain socket to {@code address}, with 5 s timeouts (tests that speak the protocol by hand). */
    static Socket open(String address) throws IOException {
        int colon = address.lastIndexOf(':');
        Socket s = new Socket();
        s.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))), 5000);
        s.setSoTimeout(5000);
        return s;
    }

    @Test
    void rendezvousServesTheGroupWhileStrangersAreTurnedAway() throws Exception {
        byte[] secret = Handshake.newSecret();
        try (Rendezvous r = new Rendezvous(HOST, 2, secret);
             Socket silent = open(r.address());
             Socket garbage = open(r.address());
             Socket wrongSecret = open(r.address());
             Socket badPartition = open(r.address())) {
            OutputStream g = garbage.getOutputStream();
            g.write(new byte[] {0x7f, -1, -1, -1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                    23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50,
                    51, 52, 53, 54, 55, 56});
            g.flush();
            assertThrows(IOException.class, () -> Handshake.connect(wrongSecret, Handshake.newSecret(), "rendezvous", 0));
            assertThrows(IOException.class, () -> Handshake.connect(badPartition, secret, "rendezvous", 7));

            // the group forms at once although a silent connection is still open
            long start = System.nanoTime();
            Future<String[]> p0 = pool.submit(() -> Rendezvous.meet(r.address(), secret, 0, 0, "127.0.0.1:1000", 2, 5000));
            Future<String[]> p1 = pool.submit(() -> Rendezvous.meet(r.address(), secret, 1, 0, "127.0.0.1:1001", 2, 5000));
            String[] expected = {"127.0.0.1:1000", "127.0.0.1:1001"};
            assertArrayEquals(expected, p0.get(5, TimeUnit.SECONDS));
            assertArrayEquals(expected, p1.get(5, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - start < 3_000_000_000L, "the group waited for a stranger");
            assertTrue(silent.isConnected());

            // a task with the wrong secret is never let in
            IOException e = assertThrows(IOException.class,
                    () -> Rendezvous.meet(r.address(), Handshake.newSecret(), 0, 1, "127.0.0.1:1002", 2, 2000));
            assertTrue(e.getMessage().contains("did not complete the run-secret handshake"), e.getMessage());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (r.refused() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(r.refused() >= 4, "refused " + r.refused());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void peersAddInPartitionOrderOverSockets() throws Exception {
        chain(2, false, PeerExchange.InJvm.SOCKETS);
        chain(4, false, PeerExchange.InJvm.SOCKETS);
    }

    @Test
    void peersAddInPartitionOrderEncrypted() throws Exception {
        chain(3, true, PeerExchange.InJvm.SOCKETS);
    }

    @Test
    void peersInOneJvmHandBuffersOverAndAddInPartitionOrder() throws Exception {
        chain(4, false, PeerExchange.InJvm.HAND_OVER);
    }

    @Test
    void tasksAllInOneJvmSumTheirArraysInPartitionOrder() throws Exception {
        chain(1, false, PeerExchange.InJvm.SHARE);
        chain(3, false, PeerExchange.InJvm.SHARE);
        chain(4, true, PeerExchange.InJvm.SHARE);
    }

    /**
     * One shared group through many exchanges, as a run makes them: gradient exchanges of several
     * lengths between figures-only ones (synchronized BN), partners arriving in random order.
     */
    @Test
    void sharedExchangesKeepEveryStepApart() throws Exception {
        int partitions = 3;
        byte[] secret = Handshake.newSecret();
        ExecutorService tasksPool = Executors.newCachedThreadPool();
        int steps = 60;
        try (Rendezvous r = new Rendezvous(HOST, partitions, secret)) {
            List<Future<Void>> tasks = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                int partition = p;
                tasks.add(tasksPool.submit(() -> {
                    java.util.Random delay = new java.util.Random(partition);
                    try (PeerExchange x = new PeerExchange(HOST, r.address(), secret, partition, partitions, 0, 5000, 16, false)) {
                        for (int step = 0; step < steps; step++) {
                            byte[][] bn = x.allReduce(new float[0], 0, new byte[] {(byte) partition, (byte) step, 7});
                            for (int q = 0; q < partitions; q++) {
                                assertArrayEquals(new byte[] {(byte) q, (byte) step, 7}, bn[q], "step " + step);
                            }
                            int n = 1 + step * 997 % 5000;
                            float[] g = new float[n];
                            for (int i = 0; i < n; i++) {
                                g[i] = value(partition, step, i);
                            }
                            if (delay.nextInt(4) == 0) {
                                Thread.sleep(delay.nextInt(3));
                            }
                            x.begin(g, n, new byte[] {(byte) partition, (byte) step});
                            x.ready(0);
                            byte[][] figures = x.finish();
                            for (int q = 0; q < partitions; q++) {
                                assertArrayEquals(new byte[] {(byte) q, (byte) step}, figures[q], "step " + step);
                            }
                            for (int i = 0; i < n; i++) {
                                float sum = 0f;
                                for (int q = 0; q < partitions; q++) {
                                    sum += value(q, step, i);
                                }
                                assertEquals(sum, g[i], 0f, "step " + step + " index " + i);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> t : tasks) {
                t.get(60, TimeUnit.SECONDS);
            }
        } finally {
            tasksPool.shutdownNow();
        }
    }

    private static float value(int partition, int step, int i) {
        return (float) Math.sin(i * (partition + 1.3) + step) * (float) Math.pow(10, partition % 3);
    }

    /** A shared-group partner that fails leaves the others waiting no longer than it takes to notice. */
    @Test
    void aSharedPartnerThatLeavesFailsTheOthersAtOnce() throws Exception {
        byte[] secret = Handshake.newSecret();
        try (Rendezvous r = new Rendezvous(HOST, 2, secret)) {
            Future<byte[][]> waiting = pool.submit(() -> {
                try (PeerExchange x = new PeerExchange(HOST, r.address(), secret, 0, 2, 0, 60_000, 16, false)) {
                    return x.allReduce(new float[10], 10, new byte[1]);
                }
            });
            try (PeerExchange x = new PeerExchange(HOST, r.address(), secret, 1, 2, 0, 60_000, 16, false)) {
                Thread.sleep(200); // partition 0 is waiting by now; this task fails before its exchange
            }
            long start = System.nanoTime();
            Exception e = assertThrows(Exception.class, () -> waiting.get(10, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "failed late");
            assertTrue(e.getCause().getMessage().contains("partition 1 left the exchange"), e.getCause().getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sharedGradientsOfDifferentLengthsAreRefused() throws Exception {
        byte[] secret = Handshake.newSecret();
        try (Rendezvous r = new Rendezvous(HOST, 2, secret)) {
            List<Future<byte[][]>> tasks = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int partition = p;
                tasks.add(pool.submit(() -> {
                    try (PeerExchange x = new PeerExchange(HOST, r.address(), secret, partition, 2, 0, 5000, 16, false)) {
                        return x.allReduce(new float[10 + partition], 10 + partition, new byte[1]);
                    }
                }));
            }
            for (Future<byte[][]> t : tasks) {
                Exception e = assertThrows(Exception.class, () -> t.get(10, TimeUnit.SECONDS));
                assertTrue(e.getCause().getMessage().contains("differ in length [10, 11]"), e.getCause().getMessage());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** P tasks all-reduce a gradient of several buckets, twice: every task ends with ((0 + g0) + g1) + ... and everyone's figures. */
    private void chain(int partitions, boolean encrypt, PeerExchange.InJvm inJvm) throws Exception {
        byte[] secret = Handshake.newSecret();
        int n = 2 * PeerExchange.BUCKET + 1001;
        ExecutorService tasksPool = Executors.newCachedThreadPool();
        try (Rendezvous r = new Rendezvous(HOST, partitions, secret)) {
            for (int round = 0; round < 2; round++) {
                float[][] g = new float[partitions][n];
                for (int p = 0; p < partitions; p++) {
                    for (int i = 0; i < n; i++) {
                        g[p][i] = (float) Math.sin(i * (p + 1.3) + round) * (float) Math.pow(10, p % 3);
                    }
                }
                float[] sum = new float[n];
                for (int i = 0; i < n; i++) {
                    float s = 0f;
                    for (int p = 0; p < partitions; p++) {
                        s += g[p][i];
                    }
                    sum[i] = s;
                }
                int attempt = round;
                List<Future<byte[][]>> tasks = new ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    int partition = p;
                    tasks.add(tasksPool.submit(() -> {
                        try (PeerExchange x = new PeerExchange(HOST, r.address(), secret, partition, partitions, attempt, 5000, 16,
                                encrypt, inJvm)) {
                            x.begin(g[partition], n, new byte[] {(byte) partition, (byte) attempt});
                            for (int from = n; from >= 0; from -= 20_000) { // backward making the gradient final in steps
                                x.ready(Math.max(0, from));
                            }
                            return x.finish();
                        }
                    }));
                }
                for (int p = 0; p < partitions; p++) {
                    byte[][] figures = tasks.get(p).get(20, TimeUnit.SECONDS);
                    assertArrayEquals(sum, g[p], 0f, "partition " + p);
                    for (int q = 0; q < partitions; q++) {
                        assertArrayEquals(new byte[] {(byte) q, (byte) round}, figures[q]);
                    }
                }
            }
        } finally {
            tasksPool.shutdownNow();
        }
    }

    /** Partition 0 played by the test: it knows the secret, then misbehaves as {@code behaviour} says. */
    private String misbehavingPeer(String behaviour) throws Exception {
        return misbehavingPeer(behaviour, false);
    }

    private String misbehavingPeer(String behaviour, boolean encrypt) throws Exception {
        byte[] secret = Handshake.newSecret();
        try (Rendezvous r = new Rendezvous(HOST, 2, secret); ServerSocket fakeServer = new ServerSocket()) {
            fakeServer.bind(new InetSocketAddress(HOST, 0));
            CompletableFuture<Void> honest = CompletableFuture.runAsync(() -> {
                try (PeerExchange x = new PeerExchange(HOST, r.address(), secret, 1, 2, 0, 1500, 64, encrypt)) {
                    x.allReduce(new float[100], 100, new byte[28]);
                }
            }, pool);
            String[] addresses = Rendezvous.meet(r.address(), secret, 0, 0, HOST + ":" + fakeServer.getLocalPort(), 2, 5000);
            String honestAddress = addresses[1].substring(0, addresses[1].indexOf('/'));
            // strangers at the honest peer's port first: wrong secret, garbage, a proof under another id
            try (Socket stranger = open(honestAddress)) {
                assertThrows(IOException.class, () -> Handshake.connect(stranger, Handshake.newSecret(), "peer", 1L << 32));
            }
            try (Socket junk = open(honestAddress)) {
                junk.getOutputStream().write(new byte[64]);
            }
            try (Socket impostor = open(honestAddress)) {
                assertThrows(IOException.class, () -> Handshake.connect(impostor, secret, "peer", 7));
            }
            try (Socket toHonest = open(honestAddress)) {
                Handshake.Session session = Handshake.connect(toHonest, secret, "peer", 1L << 32); // partition 0 below 1
                DataOutputStream out = new DataOutputStream(toHonest.getOutputStream());
                byte[] figures = java.nio.ByteBuffer.allocate(36).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(28).array();
                if (behaviour.equals("oversized")) {
                    out.writeInt(Integer.MAX_VALUE);
                } else if (behaviour.equals("tampered")) {
                    StreamCipher sealer = StreamCipher.encrypting(SocketLink.directionKey(session.key(), "up"));
                    byte[] sealedFigures = sealer.next(figures);
                    byte[] chunk = sealer.next(new byte[400]);
                    chunk[5] ^= 1;
                    out.writeInt(sealedFigures.length);
                    out.write(sealedFigures);
                    out.writeInt(chunk.length);
                    out.write(chunk);
                } else if (behaviour.equals("wrong-length")) {
                    out.writeInt(figures.length);
                    out.write(figures);
                    out.writeInt(12);
                    out.write(new byte[12]);
                }
                out.flush();
                long start = System.nanoTime();
                Exception e = assertThrows(Exception.class, () -> honest.get(10, TimeUnit.SECONDS));
                assertTrue(System.nanoTime() - start < 5_000_000_000L, "failed late");
                Throwable cause = e.getCause();
                assertTrue(cause instanceof UncheckedIOException, String.valueOf(cause));
                return cause.getMessage();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anOversizedLengthIsRefusedBeforeAllocating() throws Exception {
        String m = misbehavingPeer("oversized");
        assertTrue(m.contains("partition 0") && m.contains("sent a message of 2147483647 bytes"), m);
    }

    @Test
    void aGradientOfTheWrongLengthIsRefused() throws Exception {
        String m = misbehavingPeer("wrong-length");
        assertTrue(m.contains("partition 0") && m.contains("sent a message of 12 bytes where this step expects 400"), m);
    }

    @Test
    void anAlteredEncryptedMessageFailsItsTag() throws Exception {
        String m = misbehavingPeer("tampered", true);
        assertTrue(m.contains("receiving from partition 0") && m.contains("failed authentication"), m);
    }

    @Test
    void aSilentPeerFailsTheTaskWithinTheTimeoutNamingIt() throws Exception {
        String m = misbehavingPeer("silent");
        assertTrue(m.contains("no data from partition 0") && m.contains("within 1 s"), m);
    }

    @Test
    void stateCopiesAreKeptOnlyFromTheRunAndOnlyWhenTheyFitTheEpoch() throws Exception {
        stateCopies(false);
    }

    @Test
    void encryptedStateCopiesAreKept() throws Exception {
        stateCopies(true);
    }

    private void stateCopies(boolean encrypt) throws Exception {
        org.sparknn.nn.Network net = org.sparknn.nn.Network.create(org.sparknn.nn.ModelSpec.mlp(6,
                new org.sparknn.nn.MlpShape(new int[] {5}, org.sparknn.nn.MlpShape.Activation.RELU, 0, true, 0.1), 3,
                org.sparknn.nn.LossKind.SOFTMAX_CROSS_ENTROPY), 1);
        org.sparknn.optim.Optimizer adam = new org.sparknn.train.GlobalStep(net, org.sparknn.train.TrainConfig.defaults(), 10)
                .updater().optimizer();
        byte[] secret = Handshake.newSecret();
        StateCopy.Latest latest = new StateCopy.Latest();
        latest.expect(StateCopy.Expected.of(1, 10, net, adam));
        Tasks.EpochSums sums = new Tasks.EpochSums(2.5, 0.25, 300, 270);
        try (Rendezvous r = new Rendezvous(HOST, 2, secret, encrypt, latest)) {
            IOException stranger = assertThrows(IOException.class, () -> Rendezvous.sendCopy(r.address(), Handshake.newSecret(),
                    encrypt, StateCopy.encode(1, 3, sums, net, adam)));
            assertTrue(stranger.getMessage().contains("did not complete the run-secret handshake"), stranger.getMessage());
            assertThrows(IOException.class, () -> Rendezvous.sendCopy(r.address(), secret, encrypt,
                    StateCopy.encode(0, 3, sums, net, adam)), "a copy of another epoch");
            assertThrows(IOException.class, () -> Rendezvous.sendCopy(r.address(), secret, encrypt,
                    StateCopy.encode(1, 10, sums, net, adam)), "a copy after the epoch's last step");
            assertEquals(null, latest.latest());

            try (Socket s = open(r.address())) { // proves the secret, then announces 2^31-1 bytes
                Handshake.connect(s, secret, "rendezvous", 1L << 63);
                new DataOutputStream(s.getOutputStream()).writeInt(Integer.MAX_VALUE);
                assertEquals(-1, s.getInputStream().read(), "the rendezvous closes the connection");
            }

            Rendezvous.sendCopy(r.address(), secret, encrypt, StateCopy.encode(1, 3, sums, net, adam));
            Rendezvous.sendCopy(r.address(), secret, encrypt, StateCopy.encode(1, 2, sums, net, adam)); // an older one
            StateCopy kept = latest.latest();
            assertEquals(3, kept.stepsDone());
            assertEquals(sums, kept.sums());
            org.sparknn.nn.Network copy = org.sparknn.nn.Network.create(net.spec(), 2);
            kept.model().loadInto(copy);
            assertArrayEquals(net.store().values(), copy.store().values(), 0f);
            assertArrayEquals(net.store().state(), copy.store().state(), 0f);
        } finally {
            pool.shutdownNow();
        }
    }
}
