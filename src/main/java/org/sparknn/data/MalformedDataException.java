package org.sparknn.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file exists and is readable but its content is not what the reader expects.
 * The message starts with the file at fault, followed by the line for text formats.
 *
 * <p>Not called {@code DataFormatException} so it cannot be mixed up with
 * {@code java.util.zip.DataFormatException}, which lives next to the gzip classes used here.
 */
public class MalformedDataException extends IOException {

    private static final long serialVersionUID = 1L;

    public MalformedDataException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /** For a file named by a string (a Hadoop path, say). */
    public MalformedDataException(String file, String problem) {
        super(file + ": " + problem);
    }

    public MalformedDataException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }

    public MalformedDataException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
