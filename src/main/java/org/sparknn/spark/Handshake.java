package org.sparknn.spark;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.function.LongPredicate;

/**
 * Mutual proof of the run's secret on a fresh connection, before anything else is read or sent:
 * the accepting side sends a nonce, the connecting side answers with its id, its own nonce and
 * HMAC-SHA256(secret, "connect", purpose, both nonces, id); the accepting side checks it and
 * answers with HMAC-SHA256(secret, "accept", ...). The secret itself never travels on the
 * connection: it reaches the tasks inside their task closures, which Spark's own authentication
 * and encryption protect. Callers set socket timeouts first, so a silent stranger costs a timeout.
 */
final class Handshake {
    static final int SECRET_BYTES = 32;
    private static final int NONCE_BYTES = 16;
    private static final int MAC_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {}

    /** A fresh per-run secret. */
    static byte[] newSecret() {
        byte[] s = new byte[SECRET_BYTES];
        RANDOM.nextBytes(s);
        return s;
    }

    /**
     * What a completed handshake establishes: the id the connecting side proved, and a key for
     * this connection alone (HMAC-SHA256 of the secret over both nonces), for encrypting its stream.
     */
    record Session(long id, byte[] key) {
    }

    /** Accepting side: returns the session; throws (the caller closes the socket) on a wrong proof or an id it refuses. */
    static Session accept(Socket socket, byte[] secret, String purpose, LongPredicate validId) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] mine = nonce();
        out.write(mine);
        out.flush();
        long id = in.readLong();
        byte[] theirs = new byte[NONCE_BYTES];
        in.readFully(theirs);
        byte[] proof = new byte[MAC_BYTES];
        in.readFully(proof);
        if (!MessageDigest.isEqual(proof, mac(secret, "connect", purpose, mine, theirs, id))) {
            throw new IOException("a connection from " + socket.getRemoteSocketAddress() + " did not prove this run's secret");
        }
        if (!validId.test(id)) {
            throw new IOException("a connection from " + socket.getRemoteSocketAddress() + " gave the invalid id " + id);
        }
        out.write(mac(secret, "accept", purpose, mine, theirs, id));
        out.flush();
        return new Session(id, mac(secret, "key", purpose, mine, theirs, id));
    }

    /** Connecting side: proves the secret under {@code id}, checks that the other side knows it too, returns the session. */
    static Session connect(Socket socket, byte[] secret, String purpose, long id) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] theirs = new byte[NONCE_BYTES];
        in.readFully(theirs);
        byte[] mine = nonce();
        out.writeLong(id);
        out.write(mine);
        out.write(mac(secret, "connect", purpose, theirs, mine, id));
        out.flush();
        byte[] proof = new byte[MAC_BYTES];
        in.readFully(proof);
        if (!MessageDigest.isEqual(proof, mac(secret, "accept", purpose, theirs, mine, id))) {
            throw new IOException(socket.getRemoteSocketAddress() + " did not prove this run's secret");
        }
        return new Session(id, mac(secret, "key", purpose, theirs, mine, id));
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    private static byte[] mac(byte[] secret, String side, String purpose, byte[] acceptNonce, byte[] connectNonce, long id) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((side + "\0" + purpose + "\0").getBytes(StandardCharsets.UTF_8));
            mac.update(acceptNonce);
            mac.update(connectNonce);
            mac.update(ByteBuffer.allocate(8).putLong(id).array());
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
