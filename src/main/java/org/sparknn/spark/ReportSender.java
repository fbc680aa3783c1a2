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
 * Sends one task's epoch reports to the driver from a thread of its own, in epoch order, on one
 * {@link Rendezvous.ReportChannel}, so the task goes on with the next epoch while a report is
 * encoded, sent and kept by the driver. Partition 0's report carries the whole state; sending it
 * in the task's own thread held the other tasks at the next step's exchange for the encoding,
 * the transfer and the driver's checks. At most one report is in flight: {@link #send} first
 * waits for the one before and rethrows its failure; {@link #checkFailed}, called at every step,
 * rethrows it as soon as it is known. When the task fails, {@link #close} still lets the report
 * in flight arrive before it closes the channel; the driver, for its part, waits for a failed
 * job's channels to close before it decides where the rerun starts
 * ({@link Rendezvous#awaitReportsClosed}), so an epoch the tasks completed is not run again.
 */
final class ReportSender implements AutoCloseable {
    /** How long a closing task waits for its report in flight at most (the driver's read timeout is 10 s per message). */
    static final long CLOSE_WAIT_MILLIS = 30_000;
    private final int partition;
    private final Runnable checkStopped;
    private final ExecutorService thread;
    /** Opened by the sender's thread, first of all its work; null until then, or when opening failed. */
    private volatile Rendezvous.ReportChannel channel;
    private Future<?> opened;
    private Future<?> inFlight;
    private int inFlightEpoch;

    /**
     * Starts opening the channel of {@code partition}, a task of job {@code generation}, in the
     * sender's thread. {@code checkStopped} throws when Spark stopped the task, so a wait for the
     * driver ends with it.
     */
    ReportSender(String rendezvous, byte[] secret, boolean encrypt, int generation, int partition, Runnable checkStopped) {
        this.partition = partition;
        this.checkStopped = checkStopped;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sparknn-report-" + partition);
            t.setDaemon(true);
            return t;
        });
        this.opened = thread.submit(() -> {
            channel = Rendezvous.ReportChannel.open(rendezvous, secret, encrypt, generation, partition);
            return null;
        });
    }

    /** Sends the report of {@code epoch} that {@code encode} makes (in the sender's thread), after the one before has arrived. */
    void send(int epoch, Supplier<byte[]> encode) {
        awaitInFlight();
        Future<?> open = opened;
        inFlightEpoch = epoch;
        inFlight = thread.submit(() -> {
            try {
                open.get(); // its failure is this report's
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
            channel.send(encode.get());
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
     * Lets a report still in flight arrive (or fail; the driver's read timeout bounds the wait),
     * even when the task is being stopped, then closes the channel and ends the sender's thread.
     */
    @Override
    public void close() {
        Future<?> last = inFlight != null ? inFlight : opened;
        inFlight = null;
        boolean interrupted = false;
        try {
            long deadline = System.nanoTime() + CLOSE_WAIT_MILLIS * 1_000_000L;
            while (true) {
                try {
                    last.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // Spark stopping the task: the report is seconds at most from done
                } catch (ExecutionException | TimeoutException e) {
                    break; // the failure is the task's to report, if it still can
                }
            }
        } finally {
            thread.shutdownNow();
            Rendezvous.ReportChannel c = channel;
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // the driver sees the connection end either way
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
