package org.sparknn.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Per-epoch metrics as JSON lines on any Hadoop file system. Many stores cannot append, so the
 * whole (small) file is rewritten through a temporary file and a rename after each epoch.
 */
final class MetricsFile {
    private final Path path;
    private final Configuration conf;
    private final StringBuilder lines = new StringBuilder();

    MetricsFile(String path, Configuration conf) {
        this.path = new Path(path);
        this.conf = conf;
    }

    void append(String jsonLine) {
        lines.append(jsonLine).append('\n');
        try {
            FileSystem fs = path.getFileSystem(conf);
            Path tmp = new Path(path.getParent(), "." + path.getName() + ".tmp");
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                out.write(lines.toString().getBytes(StandardCharsets.UTF_8));
            }
            fs.delete(path, false);
            if (!fs.rename(tmp, path)) {
                throw new IOException("could not rename " + tmp + " to " + path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing metrics to " + path + ": " + e.getMessage(), e);
        }
    }
}
