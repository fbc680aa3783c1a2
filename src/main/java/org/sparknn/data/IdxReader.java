package org.sparknn.data;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads image/label pairs in the IDX format (the classic MNIST layout), plain or gzipped.
 *
 * <p>An IDX file is a big-endian header - two zero bytes, a type code, the number of
 * dimensions, then one unsigned 32-bit size per dimension - followed by the values in
 * row-major order. Images must be 3-dimensional (count, rows, columns) of type unsigned byte
 * (0x08, scaled to [0,1] by dividing by 255) or float32 (0x0D, taken as is); labels must be
 * 1-dimensional unsigned bytes. Anything else is reported as a {@link MalformedDataException}
 * naming the file and the problem.
 */
public final class IdxReader {

    static final int UBYTE = 0x08;
    static final int FLOAT32 = 0x0D;
    // Largest safe Java array length.
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private IdxReader() {
    }

    /** Reads images and their labels; the two files must hold the same number of records. */
    public static Dataset read(Path images, Path labels) throws IOException {
        Dataset x = readImages(images);
        float[] y = readLabels(labels);
        if (y.length != x.size()) {
            throw new MalformedDataException(images, "holds " + x.size() + " images but " + labels
                    + " holds " + y.length + " labels; the two files must have the same count");
        }
        return new Dataset(images.toString(), x.size(), x.featureSize(), x.features(), y);
    }

    /**
     * Reads split {@code split} (e.g. "train", "test") from {@code dir}: the images file
     * {@code <split>-images-idx3-ubyte} or {@code <split>-images-idx3-float} and the labels file
     * {@code <split>-labels-idx1-ubyte}, each gzipped ({@code .gz}) or not.
     */
    public static Dataset readDir(Path dir, String split) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no such directory (relative paths are"
                    + " resolved against " + Path.of("").toAbsolutePath() + ")");
        }
        Path images = findOne(dir, split, "images",
                List.of(split + "-images-idx3-ubyte", split + "-images-idx3-float"));
        Path labels = findOne(dir, split, "labels", List.of(split + "-labels-idx1-ubyte"));
        return read(images, labels);
    }

    private static Path findOne(Path dir, String split, String what, List<String> stems)
            throws IOException {
        List<String> names = new ArrayList<>();
        for (String stem : stems) {
            names.add(stem + ".gz");
            names.add(stem);
        }
        List<Path> found = new ArrayList<>();
        for (String name : names) {
            if (Files.exists(dir.resolve(name))) {
                found.add(dir.resolve(name));
            }
        }
        if (found.isEmpty()) {
            throw new NoSuchFileException(dir.toString(), null, "no " + what + " file for split '"
                    + split + "', expected one of: " + String.join(", ", names));
        }
        if (found.size() > 1) {
            // Refuse to guess: two candidates usually means a stale file from an older export.
            throw new IOException(dir + ": several " + what + " files for split '" + split + "': "
                    + found + "; keep only one");
        }
        return found.get(0);
    }

    private static Dataset readImages(Path file) throws IOException {
        try (IdxInput in = IdxInput.open(file)) {
            int[] dims = imageHeader(in);
            int type = dims[3];
            int count = dims[0];
            long featureSize = (long) dims[1] * dims[2];
            int valueBytes = type == UBYTE ? 1 : 4;
            if (featureSize > MAX_ARRAY || count * featureSize > MAX_ARRAY) { // first test avoids overflow
                throw in.error("%d images of %d x %d values are too many to hold in one array",
                        count, dims[1], dims[2]);
            }
            // Arrays grow with the data actually read, so a corrupt header promising billions of
            // images gives a "truncated" error rather than an OutOfMemoryError.
            long total = count * featureSize;
            float[] features = new float[(int) Math.min(total, 1 << 20)];
            byte[] chunk = new byte[1 << 16];
            int filled = 0;
            while (filled < total) {
                int want = (int) Math.min(chunk.length, (total - filled) * valueBytes);
                int got = in.read(chunk, want);
                int values = got / valueBytes;
                if (filled + values > features.length) {
                    features = Arrays.copyOf(features, (int) Math.min(total, 2L * (filled + values)));
                }
                if (type == UBYTE) {
                    for (int k = 0; k < values; k++) {
                        features[filled + k] = (chunk[k] & 0xFF) / 255f;
                    }
                } else {
                    ByteBuffer.wrap(chunk, 0, values * 4).asFloatBuffer().get(features, filled, values);
                    for (int k = filled; k < filled + values; k++) {
                        if (!Float.isFinite(features[k])) {
                            throw in.error("image at index %d, pixel %d is %s; values must be finite",
                                    k / featureSize, k % featureSize, features[k]);
                        }
                    }
                }
                filled += values;
                if (got < want) {
                    long r = filled / featureSize;
                    long present = (filled - r * featureSize) * valueBytes + got % valueBytes;
                    throw in.error("truncated data: image at index %d (record %d of %d) has only %d of"
                            + " %d bytes; data ends at %s", r, r + 1, count, present,
                            featureSize * valueBytes, in.where());
                }
            }
            in.requireEnd(count, "images");
            return new Dataset(file.toString(), count, (int) featureSize, features, new float[count]);
        }
    }

    private static float[] readLabels(Path file) throws IOException {
        try (IdxInput in = IdxInput.open(file)) {
            int count = labelHeader(in);
            byte[] raw = new byte[Math.min(count, 1 << 16)];
            int got = in.read(raw, raw.length);
            while (got == raw.length && got < count) { // grow with the data, as for images
                raw = Arrays.copyOf(raw, (int) Math.min(count, 2L * raw.length));
                got += in.read(raw, got, raw.length - got);
            }
            if (got < count) {
                throw in.error("truncated data: label at index %d (record %d of %d) is missing; data"
                        + " ends at %s", got, got + 1, count, in.where());
            }
            in.requireEnd(count, "labels");
            float[] labels = new float[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xFF; // unsigned, so always a class index in 0..255
            }
            return labels;
        }
    }

    /** The images header: {count, rows, columns, type}. */
    private static int[] imageHeader(IdxInput in) throws IOException {
        int magic = readMagic(in, "0x00000803 (unsigned-byte images) or 0x00000D03 (float32 images)");
        int type = magic >> 8;
        if (type != UBYTE && type != FLOAT32) {
            throw in.error("unsupported type code 0x%02X (%s) for images, expected 0x08 (unsigned"
                    + " byte) or 0x0D (float32)", type, typeName(type));
        }
        int[] dims = readDims(in, magic & 0xFF, 3, "images x rows x columns", "a labels file");
        return new int[] {dims[0], dims[1], dims[2], type};
    }

    /** The labels header: the count. */
    private static int labelHeader(IdxInput in) throws IOException {
        int magic = readMagic(in, "0x00000801 (unsigned-byte labels)");
        int type = magic >> 8;
        if (type != UBYTE) {
            throw in.error("unsupported type code 0x%02X (%s) for labels, expected 0x08 (unsigned byte)",
                    type, typeName(type));
        }
        return readDims(in, magic & 0xFF, 1, "labels", "an images file")[0];
    }

    /**
     * A range of records of one IDX file (images or labels), for readers that each take a part of
     * it, as Spark executors do: the header is checked and the stream positioned at the range's
     * first record; values come out as {@link #readDir} gives them (unsigned bytes scaled to
     * [0,1] for images, as they are for labels; float32 must be finite).
     */
    public static final class Records implements Closeable {
        private final IdxInput in;
        private final int type;
        private final int count;
        private final int recordValues;
        private final String what;
        private long next;

        private Records(IdxInput in, int type, int count, int recordValues, String what, long first) throws IOException {
            this.in = in;
            this.type = type;
            this.count = count;
            this.recordValues = recordValues;
            this.what = what;
            if (first < 0 || first > count) {
                throw new IllegalArgumentException("first record " + first + " outside 0.." + count);
            }
            in.skip(first * recordValues * (type == UBYTE ? 1 : 4), what + " at index " + first);
            this.next = first;
        }

        /** Images from record {@code first} on; takes over {@code stream}. */
        public static Records images(InputStream stream, String file, long first) throws IOException {
            IdxInput in = IdxInput.open(stream, file);
            try {
                int[] h = imageHeader(in);
                long values = (long) h[1] * h[2];
                if (values > MAX_ARRAY) {
                    throw in.error("images of %d x %d values are too large to hold in one array", h[1], h[2]);
                }
                return new Records(in, h[3], h[0], (int) values, "image", first);
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        }

        /** Labels from record {@code first} on; takes over {@code stream}. */
        public static Records labels(InputStream stream, String file, long first) throws IOException {
            IdxInput in = IdxInput.open(stream, file);
            try {
                return new Records(in, UBYTE, labelHeader(in), 1, "label", first);
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        }

        /** Records in the file, from its header. */
        public int count() {
            return count;
        }

        /** Bytes per value: 1 for unsigned bytes, 4 for float32. */
        public int valueBytes() {
            return type == UBYTE ? 1 : 4;
        }

        /** Values per record (rows x columns of an image, 1 for a label). */
        public int recordValues() {
            return recordValues;
        }

        /** Reads the next {@code n} records into {@code out} from offset 0. */
        public void read(float[] out, int n) throws IOException {
            if (next + n > count) {
                throw new IllegalArgumentException("records " + next + ".." + (next + n - 1) + " outside the " + count + " of the file");
            }
            int valueBytes = type == UBYTE ? 1 : 4;
            byte[] record = new byte[recordValues * valueBytes];
            for (int r = 0; r < n; r++, next++) {
                int got = in.read(record, record.length);
                if (got < record.length) {
                    throw in.error("truncated data: %s at index %d (record %d of %d) has only %d of %d bytes; data ends at %s",
                            what, next, next + 1, count, got, record.length, in.where());
                }
                int at = r * recordValues;
                if (type == UBYTE) {
                    for (int k = 0; k < recordValues; k++) {
                        out[at + k] = what.equals("label") ? record[k] & 0xFF : (record[k] & 0xFF) / 255f;
                    }
                } else {
                    ByteBuffer.wrap(record).asFloatBuffer().get(out, at, recordValues);
                    for (int k = 0; k < recordValues; k++) {
                        if (!Float.isFinite(out[at + k])) {
                            throw in.error("%s at index %d, pixel %d is %s; values must be finite", what, next, k, out[at + k]);
                        }
                    }
                }
            }
        }

        /** After the last record: nothing may follow. */
        public void requireEnd() throws IOException {
            in.requireEnd(count, what + "s");
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Reads the 4-byte magic number: two zero bytes, the type code, the dimension count. */
    private static int readMagic(IdxInput in, String expected) throws IOException {
        byte[] magic = new byte[4];
        int got = in.read(magic, 4);
        if (got < 4) {
            throw in.error("truncated header: %d bytes of data, an IDX file starts with a 4-byte magic"
                    + " number, expected %s", got, expected);
        }
        int value = ByteBuffer.wrap(magic).getInt();
        if (magic[0] != 0 || magic[1] != 0) {
            throw in.error("bad magic number 0x%08X, expected %s (an IDX file starts with two zero bytes)",
                    value, expected);
        }
        return value;
    }

    private static int[] readDims(IdxInput in, int n, int expected, String meaning, String swappedHint)
            throws IOException {
        if (n != expected) {
            throw in.error("wrong number of dimensions: expected %d (%s) but the header says %d%s",
                    expected, meaning, n, n == 4 - expected ? " - is this " + swappedHint + "?" : "");
        }
        byte[] raw = new byte[4 * n];
        int got = in.read(raw, raw.length);
        if (got < raw.length) {
            throw in.error("truncated header: expected %d bytes of dimension sizes after the magic number,"
                    + " found %d", raw.length, got);
        }
        ByteBuffer buf = ByteBuffer.wrap(raw);
        int[] dims = new int[n];
        for (int i = 0; i < n; i++) {
            long size = Integer.toUnsignedLong(buf.getInt());
            if (size > Integer.MAX_VALUE) {
                throw in.error("dimension %d has size %d, larger than supported (%d)", i, size,
                        Integer.MAX_VALUE);
            }
            dims[i] = (int) size;
        }
        return dims;
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x08 -> "unsigned byte";
            case 0x09 -> "signed byte";
            case 0x0B -> "int16";
            case 0x0C -> "int32";
            case 0x0D -> "float32";
            case 0x0E -> "float64";
            default -> "not an IDX type";
        };
    }

    /** The decoded byte stream of one file, tracking the offset for error messages. */
    private static final class IdxInput implements Closeable {
        private final String file;
        private final InputStream in;
        private final boolean gzipped;
        private long offset;

        private IdxInput(String file, InputStream in, boolean gzipped) {
            this.file = file;
            this.in = in;
            this.gzipped = gzipped;
        }

        static IdxInput open(Path file) throws IOException {
            InputStream raw;
            try {
                raw = Files.newInputStream(file);
            } catch (NoSuchFileException e) {
                throw new NoSuchFileException(file.toString(), null, "no such file (relative paths are"
                        + " resolved against " + Path.of("").toAbsolutePath() + ")");
            }
            return open(raw, file.toString());
        }

        /** Takes over {@code stream} (closed on failure), decoding gzip when the data start like it. */
        static IdxInput open(InputStream stream, String file) throws IOException {
            InputStream raw = new BufferedInputStream(stream, 1 << 16);
            try {
                raw.mark(2);
                boolean gzipped = raw.read() == 0x1f && raw.read() == 0x8b;
                raw.reset();
                InputStream in = gzipped
                        ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
                return new IdxInput(file, in, gzipped);
            } catch (ZipException | EOFException e) {
                raw.close();
                throw new MalformedDataException(file, "starts like gzip (1f 8b) but has a corrupt gzip"
                        + " header: " + e.getMessage(), e);
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        }

        int read(byte[] buf, int n) throws IOException {
            return read(buf, 0, n);
        }

        /** Reads up to {@code n} bytes into {@code buf} at {@code off}; fewer only at the end. */
        int read(byte[] buf, int off, int n) throws IOException {
            try {
                int got = in.readNBytes(buf, off, n);
                offset += got;
                return got;
            } catch (ZipException | EOFException e) {
                throw corrupt(e);
            }
        }

        void requireEnd(int count, String what) throws IOException {
            long extra;
            try {
                extra = in.transferTo(OutputStream.nullOutputStream());
            } catch (ZipException | EOFException e) {
                throw corrupt(e);
            }
            if (extra > 0) {
                throw error("trailing data: %d extra bytes after the %d %s the header announces"
                        + " (data should end at %s)", extra, count, what, where());
            }
        }

        String where() {
            return (gzipped ? "decompressed byte offset " : "byte offset ") + offset;
        }

        /** Skips {@code n} decoded bytes (a seek on an uncompressed file). */
        void skip(long n, String what) throws IOException {
            try {
                in.skipNBytes(n);
                offset += n;
            } catch (EOFException e) {
                throw error("truncated data: %s lies beyond the end of the data", what);
            } catch (ZipException e) {
                throw corrupt(e);
            }
        }

        MalformedDataException error(String format, Object... args) {
            return new MalformedDataException(file, String.format(format, args));
        }

        private MalformedDataException corrupt(IOException e) {
            return new MalformedDataException(file, "corrupt or truncated gzip data after " + where()
                    + ": " + e.getMessage(), e);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
