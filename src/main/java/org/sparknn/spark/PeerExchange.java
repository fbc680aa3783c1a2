package org.sparknn.spark;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
 * one-way connection. Sends run on one thread per peer, so a full socket buffer never blocks the
 * reads that would drain it. Sums are taken in partition order, so every task - and the
 * driver-side aggregation - computes the same floating-point result.
 */
final class PeerExchange implements AutoCloseable {
    private final int self;
    private final int peers;
    private final ServerSocket server;
    private final DataOutputStream[] out;
    private final DataInputStream[] in;
    private final List<Socket> sockets = new ArrayList<>();
    private final ExecutorService senders;

    PeerExchange(BarrierTaskContext ctx, String rendezvous, int partition, int partitions) {
        this.self = partition;
        this.peers = partitions;
        this.out = new DataOutputStream[partitions];
        this.in = new DataInputStream[partitions];
        this.senders = Executors.newFixedThreadPool(Math.max(1, partitions - 1), r -> {
            Thread t = new Thread(r, "sparknn-exchange-" + partition);
            t.setDaemon(true);
            return t;
        });
        try {
            String host = SparkEnv.get().blockManager().blockManagerId().host();
            server = new ServerSocket();
            server.setReceiveBufferSize(4 << 20);
            server.bind(new InetSocketAddress(host, 0), partitions);
            String[] addresses = Rendezvous.meet(rendezvous, partition, ctx.stageAttemptNumber(), host + ":" + server.getLocalPort(),
                    partitions);
            for (int q = 0; q < partitions; q++) {
                if (q == partition) {
                    continue;
                }
                String[] hp = addresses[q].split(":");
                Socket s = new Socket();
                s.setTcpNoDelay(true);
                s.setSendBufferSize(4 << 20);
                s.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
                sockets.add(s);
                out[q] = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
                out[q].writeInt(partition);
                out[q].flush();
            }
            for (int k = 0; k < partitions - 1; k++) {
                Socket s = server.accept();
                sockets.add(s);
                DataInputStream din = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
                in[din.readInt()] = din;
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("partition " + partition + ": setting up the peer exchange: " + e.getMessage(), e);
        }
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
            allFigures[q] = receive(q);
            byte[] part = receive(q);
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
                byte[] part = receive(q);
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
                out[q].writeInt(m.length);
                out[q].write(m);
            }
            out[q].flush();
        } catch (IOException e) {
            throw new UncheckedIOException("partition " + self + ": sending to partition " + q + ": " + e.getMessage(), e);
        }
    }

    private byte[] receive(int q) {
        try {
            byte[] b = new byte[in[q].readInt()];
            in[q].readFully(b);
            return b;
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
