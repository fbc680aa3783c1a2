package org.sparknn.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * Latency and bandwidth of the all-reduce's links, measured with the links themselves: between
 * two tasks of one JVM (buffers handed over) and over an authenticated loopback socket (what
 * crosses JVMs). Bandwidth is that of a bucket stream into a receiver that adds each bucket to a
 * gradient, as a task of the chain does.
 */
public final class ExchangeProbe {
    /** One-way latency of a small message, and bucket throughput in bytes per second. */
    public record LinkFigures(double latencySeconds, double bytesPerSecond) {
    }

    private ExchangeProbe() {}

    /** Whether all-reduce tasks that are all in one JVM exchange the gradient of this network and settings by the shared sum (else the chain). */
    public static boolean sharedSumInOneJvm(org.sparknn.nn.ModelSpec spec, org.sparknn.train.TrainConfig config) {
        org.sparknn.nn.Network net = org.sparknn.nn.Network.create(spec, 1);
        return Worker.inJvmExchange(net.store().size(), Worker.updateSliceable(new org.sparknn.train.GlobalStep(net, config, 1), config))
                == PeerExchange.InJvm.SHARE;
    }

    /**
     * Whether all-reduce tasks that are all in one JVM split the update of a network of {@code
     * spec} trained with {@code config} among themselves ({@link SharedSum.Member#reduceAndStep}),
     * as {@link Worker} decides: the shared sum, dense input, no synchronized BN, an element-wise update.
     */
    public static boolean slicedInOneJvm(org.sparknn.nn.ModelSpec spec, org.sparknn.train.TrainConfig config) {
        org.sparknn.nn.Network net = org.sparknn.nn.Network.create(spec, 1);
        return sharedSumInOneJvm(spec, config) && Worker.updateSliceable(new org.sparknn.train.GlobalStep(net, config, 1), config);
    }

    /**
     * Seconds per step of the exchange and update split among {@code parties} tasks of one JVM
     * ({@link #slicedInOneJvm}): both barriers, each task's slice of the gradient sum and of the
     * update of a network of {@code spec} trained with {@code config}, and the copy of its new
     * weights into the other tasks'; the median over rounds of 50 steps, less the fill that
     * stands for backward writing the gradient.
     */
    public static double slicedStepSeconds(int parties, org.sparknn.nn.ModelSpec spec, org.sparknn.train.TrainConfig config) {
        int floats = org.sparknn.nn.Network.create(spec, 1).store().size();
        return groupStepSeconds(parties, floats, "probe-sliced-", (self, member) -> {
            org.sparknn.nn.Network net = org.sparknn.nn.Network.create(spec, 1);
            org.sparknn.train.GlobalStep step = new org.sparknn.train.GlobalStep(net, config, 1_000_000);
            float[] g = net.store().grads();
            byte[] figures = new byte[64];
            SharedSum.SliceStep slice = new SharedSum.SliceStep() {
                @Override
                public void figures(byte[][] all) {
                }

                @Override
                public int apply(float[] sum, int lo, int hi) {
                    return step.applySlice(64, sum, lo, hi);
                }
            };
            return () -> {
                step.beginSliced();
                Arrays.fill(g, 0, floats, 1e-3f * (self + 1));
                SharedSum.Sliced done = member.reduceAndStep(g, floats, figures, net.store().values(), slice, false);
                step.finishSliced(64, java.util.List.of(), done.nonFinite(), done.nonFiniteValue());
            };
        });
    }

    public static int bucketFloats() {
        return PeerExchange.BUCKET;
    }

    /** Seconds to seal and open {@code bytes} in the exchange's AES-GCM records (median of 9), what encryption adds per message. */
    public static double sealAndOpenSeconds(int bytes) {
        sealAndOpenOnce(bytes); // the first round still runs partly compiled code
        return sealAndOpenOnce(bytes);
    }

    private static double sealAndOpenOnce(int bytes) {
        byte[] key = Handshake.newSecret();
        byte[] message = new byte[bytes];
        StreamCipher sealer = StreamCipher.encrypting(key);
        StreamCipher opener = StreamCipher.decrypting(key);
        double[] t = new double[9];
        try {
            byte[] small = new byte[4096];
            for (int warm = 0; warm < 20_000; warm++) { // the JIT compiles the AES-GCM paths after many calls, not many bytes
                opener.next(sealer.next(small));
            }
            for (int warm = 0; warm < 3; warm++) {
                opener.next(sealer.next(message));
            }
            for (int i = 0; i < t.length; i++) {
                long t0 = System.nanoTime();
                opener.next(sealer.next(message));
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }

    /**
     * Seconds per exchange of {@code floats} gradient values between {@code parties} tasks of one
     * JVM through their {@link SharedSum} (both barriers and each task's slice of the sum), the
     * median over rounds of 50 exchanges, each party on its own thread.
     */
    public static double sharedSumSeconds(int parties, int floats) {
        return groupStepSeconds(parties, floats, "probe-shared-", (self, member) -> {
            float[] g = new float[floats];
            byte[] figures = new byte[64];
            return () -> {
                Arrays.fill(g, 1e-3f * self);
                member.allReduce(g, floats, figures);
            };
        });
    }

    /** One party's step in a probe of a shared group: made in the party's own thread, run once per step. */
    private interface PartyStep {
        Runnable of(int self, SharedSum.Member member);
    }

    /**
     * Seconds per step of {@code parties} threads in one {@link SharedSum} group, each running
     * its {@code step} (which first fills a gradient of {@code floats} values, standing for
     * backward writing it): the median over rounds of 50 steps of partition 0, after 5 rounds not
     * counted, less the median time of that fill alone.
     */
    private static double groupStepSeconds(int parties, int floats, String name, PartyStep step) {
        String key = name + System.nanoTime();
        SharedSum.Member[] members = new SharedSum.Member[parties];
        for (int p = 0; p < parties; p++) {
            members[p] = SharedSum.join(key, p, parties, 30_000);
        }
        int rounds = 15;
        int warmUp = 5; // the first rounds run code the JIT is still compiling, on the cores the parties use
        int perRound = 50;
        double[][] seconds = new double[parties][rounds];
        Thread[] threads = new Thread[parties];
        for (int p = 0; p < parties; p++) {
            int self = p;
            threads[p] = new Thread(() -> {
                Runnable one = step.of(self, members[self]);
                for (int r = -warmUp; r < rounds; r++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < perRound; i++) {
                        one.run();
                    }
                    if (r >= 0) {
                        seconds[self][r] = (System.nanoTime() - t0) / 1e9 / perRound;
                    }
                }
            }, name + p);
            threads[p].start();
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            for (SharedSum.Member m : members) {
                m.close();
            }
        }
        // the fill of g stands for backward writing the gradient; it is not exchange time
        double[] fill = new double[rounds];
        float[] g = new float[floats];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < perRound; i++) {
                Arrays.fill(g, 1e-3f);
            }
            fill[r] = (System.nanoTime() - t0) / 1e9 / perRound;
        }
        double[] t = seconds[0].clone();
        Arrays.sort(t);
        Arrays.sort(fill);
        return Math.max(0, t[rounds / 2] - fill[rounds / 2]);
    }

    /**
     * Latency and bandwidth of the all-reduce between two executor JVMs, measured with the
     * exchange itself: a barrier job of two tasks (one per executor on local-cluster[2,1,..])
     * that set up a {@link PeerExchange} as training does and time its whole exchange, with the
     * gradient already final, of 1, 2 and 4 buckets and of {@code floats} values. The model's
     * chain at P = 2 is t(n) = 4n / bw + 2 hop, hop = latency + bucket / bw: bandwidth is the
     * least-squares slope over the sizes, latency what the intercept leaves (0 when the pipelined
     * chain is quicker on few buckets than that form says). These figures include what the chain
     * costs between processes on the executors' cores: wake-ups of the link threads, both
     * directions streaming at once, the receivers' adds.
     */
    public static LinkFigures betweenExecutors(org.apache.spark.api.java.JavaSparkContext sc, int floats) {
        int b = PeerExchange.BUCKET;
        int[] sizes = {b, 2 * b, 4 * b, Math.max(floats, 8 * b)};
        return chainFit(sizes, exchangeSecondsBetweenExecutors(sc, sizes), b);
    }

    /**
     * Latency and bandwidth of a P = 2 chain from the seconds of whole exchanges of {@code
     * sizes} floats: the least-squares line t = c + 4n / bw, then latency = c / 2 - 4 bucket / bw
     * (c = 2 hop, hop = latency + 4 bucket / bw), at least 0.
     */
    static LinkFigures chainFit(int[] sizes, double[] seconds, int bucket) {
        if (sizes.length < 2 || sizes.length != seconds.length) {
            throw new IllegalArgumentException("a fit needs two or more sizes with a time each, got " + sizes.length + " and "
                    + seconds.length);
        }
        double mx = 0;
        double my = 0;
        for (int k = 0; k < sizes.length; k++) {
            mx += 4.0 * sizes[k] / sizes.length;
            my += seconds[k] / sizes.length;
        }
        double sxy = 0;
        double sxx = 0;
        for (int k = 0; k < sizes.length; k++) {
            sxy += (4.0 * sizes[k] - mx) * (seconds[k] - my);
            sxx += (4.0 * sizes[k] - mx) * (4.0 * sizes[k] - mx);
        }
        if (!(sxy > 0)) {
            throw new IllegalStateException("exchange times do not grow with size: " + java.util.Arrays.toString(seconds));
        }
        double bytesPerSecond = sxx / sxy;
        double intercept = my - mx / bytesPerSecond;
        return new LinkFigures(Math.max(0, intercept / 2 - 4.0 * bucket / bytesPerSecond), bytesPerSecond);
    }

    /**
     * Median seconds of one whole all-reduce of each of {@code sizes} floats between two tasks
     * of a barrier job (on local-cluster[2,1,..], one per executor JVM), the gradient already final.
     */
    public static double[] exchangeSecondsBetweenExecutors(org.apache.spark.api.java.JavaSparkContext sc, int[] sizes) {
        if (sizes.length == 0 || Arrays.stream(sizes).anyMatch(n -> n < 1)) {
            throw new IllegalArgumentException("exchange sizes must be one or more positive float counts, got " + Arrays.toString(sizes));
        }
        byte[] secret = Handshake.newSecret();
        try (Rendezvous rendezvous = new Rendezvous(sc.getConf().get("spark.driver.host", "127.0.0.1"), 2, secret)) {
            String address = rendezvous.address();
            scala.reflect.ClassTag<double[]> tag = scala.reflect.ClassTag$.MODULE$.apply(double[].class);
            @SuppressWarnings("unchecked")
            scala.Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<double[]>> f =
                    (scala.Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<double[]>> & java.io.Serializable)
                            it -> scala.jdk.javaapi.CollectionConverters.asScala(
                            java.util.List.of(exchangeSeconds(address, secret, sizes)).iterator());
            org.apache.spark.rdd.RDD<Integer> two = sc.parallelize(java.util.List.of(0, 1), 2).rdd();
            return org.apache.spark.api.java.JavaRDD.fromRDD(two.barrier().mapPartitions(f, false, tag), tag).collect().get(0);
        }
    }

    /** A task's part of {@link #betweenExecutors}: the median seconds of one whole exchange of each size, after warm-up. */
    private static double[] exchangeSeconds(String rendezvous, byte[] secret, int[] sizes) {
        int partition = org.apache.spark.BarrierTaskContext.get().partitionId();
        String host = org.apache.spark.SparkEnv.get().blockManager().blockManagerId().host();
        float[] g = new float[Arrays.stream(sizes).max().orElse(0)]; // zeros: the sums written back stay finite
        byte[] figures = new byte[8];
        double[] medians = new double[sizes.length];
        try (PeerExchange peers = new PeerExchange(host, rendezvous, secret, partition, 2, 0, 30_000, 64, false,
                PeerExchange.InJvm.HAND_OVER)) {
            // the executors' JIT compiles the links' paths; both tasks run the same count of exchanges
            for (int warm = 0; warm < 1000 + 10 * sizes.length; warm++) {
                peers.allReduce(g, warm < 1000 ? sizes[0] : sizes[(warm - 1000) / 10], figures);
            }
            for (int k = 0; k < sizes.length; k++) {
                double[] t = new double[15];
                for (int r = 0; r < t.length; r++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < 20; i++) {
                        peers.allReduce(g, sizes[k], figures);
                    }
                    t[r] = (System.nanoTime() - t0) / 1e9 / 20;
                }
                Arrays.sort(t);
                medians[k] = t[t.length / 2];
            }
        }
        return medians;
    }

    public static LinkFigures inJvm() {
        String key = "probe-" + System.nanoTime();
        try (Link lower = Link.Local.end(key, true, 30_000, "probe above");
             Link upper = Link.Local.end(key, false, 30_000, "probe below")) {
            return measure(lower, upper, false);
        }
    }

    public static LinkFigures loopback() {
        return loopback(false);
    }

    /**
     * Loopback with buckets streaming both ways at once, as the chain's way up and way down do
     * between two executor JVMs: on one machine both directions' copies share its cores, so each
     * direction gets less than a stream alone. Bandwidth is per direction.
     */
    public static LinkFigures loopbackBothWays() {
        return loopback(true);
    }

    private static LinkFigures loopback(boolean bothWays) {
        byte[] secret = Handshake.newSecret();
        try (ServerSocket server = java.nio.channels.ServerSocketChannel.open().socket()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<Link> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    Socket s = server.accept();
                    s.setTcpNoDelay(true);
                    s.setSendBufferSize(4 << 20);
                    s.setSoTimeout(30_000);
                    return new SocketLink(s, Handshake.accept(s, secret, "peer", v -> v == 1L << 32), false, false, "probe below",
                            30_000);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            Socket s = java.nio.channels.SocketChannel.open().socket();
            s.setTcpNoDelay(true);
            s.setSendBufferSize(4 << 20);
            s.setReceiveBufferSize(4 << 20);
            s.connect(server.getLocalSocketAddress(), 30_000);
            s.setSoTimeout(30_000);
            try (Link lower = new SocketLink(s, Handshake.connect(s, secret, "peer", 1L << 32), false, true, "probe above", 30_000);
                 Link upper = accepted.join()) {
                return measure(lower, upper, bothWays);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static LinkFigures measure(Link lower, Link upper, boolean bothWays) {
        try {
            int rounds = 2000;
            CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < rounds; i++) {
                        upper.sendBytes(upper.receiveBytes(4, 4));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            double[] rtt = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                long t0 = System.nanoTime();
                lower.sendBytes(new byte[4]);
                lower.receiveBytes(4, 4);
                rtt[i] = (System.nanoTime() - t0) / 1e9;
            }
            echo.join();
            Arrays.sort(rtt);
            double latency = rtt[rounds / 2] / 2;

            int n = PeerExchange.BUCKET;
            int buckets = 256;
            float[] gradient = new float[n];
            double best = Double.MAX_VALUE;
            for (int trial = 0; trial < 5; trial++) {
                CompletableFuture<Void> up = receiveAndAdd(upper, n, buckets, gradient);
                CompletableFuture<Void> down = bothWays ? receiveAndAdd(lower, n, buckets, gradient)
                        : CompletableFuture.completedFuture(null);
                long t0 = System.nanoTime();
                CompletableFuture<Void> sendingDown = bothWays ? CompletableFuture.runAsync(() -> send(upper, n, buckets))
                        : CompletableFuture.completedFuture(null);
                send(lower, n, buckets);
                sendingDown.join();
                up.join();
                down.join();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return new LinkFigures(latency, 4.0 * n * buckets / best);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void send(Link link, int n, int buckets) {
        try {
            for (int b = 0; b < buckets; b++) {
                link.sendFloats(Link.Buffers.take(n), n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A receiver thread that adds each bucket to {@code gradient}, as a task of the chain does. */
    private static CompletableFuture<Void> receiveAndAdd(Link link, int n, int buckets, float[] gradient) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread receiver = new Thread(() -> {
            try {
                for (int b = 0; b < buckets; b++) {
                    float[] buf = link.receiveFloats(n);
                    for (int i = 0; i < n; i++) {
                        buf[i] += gradient[i];
                    }
                    Link.Buffers.give(buf);
                }
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        }, "sparknn-probe-receiver");
        receiver.setDaemon(true);
        receiver.start();
        return done;
    }
}
