package org.sparknn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    private static final int UBYTE_IMAGES = 0x00000803;
    private static final int FLOAT_IMAGES = 0x00000D03;
    private static final int UBYTE_LABELS = 0x00000801;

    @TempDir
    Path dir;

    // ---- well-formed input ----

    @Test
    void readsPlainUnsignedByteImages() throws IOException {
        Path images = write("img", false, header(UBYTE_IMAGES, 2, 1, 2), bytes(0, 255, 51, 102));
        Path labels = write("lbl", false, header(UBYTE_LABELS, 2), bytes(3, 200));
        Dataset d = IdxReader.read(images, labels);
        assertEquals(2, d.size());
        assertEquals(2, d.featureSize());
        assertArrayEquals(new float[] {0f, 1f, 51 / 255f, 102 / 255f}, d.features());
        assertArrayEquals(new float[] {3, 200}, d.labels());
        assertEquals(images.toString(), d.source());
    }

    @Test
    void readsGzippedFloatImages() throws IOException {
        Path images = write("img.gz", true, header(FLOAT_IMAGES, 1, 2, 2), floats(0f, 0.25f, 0.624f, 1f));
        Path labels = write("lbl.gz", true, header(UBYTE_LABELS, 1), bytes(9));
        Dataset d = IdxReader.read(images, labels);
        assertArrayEquals(new float[] {0f, 0.25f, 0.624f, 1f}, d.features());
        assertArrayEquals(new float[] {9}, d.labels());
    }

    @Test
    void readsEmptyDataset() throws IOException {
        Dataset d = IdxReader.read(write("img", false, header(UBYTE_IMAGES, 0, 28, 28)),
                write("lbl", false, header(UBYTE_LABELS, 0)));
        assertEquals(0, d.size());
        assertEquals(784, d.featureSize());
    }

    @Test
    void readDirAcceptsUncompressedFiles() throws IOException {
        write("test-images-idx3-ubyte", false, header(UBYTE_IMAGES, 1, 1, 1), bytes(255));
        write("test-labels-idx1-ubyte", false, header(UBYTE_LABELS, 1), bytes(4));
        Dataset d = IdxReader.readDir(dir, "test");
        assertArrayEquals(new float[] {1f}, d.features());
        assertArrayEquals(new float[] {4}, d.labels());
    }

    // ---- malformed input: one test per problem ----

    @Test
    void badMagicNumber() throws IOException {
        Path images = write("bad-magic", false, header(0x12340803, 1, 1, 1), bytes(0));
        assertFails(images, goodLabels(1), "bad-magic", "bad magic number 0x12340803",
                "expected 0x00000803 (unsigned-byte images) or 0x00000D03 (float32 images)");
    }

    @Test
    void unsupportedImageTypeCode() throws IOException {
        Path images = write("int16", false, header(0x00000B03, 1, 1, 1), bytes(0, 0));
        assertFails(images, goodLabels(1), "int16", "unsupported type code 0x0B (int16) for images");
    }

    @Test
    void unsupportedLabelTypeCode() throws IOException {
        Path labels = write("float-labels", false, header(0x00000D01, 1), floats(1f));
        assertFails(goodImages(1), labels, "float-labels", "unsupported type code 0x0D (float32) for labels");
    }

    @Test
    void imagesWithWrongNumberOfDimensions() throws IOException {
        // A labels header where images are expected: the usual "files swapped" mistake.
        Path images = write("swapped", false, header(UBYTE_LABELS, 1), bytes(0));
        assertFails(images, goodLabels(1), "swapped",
                "wrong number of dimensions: expected 3 (images x rows x columns) but the header says 1",
                "is this a labels file?");
    }

    @Test
    void labelsWithWrongNumberOfDimensions() throws IOException {
        Path labels = write("labels-2d", false, header(0x00000802, 1, 1), bytes(0));
        assertFails(goodImages(1), labels, "labels-2d", "expected 1 (labels) but the header says 2");
    }

    @Test
    void emptyFile() throws IOException {
        Path images = write("empty", false);
        assertFails(images, goodLabels(1), "empty", "truncated header: 0 bytes of data");
    }

    @Test
    void truncatedHeader() throws IOException {
        Path images = write("short-header", false, header(UBYTE_IMAGES, 1, 28));
        assertFails(images, goodLabels(1), "short-header",
                "truncated header: expected 12 bytes of dimension sizes after the magic number, found 8");
    }

    @Test
    void truncatedImageData() throws IOException {
        // Three 2x2 images announced, two and a half present.
        Path images = write("short-images", false, header(UBYTE_IMAGES, 3, 2, 2), new byte[10]);
        assertFails(images, goodLabels(3), "short-images",
                "truncated data: image at index 2 (record 3 of 3) has only 2 of 4 bytes",
                "data ends at byte offset 26");
    }

    @Test
    void truncatedDataInsideValidGzipReportsDecompressedOffset() throws IOException {
        Path images = write("short-images.gz", true, header(FLOAT_IMAGES, 2, 1, 1), floats(0.5f));
        assertFails(images, goodLabels(2), "short-images.gz",
                "image at index 1 (record 2 of 2) has only 0 of 4 bytes", "decompressed byte offset 20");
    }

    @Test
    void truncatedLabelData() throws IOException {
        Path labels = write("short-labels", false, header(UBYTE_LABELS, 5), bytes(1, 2, 3));
        assertFails(goodImages(5), labels, "short-labels",
                "truncated data: label at index 3 (record 4 of 5) is missing");
    }

    @Test
    void trailingBytesAfterImages() throws IOException {
        Path images = write("long-images", false, header(UBYTE_IMAGES, 1, 2, 2), new byte[4 + 5]);
        assertFails(images, goodLabels(1), "long-images",
                "trailing data: 5 extra bytes after the 1 images the header announces");
    }

    @Test
    void trailingBytesAfterLabels() throws IOException {
        Path labels = write("long-labels", false, header(UBYTE_LABELS, 1), bytes(1, 2));
        assertFails(goodImages(1), labels, "long-labels", "trailing data: 1 extra bytes after the 1 labels");
    }

    @Test
    void countMismatchNamesBothFiles() throws IOException {
        Path images = goodImages(2);
        Path labels = write("three-labels", false, header(UBYTE_LABELS, 3), bytes(0, 1, 2));
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(images, labels));
        assertMentions(e, images.toString(), labels.toString(), "holds 2 images", "holds 3 labels");
    }

    @Test
    void nonFiniteFloatPixel() throws IOException {
        Path images = write("nan", false, header(FLOAT_IMAGES, 1, 1, 2), floats(0.5f, Float.NaN));
        assertFails(images, goodLabels(1), "nan", "image at index 0, pixel 1 is NaN");
    }

    @Test
    void dimensionTooLarge() throws IOException {
        Path images = write("huge", false, header(UBYTE_IMAGES, -1, 28, 28));
        assertFails(images, goodLabels(1), "huge", "dimension 0 has size 4294967295");
    }

    @Test
    void hugeCountsInHeaderAreReportedAsTruncatedNotOutOfMemory() throws IOException {
        Path images = write("liar-images", false, header(UBYTE_IMAGES, 500_000_000, 2, 2), new byte[10]);
        assertFails(images, goodLabels(1), "liar-images",
                "truncated data: image at index 2 (record 3 of 500000000) has only 2 of 4 bytes");
        Path labels = write("liar-labels", false, header(UBYTE_LABELS, 2_000_000_000), new byte[70_000]);
        assertFails(goodImages(1), labels, "liar-labels",
                "label at index 70000 (record 70001 of 2000000000) is missing");
    }

    @Test
    void tooManyValuesForOneArray() throws IOException {
        Path images = write("too-many", false, header(UBYTE_IMAGES, 100_000, 1000, 1000));
        assertFails(images, goodLabels(1), "too-many", "100000 images of 1000 x 1000 values are too many");
    }

    @Test
    void corruptGzipHeader() throws IOException {
        Path images = write("corrupt.gz", false, bytes(0x1f, 0x8b, 0, 0, 0, 0));
        assertFails(images, goodLabels(1), "corrupt.gz", "starts like gzip (1f 8b) but has a corrupt gzip header");
    }

    @Test
    void truncatedGzipStream() throws IOException {
        byte[] whole = Files.readAllBytes(write("whole.gz", true, header(UBYTE_IMAGES, 50, 28, 28),
                pseudoRandom(50 * 784)));
        Path images = write("cut.gz", false, Arrays.copyOf(whole, whole.length / 2));
        assertFails(images, goodLabels(50), "cut.gz", "corrupt or truncated gzip data after decompressed byte offset");
    }

    @Test
    void missingFileNamesIt() {
        Path images = dir.resolve("nowhere-images");
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(images, images));
        assertMentions(e, "nowhere-images", "no such file");
    }

    @Test
    void readDirListsExpectedImageFiles() {
        IOException e = assertThrows(IOException.class, () -> IdxReader.readDir(dir, "train"));
        assertMentions(e, dir.toString(), "no images file for split 'train'", "train-images-idx3-ubyte.gz",
                "train-images-idx3-float.gz");
    }

    @Test
    void readDirListsExpectedLabelFiles() throws IOException {
        write("train-images-idx3-float.gz", true, header(FLOAT_IMAGES, 1, 1, 1), floats(1f));
        IOException e = assertThrows(IOException.class, () -> IdxReader.readDir(dir, "train"));
        assertMentions(e, "no labels file for split 'train'", "train-labels-idx1-ubyte.gz, train-labels-idx1-ubyte");
    }

    @Test
    void readDirRejectsAmbiguousImageFiles() throws IOException {
        write("train-images-idx3-float.gz", true, header(FLOAT_IMAGES, 1, 1, 1), floats(1f));
        write("train-images-idx3-ubyte.gz", true, header(UBYTE_IMAGES, 1, 1, 1), bytes(1));
        IOException e = assertThrows(IOException.class, () -> IdxReader.readDir(dir, "train"));
        assertMentions(e, "several images files for split 'train'", "keep only one");
    }

    @Test
    void readDirOnMissingDirectory() {
        Path missing = dir.resolve("no-such-dir");
        IOException e = assertThrows(IOException.class, () -> IdxReader.readDir(missing, "train"));
        assertMentions(e, "no-such-dir", "no such directory");
    }

    // ---- helpers ----

    private void assertFails(Path images, Path labels, String fileName, String... problems) {
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> IdxReader.read(images, labels));
        assertMentions(e, fileName);
        assertMentions(e, problems);
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message should mention '" + part + "': " + e.getMessage());
        }
    }

    private Path goodImages(int count) throws IOException {
        return write("good-images", false, header(UBYTE_IMAGES, count, 1, 1), new byte[count]);
    }

    private Path goodLabels(int count) throws IOException {
        return write("good-labels", false, header(UBYTE_LABELS, count), new byte[count]);
    }

    private Path write(String name, boolean gzip, byte[]... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.write(part);
        }
        byte[] content = out.toByteArray();
        if (gzip) {
            ByteArrayOutputStream zipped = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(zipped)) {
                z.write(content);
            }
            content = zipped.toByteArray();
        }
        return Files.write(dir.resolve(name), content);
    }

    /** Magic number followed by one big-endian 32-bit size per dimension. */
    private static byte[] header(int magic, int... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length).putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.array();
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** Incompressible bytes, so that cutting the gzip file really cuts the deflate stream. */
    private static byte[] pseudoRandom(int n) {
        byte[] b = new byte[n];
        new java.util.Random(42).nextBytes(b);
        return b;
    }
}
