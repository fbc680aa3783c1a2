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
 * flight: {@link #send} first waits for the one before, and rethrows its failure; {@link
 * #checkFailed}, called at every step, rethrows it as soon as it is known. When the task fails,
 * {@link #close} still lets the report in flight arrive, so the driver keeps the epoch it
 * completed and a rerun starts after it, as when reports were sent in the task's own thread.
 */
final class ReportSender implements AutoCloseable {
    private final String rendezvous;
    private final byte[] secret;
    private final boolean encrypt;
    private final int partition;
    /** How long a closing task waits for its report in flight at most (the rendezvous' own timeouts are 10 s per phase). */
    static final long CLOSE_WAIT_MILLIS = 30_000;
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

    /** Throws at once if the report in flight has failed (the task then stops instead of training an epoch for nothing). */
    void checkFailed() {
        if (inFlight != null && inFlight.isDone()) {
            awaitInFlight();
        }
    }

    /** Waits for the report in flight; a stop leaves it in flight, for {@link #close} to let it arrive. */
    private void awaitInFlight() {
        if (inFlight == null) {
            return;
        }
        while (true) {
            checkStopped.run();
            try {
                inFlight.get(50, TimeUnit.MILLISECONDS);
                inFlight = null;
                return;
            } catch (TimeoutException e) {
                // check for a stop, then wait on
            } catch (ExecutionException e) {
                inFlight = null;
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (!(cause instanceof IOException io)) {
                    throw new IllegalStateException("partition " + partition + ": the report of epoch " + (inFlightEpoch + 1)
                            + " could not be made: " + cause, cause);
                }
                throw new UncheckedIOException("partition " + partition + ": the report of epoch " + (inFlightEpoch + 1)
                        + " did not reach the driver: " + io.getMessage(), io);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("partition " + partition + ": interrupted while sending the report of epoch "
                        + (inFlightEpoch + 1), e);
            }
        }
    }

    /**
     * Lets a report still in flight arrive (or fail; its socket's timeouts bound the wait), even
     * when the task is being stopped, then ends the sender's thread.
     */
    @Override
    public void close() {
        Future<?> last = inFlight;
        inFlight = null;
        boolean interrupted = false;
        try {
            while (last != null) {
                try {
                    last.get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // Spark stopping the task: the report is seconds at most from done
                } catch (ExecutionException | TimeoutException e) {
                    break; // the failure is the task's to report, if it still can
                }
            }
        } finally {
            thread.shutdownNow();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
