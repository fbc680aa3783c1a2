package org.sparknn.cli;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * An output location that appears only when complete: everything is written under a temporary
 * sibling, then renamed into place. An existing output is an error unless overwriting was asked
 * for; then the old one is replaced only after the new one is complete. Works on any Hadoop file
 * system (rename is atomic on HDFS and local disks).
 */
final class OutputDir implements AutoCloseable {
    private final FileSystem fs;
    private final Path target;
    private final Path tmp;
    private final boolean overwrite;
    private boolean published;

    private OutputDir(FileSystem fs, Path target, boolean overwrite) {
        this.fs = fs;
        this.target = target;
        this.overwrite = overwrite;
        this.tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
    }

    /** Fails early, before any work, if the output exists and overwriting was not asked for. */
    static OutputDir prepare(String location, boolean overwrite, Configuration conf) throws IOException {
        Path target = new Path(location);
        FileSystem fs = target.getFileSystem(conf);
        fs.setWriteChecksum(false); // no .crc sidecars beside the outputs on local disks
        target = fs.makeQualified(target);
        if (fs.exists(target) && !overwrite) {
            throw new IllegalArgumentException("output " + target + " exists; pass --overwrite to replace it");
        }
        if (target.getParent() != null) {
            fs.mkdirs(target.getParent());
        }
        return new OutputDir(fs, target, overwrite);
    }

    /** The temporary location (a directory or a file) to write the output into. */
    Path tmp() {
        return tmp;
    }

    String tmpUri() {
        return tmp.toString();
    }

    Path target() {
        return target;
    }

    void writeString(String name, String text) throws IOException {
        writeBytes(name, text.getBytes(StandardCharsets.UTF_8));
    }

    void writeBytes(String name, byte[] bytes) throws IOException {
        try (FSDataOutputStream out = fs.create(new Path(tmp, name), true)) {
            out.write(bytes);
        }
    }

    /** Moves the finished output into place. */
    void publish() throws IOException {
        Path old = null;
        if (fs.exists(target)) {
            if (!overwrite) {
                throw new IllegalArgumentException("output " + target + " appeared while the job ran; not replacing it");
            }
            old = new Path(target.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
            if (!fs.rename(target, old)) {
                throw new IOException("could not move the previous " + target + " aside");
            }
        }
        if (!fs.rename(tmp, target)) {
            if (old != null && !fs.rename(old, target)) {
                throw new IOException("could not rename " + tmp + " to " + target + ", and the previous output stays at " + old);
            }
            throw new IOException("could not rename " + tmp + " to " + target);
        }
        published = true;
        if (old != null) {
            fs.delete(old, true);
        }
    }

    /** Removes the temporary output of a job that did not finish. */
    @Override
    public void close() throws IOException {
        if (!published && fs.exists(tmp)) {
            fs.delete(tmp, true);
        }
    }
}
