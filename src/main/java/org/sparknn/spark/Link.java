package org.sparknn.spark;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One end of the two-way link between neighbouring partitions of the all-reduce chain. Each
 * direction has one sending and one receiving thread. Float buffers change hands: a buffer
 * given to {@link #sendFloats} belongs to the link, one returned by {@link #receiveFloats} to
 * the caller (buffers come from and go back to {@link Buffers}). Between tasks in the same JVM
 * the buffer itself travels ({@link Local}); between JVMs a {@link SocketLink} carries it.
 */
interface Link extends AutoCloseable {
    void sendFloats(float[] buffer, int length) throws IOException;

    float[] receiveFloats(int length) throws IOException;

    void sendBytes(byte[] message) throws IOException;

    /** A message whose length must lie in [min, max], checked before anything is allocated. */
    byte[] receiveBytes(int min, int max) throws IOException;

    @Override
    void close();

    /** Float buffers by length, shared by the tasks of a JVM (the chain passes them from task to task). */
    final class Buffers {
        private static final int KEEP = 256;
        private static final ConcurrentHashMap<Integer, ConcurrentLinkedQueue<float[]>> FREE = new ConcurrentHashMap<>();

        private Buffers() {}

        static float[] take(int length) {
            float[] b = FREE.computeIfAbsent(length, n -> new ConcurrentLinkedQueue<>()).poll();
            return b != null ? b : new float[length];
        }

        static void give(float[] buffer) {
            ConcurrentLinkedQueue<float[]> q = FREE.computeIfAbsent(buffer.length, n -> new ConcurrentLinkedQueue<>());
            if (q.size() < KEEP) {
                q.add(buffer);
            }
        }
    }

    /**
     * The link between two tasks of the same JVM: queues that hand the sender's buffer to the
     * receiver, so a gradient bucket moves up and down the chain without a copy or a socket.
     * Both ends find the pair under the same key (run, attempt, lower partition).
     */
    final class Local implements Link {
        private static final ConcurrentHashMap<String, Pair> PAIRS = new ConcurrentHashMap<>();
        /** What an end leaves in the other's inbox when its task is done, so a waiting partner fails at once. */
        private static final Object CLOSED = new Object();
        private final String key;
        private final Pair pair;
        private final BlockingQueue<Object> outbox;
        private final BlockingQueue<Object> inbox;
        private final int timeoutMillis;
        private final String peer;

        private record Pair(BlockingQueue<Object> up, BlockingQueue<Object> down, AtomicInteger ends) {
        }

        private Local(String key, Pair pair, boolean lower, int timeoutMillis, String peer) {
            this.key = key;
            this.pair = pair;
            this.outbox = lower ? pair.up() : pair.down();
            this.inbox = lower ? pair.down() : pair.up();
            this.timeoutMillis = timeoutMillis;
            this.peer = peer;
        }

        /** This task's end of the pair under {@code key}; {@code lower} says which end; {@code peer} names the other task. */
        static Local end(String key, boolean lower, int timeoutMillis, String peer) {
            Pair pair = PAIRS.computeIfAbsent(key, k -> new Pair(new ArrayBlockingQueue<>(4096), new ArrayBlockingQueue<>(4096),
                    new AtomicInteger()));
            if (pair.ends().incrementAndGet() == 2) {
                PAIRS.remove(key, pair);
            }
            return new Local(key, pair, lower, timeoutMillis, peer);
        }

        @Override
        public void sendFloats(float[] buffer, int length) throws IOException {
            put(buffer);
        }

        @Override
        public float[] receiveFloats(int length) throws IOException {
            Object m = take();
            if (!(m instanceof float[] f) || f.length != length) {
                throw new IOException(peer + " sent " + describe(m) + " where this step expects " + length + " floats");
            }
            return f;
        }

        @Override
        public void sendBytes(byte[] message) throws IOException {
            put(message);
        }

        @Override
        public byte[] receiveBytes(int min, int max) throws IOException {
            Object m = take();
            if (!(m instanceof byte[] b) || b.length < min || b.length > max) {
                throw new IOException(peer + " sent " + describe(m) + " where this step expects " + min + " to " + max + " bytes");
            }
            return b;
        }

        private static String describe(Object m) {
            return m instanceof float[] f ? f.length + " floats" : m instanceof byte[] b ? b.length + " bytes" : String.valueOf(m);
        }

        private void put(Object m) throws IOException {
            try {
                if (!outbox.offer(m, timeoutMillis, TimeUnit.MILLISECONDS)) {
                    throw new IOException(peer + " took nothing within " + timeoutMillis / 1000 + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while sending to " + peer, e);
            }
        }

        private Object take() throws IOException {
            try {
                Object m = inbox.poll(timeoutMillis, TimeUnit.MILLISECONDS);
                if (m == null) {
                    throw new IOException("no data from " + peer + " within " + timeoutMillis / 1000 + " s");
                }
                if (m == CLOSED) {
                    inbox.offer(CLOSED); // for the other thread of this end
                    throw new IOException(peer + " ended (its task failed or was stopped)");
                }
                return m;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while receiving from " + peer, e);
            }
        }

        @Override
        public void close() {
            PAIRS.remove(key, pair); // an end whose partner never came (a failed attempt)
            outbox.offer(CLOSED);
        }
    }
}
