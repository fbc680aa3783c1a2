package org.sparknn.spark;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A driver-side meeting point for the tasks of an all-reduce barrier stage: each task sends its
 * partition, stage attempt and listening address, and once all partitions of an attempt have
 * registered, each receives every address in partition order. (Spark's own
 * BarrierTaskContext.allGather costs about a second per call.) A retried stage attempt forms a
 * new group, so stale registrations of a failed attempt never mix in.
 */
final class Rendezvous implements AutoCloseable {
    private final ServerSocket server;
    private final int partitions;
    private final Map<Integer, TreeMap<Integer, Registration>> groups = new HashMap<>();
    private final Thread acceptor;

    private record Registration(Socket socket, String address) {
    }

    Rendezvous(String host, int partitions) {
        this.partitions = partitions;
        try {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(host, 0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the all-reduce rendezvous on " + host + ": " + e.getMessage(), e);
        }
        acceptor = new Thread(this::serve, "sparknn-rendezvous");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                DataInputStream in = new DataInputStream(s.getInputStream());
                int partition = in.readInt();
                int attempt = in.readInt();
                String address = in.readUTF();
                TreeMap<Integer, Registration> group = groups.computeIfAbsent(attempt, a -> new TreeMap<>());
                Registration previous = group.put(partition, new Registration(s, address));
                if (previous != null) {
                    previous.socket().close();
                }
                if (group.size() == partitions) {
                    groups.remove(attempt);
                    for (Registration r : group.values()) {
                        DataOutputStream out = new DataOutputStream(r.socket().getOutputStream());
                        for (Registration each : group.values()) {
                            out.writeUTF(each.address());
                        }
                        out.flush();
                        r.socket().close();
                    }
                }
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
                // a task that went away mid-registration; its stage attempt will be retried
            }
        }
    }

    /** Task side: registers and waits for every partition's address, indexed by partition. */
    static String[] meet(String rendezvous, int partition, int attempt, String address, int partitions) throws IOException {
        String[] hp = rendezvous.split(":");
        try (Socket s = new Socket(hp[0], Integer.parseInt(hp[1]))) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(partition);
            out.writeInt(attempt);
            out.writeUTF(address);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            String[] all = new String[partitions];
            for (int q = 0; q < partitions; q++) {
                all[q] = in.readUTF();
            }
            return all;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (TreeMap<Integer, Registration> g : groups.values()) {
            for (Registration r : g.values()) {
                try {
                    r.socket().close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
