package org.sparknn.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Sends one task's epoch reports to the driver from a thread of its own, in epoch order, so the
 * task goes on with the next epoch while a report is encoded, sent and kept by the driver.
 * Partition 0's report carries the whole state; sending it in the task's own thread held the
 * other tasks at the next step's exchange for the encoding, a connection, the transfer and the
 * driver's checks (about 100 ms for a 1.87M-parameter model here). At most one report is in
 * flight: {@link #send} first waits for the one before, and rethrows its failure.
 */
final class ReportSender implements AutoCloseable {
    private final String rendezvous;
    private final byte[] secret;
    private final boolean encrypt;
    private final int partition;
    private final Runnable checkStopped;
    private final ExecutorService thread;
    private Future<?> inFlight;
    private int inFlightEpoch;

    /** {@code checkStopped} throws when Spark stopped the task, so a wait for the driver ends with it. */
    ReportSender(String rendezvous, byte[] secret, boolean encrypt, int partition, Runnable checkStopped) {
        this.rendezvous = rendezvous;
        this.secret = secret;
        this.encrypt = encrypt;
        this.partition = partition;
        this.checkStopped = checkStopped;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sparknn-report-" + partition);
            t.setDaemon(true);
            return t;
        });
    }

    /** Sends the report of {@code epoch} that {@code encode} makes (in the sender's thread), after the one before has arrived. */
    void send(int epoch, Supplier<byte[]> encode) {
        awaitInFlight();
        inFlightEpoch = epoch;
        inFlight = thread.submit(() -> {
            Rendezvous.sendReport(rendezvous, secret, encrypt, partition, encode.get());
            return null;
        });
    }

    /** Waits until every report sent has been kept by the driver; throws if one did not arrive. */
    void finish() {
        awaitInFlight();
    }

    private void awaitInFlight() {
        if (inFlight == null) {
            return;
        }
        try {
            while (true) {
                checkStopped.run();
                try {
                    inFlight.get(50, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException e) {
                    // check for a stop, then wait on
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new UncheckedIOException("partition " + partition + ": the report of epoch " + (inFlightEpoch + 1)
                    + " did not reach the driver: " + cause.getMessage(), cause instanceof IOException io ? io : new IOException(cause));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("partition " + partition + ": interrupted while sending the report of epoch "
                    + (inFlightEpoch + 1), e);
        } finally {
            inFlight = null;
        }
    }

    /**
     * Stops the sender. A report still in flight is abandoned (the task failed or was stopped: the
     * driver runs the job again from what it has).
     */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
