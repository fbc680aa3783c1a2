package org.sparknn.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;

import java.util.List;

/**
 * A row check that failed while the input was read in one pass, which knows rows only by their
 * place in their partition. The driver turns it into the message with the row's position in the
 * whole input, counting the rows of the partitions before it (only on this error path).
 */
final class RowInPartition extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int partition;
    private final long row;

    /** @param message the check's message, naming the row by {@code row} (its index within the partition) */
    RowInPartition(int partition, long row, String message) {
        super(message);
        this.partition = partition;
        this.row = row;
    }

    /** The check's error with the row's position in the input, or {@code e} itself when it is not a failed check. */
    static RuntimeException placed(Exception e, JavaRDD<Row> input) {
        Throwable t = e;
        while (t != null && !(t instanceof RowInPartition)) {
            t = t.getCause() == t ? null : t.getCause();
        }
        if (!(t instanceof RowInPartition r)) {
            return Shards.<RuntimeException>sneaky(e);
        }
        int p = r.partition;
        long before = input.mapPartitionsWithIndex((q, it) -> {
            long n = 0;
            if (q < p) {
                for (; it.hasNext(); it.next()) {
                    n++;
                }
            }
            return List.of(n).iterator();
        }, false).collect().stream().mapToLong(Long::longValue).sum();
        // RowCheck names a row as "of row N " in every message
        return new IllegalArgumentException(r.getMessage().replace("of row " + r.row + " ", "of row " + (before + r.row) + " "));
    }
}
