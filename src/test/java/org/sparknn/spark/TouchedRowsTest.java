package org.sparknn.spark;

import org.junit.jupiter.api.Test;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a partition's list of rows, or a sparse gradient on the wire, does when it is malformed. */
class TouchedRowsTest {
    private static byte[] ints(int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }

    @Test
    void malformedListsOfRowsAreRefusedNamingThePartition() throws IOException {
        assertArrayEquals(new int[] {2, 5}, TouchedRows.decode(TouchedRows.encode(new int[] {2, 5}), 10, 1));
        IOException truncated = assertThrows(IOException.class, () -> TouchedRows.decode(ints(3, 1, 2), 10, 1));
        assertTrue(truncated.getMessage().contains("partition 1"), truncated.getMessage());
        assertThrows(IOException.class, () -> TouchedRows.decode(ints(Integer.MAX_VALUE, 1), 10, 0));
        assertThrows(IOException.class, () -> TouchedRows.decode(ints(-1), 10, 0));
        assertThrows(IOException.class, () -> TouchedRows.decode(new byte[2], 10, 0));
        assertThrows(IOException.class, () -> TouchedRows.decode(ints(2, 5, 5), 10, 0), "not ascending");
        assertThrows(IOException.class, () -> TouchedRows.decode(ints(1, 10), 10, 0), "outside the inputs");
        assertArrayEquals(new int[] {1, 2, 7}, TouchedRows.union(List.of(new int[] {1, 7}, new int[] {2, 7}), 10));
    }

    @Test
    void aSparseGradientAnnouncingMoreColumnsThanItHoldsIsRefused() {
        Network net = Network.create(new ModelSpec(10, List.of(new LayerSpec.Dense(2), new LayerSpec.Softmax()),
                LossKind.SOFTMAX_CROSS_ENTROPY).withSparseInput(true), 1);
        float[] sum = new float[net.store().size()];
        byte[] huge = ints(1, Integer.MAX_VALUE, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GradientBytes.addTo(huge, net, sum));
        assertTrue(e.getMessage().contains("columns"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradientBytes.addTo(ints(1, 1, 3), net, sum), "truncated");
    }
}
