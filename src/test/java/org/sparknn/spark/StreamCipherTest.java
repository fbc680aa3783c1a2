package org.sparknn.spark;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StreamCipherTest {
    private static byte[] message(int n, int seed) {
        byte[] m = new byte[n];
        new Random(seed).nextBytes(m);
        return m;
    }

    @Test
    void messagesOfAnySizeRoundTripInOrder() throws IOException {
        byte[] key = Handshake.newSecret();
        StreamCipher sealer = StreamCipher.encrypting(key);
        StreamCipher opener = StreamCipher.decrypting(key);
        for (int n : new int[] {0, 1, 65536, 65537, 200_000, 28}) {
            byte[] m = message(n, n);
            byte[] wire = sealer.next(m);
            assertEquals(StreamCipher.sealedLength(n), wire.length);
            if (n >= 16) {
                assertFalse(Arrays.equals(Arrays.copyOf(m, 16), Arrays.copyOf(wire, 16)), "sent in clear");
            }
            assertArrayEquals(m, opener.next(wire));
        }
    }

    @Test
    void alteredCutReplayedOrForeignMessagesFail() throws IOException {
        byte[] key = Handshake.newSecret();
        StreamCipher sealer = StreamCipher.encrypting(key);
        byte[] first = sealer.next(message(200_000, 1));
        byte[] second = sealer.next(message(100, 2));

        byte[] altered = first.clone();
        altered[70_000] ^= 1;
        assertThrows(IOException.class, () -> StreamCipher.decrypting(key).next(altered));
        byte[] cut = Arrays.copyOf(first, StreamCipher.sealedLength(2 * 65536)); // whole records, but not the message
        assertThrows(IOException.class, () -> StreamCipher.decrypting(key).next(cut));
        assertThrows(IOException.class, () -> StreamCipher.decrypting(key).next(second)); // out of order
        StreamCipher opener = StreamCipher.decrypting(key);
        opener.next(first);
        assertThrows(IOException.class, () -> opener.next(first)); // replayed
        assertThrows(IOException.class, () -> StreamCipher.decrypting(Handshake.newSecret()).next(first)); // another key
    }
}
