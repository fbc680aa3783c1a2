package org.sparknn.spark;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A driver-side meeting point for the tasks of an all-reduce barrier stage: each task proves the
 * run's secret ({@link Handshake}), then sends its listening address under its partition and
 * stage attempt; once all partitions of an attempt have registered, each receives every address
 * in partition order. (Spark's own BarrierTaskContext.allGather costs about a second per call.)
 * A retried stage attempt forms a new group, so stale registrations of a failed attempt never
 * mix in. Every connection is served on its own thread with a read timeout, so a stranger that
 * connects and stays silent, sends garbage or does not know the secret delays nobody; partitions
 * and addresses are checked before they are kept.
 */
final class Rendezvous implements AutoCloseable {
    static final int HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    private static final int MAX_OPEN_CONNECTIONS = 256;
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9.:\\[\\]%_-]{1,255}:[0-9]{1,5}(/[0-9a-f]{16})?");

    private final ServerSocket server;
    private final int partitions;
    private final byte[] secret;
    private final Map<Integer, TreeMap<Integer, Registration>> groups = new HashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    /** Open report connections, closed with the rendezvous (a task whose host vanished never closes its own). */
    private final java.util.Set<Socket> reportSockets = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Open report connections by job (generation); guarded by itself, which is notified when one closes. */
    private final Map<Integer, Integer> openReports = new HashMap<>();
    private static final long REPORT_FIELDS = (1L << 48) - 1;

    /** Marks the handshake id of a connection that brings a state copy rather than a registration. */
    private static final long COPY = 1L << 63;
    /**
     * Marks the handshake id of a connection that brings epoch reports; bits 0-15 are the
     * partition, bits 16-47 the job (generation) whose task opened it.
     */
    private static final long REPORT = 1L << 62;

    private final boolean encrypt;
    private final CopySink copies;
    private final ReportSink reports;

    private record Registration(Socket socket, String address) {
    }

    /** Where the driver keeps the state copies it receives. */
    interface CopySink {
        /** The exact length of a valid copy message (before sealing). */
        int messageBytes();

        /** Checks and keeps a copy; throws, saying what is wrong, for one the run cannot use. */
        void accept(byte[] message) throws IOException;
    }

    /** Where the driver takes the {@link EpochReport}s of a multi-epoch job. */
    interface ReportSink {
        /** The length of the largest valid report (before sealing); -1 while no job expects one. */
        int maxBytes();

        /** Checks and keeps a report of {@code partition}; throws, saying what is wrong, for one the run cannot use. */
        void accept(int partition, byte[] message) throws IOException;
    }

    /** A rendezvous that takes no state copies or reports. */
    Rendezvous(String host, int partitions, byte[] secret) {
        this(host, partitions, secret, false, null, null);
    }

    Rendezvous(String host, int partitions, byte[] secret, boolean encrypt, CopySink copies) {
        this(host, partitions, secret, encrypt, copies, null);
    }

    Rendezvous(String host, int partitions, byte[] secret, boolean encrypt, CopySink copies, ReportSink reports) {
        this.partitions = partitions;
        this.secret = secret.clone();
        this.encrypt = encrypt;
        this.copies = copies;
        this.reports = reports;
        try {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(host, 0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the all-reduce rendezvous on " + host + ": " + e.getMessage(), e);
        }
        Thread acceptor = new Thread(this::acceptLoop, "sparknn-rendezvous");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /** Connections turned away so far (wrong secret, bad partition or address, silence, garbage). */
    int refused() {
        return refused.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                continue; // closed (the loop ends) or a failed accept
            }
            if (open.incrementAndGet() > MAX_OPEN_CONNECTIONS) {
                open.decrementAndGet();
                refused.incrementAndGet();
                closeQuietly(s);
                continue;
            }
            Thread handler = new Thread(() -> {
                try {
                    serve(s);
                } finally {
                    open.decrementAndGet();
                }
            }, "sparknn-rendezvous-connection");
            handler.setDaemon(true);
            handler.start();
        }
    }

    private void serve(Socket s) {
        try {
            s.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
            Handshake.Session session = Handshake.accept(s, secret, "rendezvous", v -> (v & COPY) != 0
                    ? copies != null && v == (COPY | 0)
                    : (v & REPORT) != 0 ? reports != null && (v & ~REPORT & ~REPORT_FIELDS) == 0 && (v & 0xFFFF) < partitions
                    : (int) v >= 0 && (int) v < partitions && (v >>> 32) <= Integer.MAX_VALUE);
            if ((session.id() & COPY) != 0) {
                receiveCopy(s, session);
                return;
            }
            if ((session.id() & REPORT) != 0) {
                receiveReports(s, session, (int) (session.id() & 0xFFFF), (int) (session.id() >>> 16));
                return;
            }
            long id = session.id();
            int partition = (int) id;
            int attempt = (int) (id >>> 32);
            String address = new DataInputStream(s.getInputStream()).readUTF();
            if (!ADDRESS.matcher(address).matches()) {
                throw new IOException("partition " + partition + " registered the malformed address '" + address + "'");
            }
            register(attempt, partition, new Registration(s, address));
        } catch (IOException e) {
            if (!server.isClosed()) {
                refused.incrementAndGet();
            }
            closeQuietly(s);
        }
    }

    private void receiveCopy(Socket s, Handshake.Session session) throws IOException {
        try (s) {
            copies.accept(receive(s, session, copies.messageBytes(), true, "a state copy", "no epoch"));
            acknowledge(s);
        }
    }

    /**
     * A task's report connection: it stays open for all the task's epochs (one handshake per job,
     * not per report) and ends when the task closes it. Between reports it may be idle for an
     * epoch's length; within a report the usual read timeout holds.
     */
    private void receiveReports(Socket s, Handshake.Session session, int partition, int generation) throws IOException {
        reportSockets.add(s);
        synchronized (openReports) {
            openReports.merge(generation, 1, Integer::sum);
        }
        try (s) {
            StreamCipher opener = encrypt ? StreamCipher.decrypting(session.key()) : null;
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream(), 1 << 16));
            while (true) {
                s.setSoTimeout(0);
                int length;
                try {
                    length = in.readInt();
                } catch (java.io.EOFException done) {
                    return; // the task has sent its last report
                }
                s.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
                reports.accept(partition, receive(in, length, opener, reports.maxBytes(), false, "an epoch report", "no job"));
                acknowledge(s);
            }
        } finally {
            reportSockets.remove(s);
            synchronized (openReports) {
                openReports.computeIfPresent(generation, (g, n) -> n == 1 ? null : n - 1);
                openReports.notifyAll();
            }
        }
    }

    /**
     * Waits (at most {@code millis}) until every report connection the tasks of job {@code
     * generation} opened has closed: whatever they sent before has then been kept or refused.
     * Returns whether they all closed in time.
     */
    boolean awaitReportsClosed(int generation, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (openReports) {
            while (openReports.containsKey(generation)) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                openReports.wait(left);
            }
            return true;
        }
    }

    /**
     * A length-prefixed message of exactly (or, unless {@code exact}, at most) {@code plainBytes}
     * before sealing, opened when the run encrypts; the length is checked before anything is
     * allocated. {@code plainBytes} < 0: nothing is under way that takes one.
     */
    private byte[] receive(Socket s, Handshake.Session session, int plainBytes, boolean exact, String what, String idle)
            throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        return receive(in, in.readInt(), encrypt ? StreamCipher.decrypting(session.key()) : null, plainBytes, exact, what, idle);
    }

    /** The body of a message whose announced length was {@code length}; {@code opener} is null in clear. */
    private byte[] receive(DataInputStream in, int length, StreamCipher opener, int plainBytes, boolean exact, String what,
                           String idle) throws IOException {
        if (plainBytes < 0) {
            throw new IOException(what + " arrived while " + idle + " is under way");
        }
        int limit = opener != null ? StreamCipher.sealedLength(plainBytes) : plainBytes;
        if (exact ? length != limit : length < 0 || length > limit) {
            throw new IOException(what + " announced " + length + " bytes; this run's are " + (exact ? "" : "at most ") + limit);
        }
        byte[] wire = new byte[length];
        in.readFully(wire);
        return opener != null ? opener.next(wire) : wire;
    }

    private static void acknowledge(Socket s) throws IOException {
        s.getOutputStream().write(1);
        s.getOutputStream().flush();
    }

    private synchronized void register(int attempt, int partition, Registration r) throws IOException {
        TreeMap<Integer, Registration> group = groups.computeIfAbsent(attempt, a -> new TreeMap<>());
        Registration previous = group.put(partition, r); // the same task registering again: its retry
        if (previous != null) {
            closeQuietly(previous.socket());
        }
        if (group.size() < partitions) {
            return;
        }
        groups.remove(attempt);
        for (Registration each : group.values()) {
            try {
                DataOutputStream out = new DataOutputStream(each.socket().getOutputStream());
                for (Registration member : group.values()) {
                    out.writeUTF(member.address());
                }
                out.flush();
            } finally {
                closeQuietly(each.socket());
            }
        }
    }

    /**
     * Task side: proves the secret, registers, and waits (at most {@code timeoutMillis}) for every
     * partition's address, indexed by partition.
     */
    static String[] meet(String rendezvous, byte[] secret, int partition, int attempt, String address, int partitions,
                         int timeoutMillis) throws IOException {
        try (Connection c = connect(rendezvous, secret, ((long) attempt << 32) | partition, "partition " + partition)) {
            Socket s = c.socket();
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeUTF(address);
            out.flush();
            s.setSoTimeout(timeoutMillis);
            DataInputStream in = new DataInputStream(s.getInputStream());
            String[] all = new String[partitions];
            for (int q = 0; q < partitions; q++) {
                all[q] = in.readUTF();
            }
            return all;
        } catch (SocketTimeoutException e) {
            throw new IOException("partition " + partition + ": not every partition reached the rendezvous " + rendezvous
                    + " within " + timeoutMillis / 1000 + " s", e);
        }
    }

    /** Task side (partition 0): sends a {@link StateCopy} message and waits until the driver has kept it. */
    static void sendCopy(String rendezvous, byte[] secret, boolean encrypt, byte[] message) throws IOException {
        send(rendezvous, secret, encrypt, message, COPY | 0, "the state copy");
    }

    /** Task side: sends one {@link EpochReport} on a connection of its own and waits until the driver has kept it. */
    static void sendReport(String rendezvous, byte[] secret, boolean encrypt, int generation, int partition, byte[] message)
            throws IOException {
        try (ReportChannel channel = ReportChannel.open(rendezvous, secret, encrypt, generation, partition)) {
            channel.send(message);
        }
    }

    /**
     * Task side: the connection that carries all of a task's {@link EpochReport}s to the driver.
     * One connection and handshake per task and job rather than per report: on a busy machine a
     * connection, the driver's thread for it and the handshake's round trips cost milliseconds,
     * which the other tasks spent waiting at the next step.
     */
    static final class ReportChannel implements AutoCloseable {
        private final Connection connection;
        private final StreamCipher sealer;
        private final DataOutputStream out;
        private final String what;

        private ReportChannel(Connection connection, boolean encrypt, String what) throws IOException {
            this.connection = connection;
            this.sealer = encrypt ? StreamCipher.encrypting(connection.session().key()) : null;
            this.out = new DataOutputStream(new java.io.BufferedOutputStream(connection.socket().getOutputStream(), 1 << 16));
            this.what = what;
        }

        /** The connection of {@code partition}, a task of job {@code generation}. */
        static ReportChannel open(String rendezvous, byte[] secret, boolean encrypt, int generation, int partition)
                throws IOException {
            if (partition < 0 || partition > 0xFFFF || generation < 0) {
                throw new IllegalArgumentException("partition " + partition + " of job " + generation);
            }
            String what = "the epoch report of partition " + partition;
            Connection c = connect(rendezvous, secret, REPORT | (long) generation << 16 | partition, what);
            try {
                return new ReportChannel(c, encrypt, what);
            } catch (IOException e) {
                c.close();
                throw e;
            }
        }

        /** Sends a report and waits until the driver has kept it. */
        void send(byte[] message) throws IOException {
            byte[] wire = sealer != null ? sealer.next(message) : message;
            out.writeInt(wire.length);
            out.write(wire);
            out.flush();
            if (connection.socket().getInputStream().read() != 1) {
                throw new IOException("the driver did not keep " + what);
            }
        }

        @Override
        public void close() throws IOException {
            connection.close();
        }
    }

    private static void send(String rendezvous, byte[] secret, boolean encrypt, byte[] message, long id, String what)
            throws IOException {
        try (Connection c = connect(rendezvous, secret, id, what)) {
            Socket s = c.socket();
            byte[] wire = encrypt ? StreamCipher.encrypting(c.session().key()).next(message) : message;
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(s.getOutputStream(), 1 << 16));
            out.writeInt(wire.length);
            out.write(wire);
            out.flush();
            if (s.getInputStream().read() != 1) {
                throw new IOException("the driver did not keep " + what);
            }
        }
    }

    private record Connection(Socket socket, Handshake.Session session) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static Connection connect(String rendezvous, byte[] secret, long id, String who) throws IOException {
        int colon = rendezvous.lastIndexOf(':');
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(rendezvous.substring(0, colon), Integer.parseInt(rendezvous.substring(colon + 1))),
                    HANDSHAKE_TIMEOUT_MILLIS);
            s.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
            return new Connection(s, Handshake.connect(s, secret, "rendezvous", id));
        } catch (IOException e) {
            closeQuietly(s);
            throw new IOException(who + ": the rendezvous " + rendezvous + " did not complete the run-secret handshake (" + e + ")", e);
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly(server);
        reportSockets.forEach(Rendezvous::closeQuietly);
        for (TreeMap<Integer, Registration> g : groups.values()) {
            for (Registration r : g.values()) {
                closeQuietly(r.socket());
            }
        }
        groups.clear();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
