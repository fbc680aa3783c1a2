package org.sparknn.spark;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Direct exchange between the P tasks of one barrier stage: every task opens a server socket,
 * the addresses are shared through the driver's {@link Rendezvous}, and each ordered pair gets its own
 * one-way connection, on which the connecting task first proves the run's secret and its
 * partition ({@link Handshake}); strangers are turned away and do not count. Sends run on one
 * thread per peer, so a full socket buffer never blocks the reads that would drain it. Every
 * read has a timeout and every length is checked against what the step expects before anything
 * is allocated; a peer that falls silent fails the task with a message that names it (Spark then
 * fails the stage). With encryption on, every message is sealed with AES-GCM under the
 * connection's own key ({@link StreamCipher}). Sums are taken in partition order, so every task - and the driver-side
 * aggregation - computes the same floating-point result.
 */
final class PeerExchange implements AutoCloseable {
    private final int self;
    private final int peers;
    private final int timeoutMillis;
    private final int maxFiguresBytes;
    private final ServerSocket server;
    private final DataOutputStream[] out;
    private final DataInputStream[] in;
    private final String[] addresses;
    private final StreamCipher[] sealers;
    private final StreamCipher[] openers;
    private final List<Socket> sockets = new ArrayList<>();
    private final ExecutorService senders;

    /**
     * Meets the other partitions through the rendezvous and connects to each of them.
     *
     * @param maxFiguresBytes the largest per-partition figures message a step can carry
     * @param encrypt         encrypt every message (AES-GCM with each connection's own key)
     */
    PeerExchange(String host, String rendezvous, byte[] secret, int partition, int partitions, int attempt,
                 int timeoutMillis, int maxFiguresBytes, boolean encrypt) {
        this.self = partition;
        this.peers = partitions;
        this.timeoutMillis = timeoutMillis;
        this.maxFiguresBytes = maxFiguresBytes;
        this.out = new DataOutputStream[partitions];
        this.in = new DataInputStream[partitions];
        this.sealers = encrypt ? new StreamCipher[partitions] : null;
        this.openers = encrypt ? new StreamCipher[partitions] : null;
        this.senders = Executors.newFixedThreadPool(Math.max(1, partitions - 1), r -> {
            Thread t = new Thread(r, "sparknn-exchange-" + partition);
            t.setDaemon(true);
            return t;
        });
        try {
            server = new ServerSocket();
            server.setReceiveBufferSize(4 << 20);
            server.bind(new InetSocketAddress(host, 0), partitions);
            addresses = Rendezvous.meet(rendezvous, secret, partition, attempt, host + ":" + server.getLocalPort(), partitions,
                    timeoutMillis);
            // Accept while connecting: each side's handshake waits for the other side's acceptor.
            Future<?> accepting = senders.submit(() -> {
                acceptPeers(secret);
                return null;
            });
            for (int q = 0; q < partitions; q++) {
                if (q != partition) {
                    connect(q, secret);
                }
            }
            accepting.get();
        } catch (java.util.concurrent.ExecutionException e) {
            close();
            Throwable cause = e.getCause();
            throw new UncheckedIOException("partition " + partition + ": setting up the peer exchange: " + cause.getMessage(),
                    cause instanceof IOException io ? io : new IOException(cause));
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("partition " + partition + ": interrupted while setting up the peer exchange", e);
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("partition " + partition + ": setting up the peer exchange: " + e.getMessage(), e);
        }
    }

    private void connect(int q, byte[] secret) throws IOException {
        int colon = addresses[q].lastIndexOf(':');
        Socket s = new Socket();
        sockets.add(s);
        s.setTcpNoDelay(true);
        s.setSendBufferSize(4 << 20);
        s.connect(new InetSocketAddress(addresses[q].substring(0, colon), Integer.parseInt(addresses[q].substring(colon + 1))),
                timeoutMillis);
        s.setSoTimeout(Rendezvous.HANDSHAKE_TIMEOUT_MILLIS);
        Handshake.Session session = Handshake.connect(s, secret, "peer", ((long) q << 32) | self);
        if (sealers != null) {
            sealers[q] = StreamCipher.encrypting(session.key());
        }
        out[q] = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
    }

    /** Accepts one proven connection from every other partition; strangers are closed and do not count. */
    private void acceptPeers(byte[] secret) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        int connected = 0;
        while (connected < peers - 1) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                throw new IOException("partition " + self + ": no proven connection from partitions " + missing()
                        + " within " + timeoutMillis / 1000 + " s");
            }
            server.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
            Socket s;
            try {
                s = server.accept();
            } catch (SocketTimeoutException e) {
                continue;
            }
            try {
                s.setSoTimeout(Rendezvous.HANDSHAKE_TIMEOUT_MILLIS);
                Handshake.Session session = Handshake.accept(s, secret, "peer", v -> (v >>> 32) == self && (int) v >= 0
                        && (int) v < peers && (int) v != self && in[(int) v] == null);
                int from = (int) session.id();
                s.setSoTimeout(timeoutMillis);
                if (openers != null) {
                    openers[from] = StreamCipher.decrypting(session.key());
                }
                in[from] = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
                sockets.add(s);
                connected++;
            } catch (IOException stranger) {
                s.close();
            }
        }
    }

    private List<Integer> missing() {
        List<Integer> m = new ArrayList<>();
        for (int q = 0; q < peers; q++) {
            if (q != self && in[q] == null) {
                m.add(q);
            }
        }
        return m;
    }

    /**
     * Replaces g[0, n) by the element-wise sum over all tasks, added in partition order
     * (reduce-scatter: task q sums range q; then all-gather of the summed ranges), and returns every
     * task's {@code figures}, indexed by partition, which travel with the first phase.
     */
    byte[][] allReduce(float[] g, int n, byte[] figures) {
        byte[][] allFigures = new byte[peers][];
        allFigures[self] = figures;
        List<Future<?>> sends = new ArrayList<>();
        for (int q = 0; q < peers; q++) {
            if (q != self) {
                int target = q;
                int lo = from(target, n);
                byte[] chunk = FloatBytes.encode(java.util.Arrays.copyOfRange(g, lo, from(target + 1, n)), from(target + 1, n) - lo);
                sends.add(senders.submit(() -> send(target, figures, chunk)));
            }
        }
        int lo = from(self, n);
        int hi = from(self + 1, n);
        float[] sum = new float[hi - lo];
        float[][] parts = new float[peers][];
        for (int q = 0; q < peers; q++) {
            if (q == self) {
                continue;
            }
            allFigures[q] = receive(q, 0, maxFiguresBytes);
            int length = 4 * (from(self + 1, n) - lo);
            byte[] part = receive(q, length, length);
            parts[q] = new float[part.length / 4];
            FloatBytes.decode(part, parts[q]);
        }
        for (int q = 0; q < peers; q++) {
            float[] part = parts[q];
            if (part == null) {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += g[lo + i];
                }
            } else {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += part[i];
                }
            }
        }
        await(sends);
        byte[] reduced = FloatBytes.encode(sum, sum.length);
        for (int q = 0; q < peers; q++) {
            if (q != self) {
                int target = q;
                sends.add(senders.submit(() -> send(target, reduced)));
            }
        }
        System.arraycopy(sum, 0, g, lo, sum.length);
        for (int q = 0; q < peers; q++) {
            if (q != self) {
                int length = 4 * (from(q + 1, n) - from(q, n));
                byte[] part = receive(q, length, length);
                ByteBuffer.wrap(part).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(g, from(q, n), part.length / 4);
            }
        }
        await(sends);
        return allFigures;
    }

    private int from(int q, int n) {
        return (int) ((long) q * n / peers);
    }

    private void send(int q, byte[]... messages) {
        try {
            for (byte[] m : messages) {
                byte[] wire = sealers == null ? m : sealers[q].next(m);
                out[q].writeInt(wire.length);
                out[q].write(wire);
            }
            out[q].flush();
        } catch (IOException e) {
            throw new UncheckedIOException("partition " + self + ": sending to partition " + q + ": " + e.getMessage(), e);
        }
    }

    /** A message from partition q whose length must lie in [min, max]; checked before anything is allocated. */
    private byte[] receive(int q, int min, int max) {
        try {
            int lo = openers == null ? min : StreamCipher.sealedLength(min);
            int hi = openers == null ? max : StreamCipher.sealedLength(max);
            int length = in[q].readInt();
            if (length < lo || length > hi) {
                throw new IOException("partition " + q + " (" + addresses[q] + ") sent a message of " + length
                        + " bytes where this step expects " + (lo == hi ? String.valueOf(lo) : lo + " to " + hi));
            }
            byte[] b = new byte[length];
            in[q].readFully(b);
            return openers == null ? b : openers[q].next(b);
        } catch (SocketTimeoutException e) {
            throw new UncheckedIOException("partition " + self + ": no data from partition " + q + " (" + addresses[q]
                    + ") within " + timeoutMillis / 1000 + " s", e);
        } catch (IOException e) {
            throw new UncheckedIOException("partition " + self + ": receiving from partition " + q + ": " + e.getMessage(), e);
        }
    }

    private static void await(List<Future<?>> sends) {
        try {
            for (Future<?> f : sends) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("peer exchange: " + e.getMessage(), e);
        } finally {
            sends.clear();
        }
    }

    @Override
    public void close() {
        senders.shutdownNow();
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
