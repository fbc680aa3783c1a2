package org.sparknn.spark;

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
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The gradient all-reduce of one barrier stage: a chain 0 - 1 - ... - (P-1) in partition order.
 * Going up, task p adds its gradient to the partial sum of partitions 0..p-1 and passes it on,
 * so the last task holds ((0 + g0) + g1) + ... - the order the driver exchange adds in, hence the
 * same bits; coming down, the sums are copied back along the chain. The gradient moves in
 * buckets, last parameters first, each as soon as backward has made it final ({@link #ready}),
 * so most of the exchange overlaps backward, and buckets pipeline along the chain: each link
 * carries the gradient once per direction whatever P is, and every task keeps at most two
 * links. Neighbours in the same JVM hand buffers over ({@link Link.Local}); others talk over one
 * authenticated socket ({@link SocketLink}), the lower partition connecting after both met at
 * the driver's {@link Rendezvous}. Each task runs an up and a down thread, so no read waits
 * behind a blocked write; the step's figures (loss, counts, BN statistics) travel ahead of the
 * buckets, every partition's figures collected on the way up.
 */
final class PeerExchange implements AutoCloseable {
    /** Floats per bucket: small enough to overlap and pipeline, large enough that a message costs little beyond its bytes. */
    static final int BUCKET = 32 * 1024;
    /** Identifies this JVM, so neighbours in the same executor hand buffers over instead of using a socket. */
    private static final String JVM = UUID.randomUUID().toString().replace("-", "").substring(0, 16);

    private final int self;
    private final int peers;
    private final int timeoutMillis;
    private final int maxFiguresBytes;
    private final ServerSocket server;
    private final Link below;
    private final Link above;
    private final Thread up;
    private final Thread down;
    /** Non-null when every partition is in this JVM: the exchange is a {@link SharedSum}. */
    private final SharedSum.Member shared;
    /** Shared mode: the step begun and not yet finished. */
    private Pending pending;
    private final BlockingQueue<Step> upWork = new LinkedBlockingQueue<>();
    private final BlockingQueue<Step> downWork = new LinkedBlockingQueue<>();
    private Step current;
    private java.util.function.BooleanSupplier stopped = () -> false;
    private long busyNanos;
    private long overlappedNanos;

    /**
     * Meets the other partitions through the rendezvous and links up with both neighbours.
     *
     * @param maxFiguresBytes the largest per-partition figures message a step can carry
     * @param encrypt         encrypt what crosses sockets (AES-GCM with each connection's own keys)
     */
    PeerExchange(String host, String rendezvous, byte[] secret, int partition, int partitions, int attempt,
                 int timeoutMillis, int maxFiguresBytes, boolean encrypt) {
        this(host, rendezvous, secret, partition, partitions, attempt, timeoutMillis, maxFiguresBytes, encrypt, InJvm.SHARE);
    }

    /** What tasks in the same JVM do. */
    enum InJvm {
        /** When every partition is in this JVM: a {@link SharedSum} over the tasks' own arrays; else as HAND_OVER. */
        SHARE,
        /** Neighbours hand buffers over ({@link Link.Local}). */
        HAND_OVER,
        /** Sockets, as between JVMs. */
        SOCKETS;

        /** Above this many gradient floats tasks of one JVM whose update is not split use the chain; at most, the shared sum. */
        static final int SHARED_SUM_MAX_FLOATS = 1 << 20;

        /**
         * The shared sum costs least per step but nothing of it overlaps backward; the chain's
         * exchange threads overlap it, at a fixed cost per bucket and hop. Measured on local[2]
         * (`sparknn.inJvmExchange`, alternating rounds): with 270K floats (batch 64) the shared sum
         * trained faster in 2 of 3 rounds, with 1.87M floats (batch 512) the chain in 3 of 3. With
         * the update split among the tasks ({@code updateSliced}) the shared sum also does a P-th of
         * the update, and it was the faster for 1.87M floats too (in 4 of 5 rounds; its cost above
         * compute 4.3-5.4 ms per step against 6.5-11.6 ms), so it is taken whatever the size.
         */
        static InJvm forGradient(int floats, boolean updateSliced) {
            return updateSliced || floats <= SHARED_SUM_MAX_FLOATS ? SHARE : HAND_OVER;
        }
    }

    PeerExchange(String host, String rendezvous, byte[] secret, int partition, int partitions, int attempt,
                 int timeoutMillis, int maxFiguresBytes, boolean encrypt, InJvm inJvm) {
        boolean handOverInJvm = inJvm != InJvm.SOCKETS;
        this.self = partition;
        this.peers = partitions;
        this.timeoutMillis = timeoutMillis;
        this.maxFiguresBytes = maxFiguresBytes;
        ServerSocket listening = null;
        Link linkBelow = null;
        Link linkAbove = null;
        SharedSum.Member member = null;
        try {
            listening = java.nio.channels.ServerSocketChannel.open().socket(); // links use the accepted sockets' channels
            listening.setReceiveBufferSize(4 << 20);
            listening.bind(new InetSocketAddress(host, 0), 4);
            String[] addresses = Rendezvous.meet(rendezvous, secret, partition, attempt,
                    host + ":" + listening.getLocalPort() + (handOverInJvm ? "/" + JVM : ""), partitions, timeoutMillis);
            if (inJvm == InJvm.SHARE && java.util.Arrays.stream(addresses).allMatch(PeerExchange::sameJvm)) {
                member = SharedSum.join(rendezvous + "/" + attempt, partition, partitions, timeoutMillis);
                listening.close();
                listening = null;
            }
            if (member == null) {
                String pairKey = rendezvous + "/" + attempt + "/";
                ServerSocket acceptor = listening;
                CompletableFuture<Link> fromBelow = partition == 0 ? CompletableFuture.completedFuture(null)
                        : handOverInJvm && sameJvm(addresses[partition - 1])
                        ? CompletableFuture.completedFuture(Link.Local.end(pairKey + (partition - 1), false, timeoutMillis,
                        "partition " + (partition - 1)))
                        : CompletableFuture.supplyAsync(() -> acceptBelow(acceptor, secret, addresses[partition - 1], encrypt));
                if (partition + 1 < partitions) {
                    linkAbove = handOverInJvm && sameJvm(addresses[partition + 1])
                            ? Link.Local.end(pairKey + partition, true, timeoutMillis, "partition " + (partition + 1))
                            : connectAbove(addresses[partition + 1], secret, encrypt);
                }
                linkBelow = fromBelow.join();
            }
        } catch (IOException | RuntimeException e) {
            closeAll(listening, linkBelow, linkAbove, member);
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            throw new UncheckedIOException("partition " + partition + ": setting up the peer exchange: " + cause.getMessage(),
                    cause instanceof IOException io ? io : new IOException(cause));
        }
        this.server = listening;
        this.below = linkBelow;
        this.above = linkAbove;
        this.shared = member;
        this.up = member != null ? null : daemon(() -> serve(upWork, this::goUp), "sparknn-exchange-up-" + partition);
        this.down = member != null || above == null ? null
                : daemon(() -> serve(downWork, this::goDown), "sparknn-exchange-down-" + partition);
    }

    private static boolean sameJvm(String address) {
        return address.endsWith("/" + JVM);
    }

    private static String hostPort(String address) {
        int slash = address.indexOf('/');
        return slash < 0 ? address : address.substring(0, slash);
    }

    private Link connectAbove(String address, byte[] secret, boolean encrypt) throws IOException {
        String hp = hostPort(address);
        int colon = hp.lastIndexOf(':');
        Socket s = java.nio.channels.SocketChannel.open().socket(); // the link uses its channel
        try {
            s.setTcpNoDelay(true);
            s.setSendBufferSize(4 << 20);
            s.setReceiveBufferSize(4 << 20);
            s.connect(new InetSocketAddress(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1))), timeoutMillis);
            s.setSoTimeout(Rendezvous.HANDSHAKE_TIMEOUT_MILLIS);
            Handshake.Session session = Handshake.connect(s, secret, "peer", ((long) (self + 1) << 32) | self);
            return new SocketLink(s, session, encrypt, true, "partition " + (self + 1) + " (" + hp + ")", timeoutMillis);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Accepts the proven connection of partition self-1; strangers are closed and do not count. */
    private Link acceptBelow(ServerSocket listening, byte[] secret, String address, boolean encrypt) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try {
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new IOException("no proven connection from partition " + (self - 1) + " within " + timeoutMillis / 1000 + " s");
                }
                listening.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                Socket s;
                try {
                    s = listening.accept();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                try {
                    s.setTcpNoDelay(true);
                    s.setSendBufferSize(4 << 20);
                    s.setSoTimeout(Rendezvous.HANDSHAKE_TIMEOUT_MILLIS);
                    Handshake.Session session = Handshake.accept(s, secret, "peer", v -> v == (((long) self << 32) | (self - 1)));
                    return new SocketLink(s, session, encrypt, false, "partition " + (self - 1) + " (" + hostPort(address) + ")",
                            timeoutMillis);
                } catch (IOException stranger) {
                    s.close();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Thread daemon(Runnable body, String name) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private record Pending(float[] g, int n, byte[] figures) {
    }

    /** One step's exchange: the task's gradient array, the buckets still to go, and what came back. */
    private final class Step {
        final float[] g;
        final int n;
        final byte[] figures;
        int readyFrom;
        int bucketsDone;
        byte[][] allFigures;
        Throwable error;
        /** Per bucket: when this task could start on it (final here), and when its sum was in place. */
        final long[] startedAt;
        final long[] doneAt;

        Step(float[] g, int n, byte[] figures) {
            this.g = g;
            this.n = n;
            this.figures = figures;
            this.readyFrom = n;
            this.startedAt = new long[buckets()];
            this.doneAt = new long[buckets()];
        }

        int buckets() {
            return (n + BUCKET - 1) / BUCKET;
        }

        /** Bucket k counts down from the top of the array: backward makes the last parameters final first. */
        int hi(int k) {
            return n - k * BUCKET;
        }

        int lo(int k) {
            return Math.max(0, hi(k) - BUCKET);
        }
    }

    /**
     * Starts the exchange of a step whose gradient will fill g[0, n); {@code figures} are this
     * task's figures of the step. Call {@link #ready} as backward proceeds, then {@link #finish}.
     */
    void begin(float[] g, int n, byte[] figures) {
        if (shared != null) {
            if (pending != null) {
                throw new IllegalStateException("the previous step's exchange has not finished");
            }
            pending = new Pending(g, n, figures);
            return;
        }
        if (current != null) {
            throw new IllegalStateException("the previous step's exchange has not finished");
        }
        current = new Step(g, n, figures);
        upWork.add(current);
        if (down != null) {
            downWork.add(current);
        }
    }

    /** How the task learns that Spark stopped it (a barrier stage whose other task failed), so a wait ends at once. */
    void stopWhen(java.util.function.BooleanSupplier stopped) {
        this.stopped = stopped;
        if (shared != null) {
            shared.stopWhen(stopped);
        }
    }

    /** Every gradient at or above {@code offset} is final. */
    void ready(int offset) {
        if (shared != null) {
            return; // the shared sum starts once every task's backward is done
        }
        Step w = current;
        synchronized (w) {
            if (offset < w.readyFrom) {
                w.readyFrom = offset;
                w.notifyAll();
            }
        }
    }

    /** Waits until g holds the sum over all partitions; returns every partition's figures, by partition. */
    byte[][] finish() {
        if (shared != null) {
            Pending w = pending;
            pending = null;
            long before = shared.sumNanos();
            byte[][] all = shared.allReduce(w.g(), w.n(), w.figures());
            busyNanos += shared.sumNanos() - before;
            return all;
        }
        Step w = current;
        ready(0);
        long called = System.nanoTime();
        try {
            synchronized (w) {
                long progressAt = System.nanoTime();
                int seen = -1;
                while (w.error == null && (w.bucketsDone < w.buckets() || w.allFigures == null)) {
                    if (w.bucketsDone != seen) {
                        seen = w.bucketsDone;
                        progressAt = System.nanoTime();
                    } else if (System.nanoTime() - progressAt > 2 * timeoutMillis * 1_000_000L) { // links time out first, naming the peer
                        throw new UncheckedIOException(new IOException("partition " + self + ": the exchange made no progress within "
                                + 2 * timeoutMillis / 1000 + " s"));
                    }
                    if (stopped.getAsBoolean()) {
                        throw new IllegalStateException("partition " + self + ": the task was stopped during the exchange");
                    }
                    w.wait(Math.max(1, Math.min(200, timeoutMillis / 10)));
                }
                if (w.error != null) {
                    Throwable e = w.error;
                    throw new UncheckedIOException("partition " + self + ": " + e.getMessage(),
                            e instanceof IOException io ? io : new IOException(e));
                }
                for (int k = 0; k < w.buckets(); k++) {
                    busyNanos += w.doneAt[k] - w.startedAt[k];
                    overlappedNanos += Math.max(0, Math.min(w.doneAt[k], called) - w.startedAt[k]);
                }
                return w.allFigures;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("partition " + self + ": interrupted during the exchange", e);
        } finally {
            current = null;
        }
    }

    /** The whole exchange: g[0, n) becomes the sum over all partitions, added in partition order. */
    byte[][] allReduce(float[] g, int n, byte[] figures) {
        if (shared != null && pending == null) {
            return shared.allReduce(g, n, figures); // synchronized BN's figures, between begin and finish of no step
        }
        begin(g, n, figures);
        return finish();
    }

    /** Whether every partition is in this JVM and the tasks sum their own arrays ({@link SharedSum}): then steps can be sliced. */
    boolean sharesMemory() {
        return shared != null;
    }

    /**
     * Ends a step begun with {@link #begin} by {@link SharedSum.Member#reduceAndStep}: the sum and
     * the update split by slices among the tasks; only when {@link #sharesMemory}.
     */
    SharedSum.Sliced finishSliced(float[] w, SharedSum.SliceStep step, boolean wantGather) {
        Pending p = pending;
        pending = null;
        long before = shared.sumNanos();
        SharedSum.Sliced done = shared.reduceAndStep(p.g(), p.n(), p.figures(), w, step, wantGather);
        busyNanos += shared.sumNanos() - before;
        return done;
    }

    /** After sliced steps, every task at the same point: each task's slice of these arrays copied to all ({@link SharedSum.Member#gather}). */
    void gatherSlices(List<float[]> arrays) {
        shared.gather(arrays);
    }

    /** Bucket time: from when each bucket was final on this task to when its sum was in place, summed over buckets and steps. */
    long busyNanos() {
        return busyNanos;
    }

    /** Of {@link #busyNanos}, the part that passed while backward still ran: what overlap hid. */
    long overlappedNanos() {
        return overlappedNanos;
    }

    private interface Half {
        void run(Step w) throws Exception;
    }

    /** An up or down thread: takes each step as it begins and runs its half of the exchange; an error fails the step. */
    private static void serve(BlockingQueue<Step> work, Half half) {
        while (true) {
            Step w;
            try {
                w = work.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                half.run(w);
            } catch (Throwable e) {
                fail(w, e);
            }
        }
    }

    private void goUp(Step w) throws IOException, InterruptedException {
        List<byte[]> figures = below == null ? new ArrayList<>() : decodeFigures(below.receiveBytes(4, figuresBytes(self)), self);
        figures.add(w.figures);
        if (above == null) {
            setFigures(w, figures);
            if (below != null) {
                below.sendBytes(encodeFigures(figures));
            }
        } else {
            above.sendBytes(encodeFigures(figures));
        }
        float[] g = w.g;
        for (int k = 0; k < w.buckets(); k++) {
            int lo = w.lo(k);
            int len = w.hi(k) - lo;
            awaitReady(w, lo);
            w.startedAt[k] = System.nanoTime();
            float[] buf;
            if (below == null) {
                buf = Link.Buffers.take(len);
                for (int i = 0; i < len; i++) {
                    buf[i] = 0f + g[lo + i];
                }
            } else {
                buf = below.receiveFloats(len);
                for (int i = 0; i < len; i++) {
                    buf[i] += g[lo + i];
                }
            }
            if (above == null) {
                System.arraycopy(buf, 0, g, lo, len);
                passDown(buf, len);
                bucketDone(w, k);
            } else {
                above.sendFloats(buf, len);
            }
        }
    }

    private void goDown(Step w) throws IOException {
        List<byte[]> figures = decodeFigures(above.receiveBytes(4, figuresBytes(peers)), peers);
        setFigures(w, figures);
        if (below != null) {
            below.sendBytes(encodeFigures(figures));
        }
        for (int k = 0; k < w.buckets(); k++) {
            int lo = w.lo(k);
            int len = w.hi(k) - lo;
            float[] buf = above.receiveFloats(len);
            System.arraycopy(buf, 0, w.g, lo, len);
            passDown(buf, len);
            bucketDone(w, k);
        }
    }

    private void passDown(float[] buf, int len) throws IOException {
        if (below != null) {
            below.sendFloats(buf, len);
        } else {
            Link.Buffers.give(buf);
        }
    }

    private static void awaitReady(Step w, int lo) throws InterruptedException {
        synchronized (w) {
            while (w.readyFrom > lo && w.error == null) {
                w.wait();
            }
        }
    }

    private static void setFigures(Step w, List<byte[]> figures) {
        synchronized (w) {
            w.allFigures = figures.toArray(new byte[0][]);
            w.notifyAll();
        }
    }

    private static void bucketDone(Step w, int k) {
        synchronized (w) {
            w.doneAt[k] = System.nanoTime();
            w.bucketsDone++;
            w.notifyAll();
        }
    }

    private static void fail(Step w, Throwable e) {
        synchronized (w) {
            if (w.error == null) {
                w.error = e;
            }
            w.notifyAll();
        }
    }

    private int figuresBytes(int count) {
        return 4 + count * (4 + maxFiguresBytes);
    }

    private static byte[] encodeFigures(List<byte[]> figures) {
        int size = 4;
        for (byte[] f : figures) {
            size += 4 + f.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN).putInt(figures.size());
        for (byte[] f : figures) {
            b.putInt(f.length).put(f);
        }
        return b.array();
    }

    /** The figures of partitions 0..count-1, each checked against the largest a step can carry. */
    private List<byte[]> decodeFigures(byte[] message, int count) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != count) {
            throw new IOException("a figures message for the wrong number of partitions (expected " + count + ")");
        }
        List<byte[]> figures = new ArrayList<>(count + 1);
        for (int q = 0; q < count; q++) {
            int len = b.remaining() >= 4 ? b.getInt() : -1;
            if (len < 0 || len > maxFiguresBytes || len > b.remaining()) {
                throw new IOException("the figures of partition " + q + " announce " + len + " bytes (at most " + maxFiguresBytes + ")");
            }
            byte[] f = new byte[len];
            b.get(f);
            figures.add(f);
        }
        return figures;
    }

    @Override
    public void close() {
        if (up != null) {
            up.interrupt();
        }
        if (down != null) {
            down.interrupt();
        }
        Step w = current;
        if (w != null) {
            fail(w, new IOException("closed"));
        }
        closeAll(server, below, above, shared);
    }

    private static void closeAll(AutoCloseable... all) {
        for (AutoCloseable c : all) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing anyway
                }
            }
        }
    }
}
