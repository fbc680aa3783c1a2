package org.sparknn.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.data.Dataset;
import org.sparknn.data.IdxReader;
import org.sparknn.data.MalformedDataException;
import org.sparknn.nn.LossKind;
import org.sparknn.train.TrainConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IDX splits read by the executors in ranges must give the blocks of the same data read on the driver. */
class IdxSourceTest {
    private static final int N = 700;
    private static final int SIDE = 3;

    @Test
    void executorsReadTheRecordsTheDriverReaderReads(@TempDir Path dir) throws IOException {
        for (boolean gzip : new boolean[] {false, true}) {
            Path d = Files.createDirectories(dir.resolve(gzip ? "gz" : "plain"));
            write(d, gzip, N, -1, 0);
            Dataset onDriver = IdxReader.readDir(d, "train");
            TrainConfig config = TrainConfig.defaults().with("seed", 4).with("blockRows", 90);
            Shards read = Shards.fromIdx(SparkTestSession.jsc(), d.toString(), "train", 3, config, LossKind.SOFTMAX_CROSS_ENTROPY, 10);
            Shards packed = Shards.fromDataset(SparkTestSession.jsc(), onDriver, 3, config);
            try {
                assertEquals(N, read.totalRows());
                assertEquals(SIDE * SIDE, read.featureSize());
                var a = read.blocks().collect();
                var b = packed.blocks().collect();
                assertEquals(b.size(), a.size());
                for (int g = 0; g < a.size(); g++) {
                    assertArrayEquals(b.get(g).ids(), a.get(g).ids());
                    assertArrayEquals(b.get(g).labels(), a.get(g).labels(), 0f);
                    assertArrayEquals(b.get(g).features(), a.get(g).features(), 0f);
                }
            } finally {
                read.release();
                packed.release();
            }
        }
    }

    @Test
    void damagedFilesAndLabelsOutsideTheModelAreNamed(@TempDir Path dir) throws IOException {
        Path truncated = Files.createDirectories(dir.resolve("truncated"));
        write(truncated, false, 50, -1, -1);
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> Shards.fromIdx(SparkTestSession.jsc(),
                truncated.toString(), "train", 2, TrainConfig.defaults(), null, 0));
        assertTrue(e.getMessage().startsWith(truncated.resolve("train-images-idx3-ubyte") + ": truncated data"), e.getMessage());

        Path trailing = Files.createDirectories(dir.resolve("trailing"));
        write(trailing, true, 50, -1, 3);
        Throwable t = rootCause(assertThrows(Exception.class, () -> Shards.fromIdx(SparkTestSession.jsc(),
                trailing.toString(), "train", 2, TrainConfig.defaults(), null, 0)));
        assertTrue(t.getMessage().contains("train-images-idx3-ubyte.gz: trailing data: 3 extra bytes"), t.getMessage());

        Path classes = Files.createDirectories(dir.resolve("classes"));
        write(classes, false, 50, 37, 0);
        t = rootCause(assertThrows(Exception.class, () -> Shards.fromIdx(SparkTestSession.jsc(), classes.toString(), "train", 2,
                TrainConfig.defaults(), LossKind.SOFTMAX_CROSS_ENTROPY, 10)));
        assertEquals(classes.resolve("train-labels-idx1-ubyte") + ": label at index 37 is 10.0, which is not a class index of "
                + "the model's 10 classes (0..9)", t.getMessage());
    }

    private static Throwable rootCause(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        return e;
    }

    /**
     * n images of SIDE x SIDE bytes and labels i % 10, except label 10 at {@code badLabel} (when
     * >= 0); extra > 0 appends bytes to the images, < 0 cuts them.
     */
    private static void write(Path dir, boolean gzip, int n, int badLabel, int extra) throws IOException {
        ByteBuffer images = ByteBuffer.allocate(16 + n * SIDE * SIDE + Math.max(0, extra));
        images.putInt(0x00000803).putInt(n).putInt(SIDE).putInt(SIDE);
        for (int i = 0; i < n * SIDE * SIDE + Math.max(0, extra); i++) {
            images.put((byte) (i * 7));
        }
        ByteBuffer labels = ByteBuffer.allocate(8 + n);
        labels.putInt(0x00000801).putInt(n);
        for (int i = 0; i < n; i++) {
            labels.put((byte) (i == badLabel ? 10 : i % 10));
        }
        byte[] x = Arrays.copyOf(images.array(), images.capacity() + Math.min(0, extra));
        String gz = gzip ? ".gz" : "";
        Files.write(dir.resolve("train-images-idx3-ubyte" + gz), gzip ? gzipped(x) : x);
        Files.write(dir.resolve("train-labels-idx1-ubyte" + gz), gzip ? gzipped(labels.array()) : labels.array());
    }

    private static byte[] gzipped(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }
}
