package org.sparknn.spark;

import org.junit.jupiter.api.Test;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.MlpShape;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.optim.Optimizer;
import org.sparknn.train.Evaluation;
import org.sparknn.train.GlobalStep;
import org.sparknn.train.TrainConfig;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reports the tasks of a multi-epoch all-reduce job send the driver after every epoch: what
 * the driver keeps (only the job's own, whole epochs, in partition order) and what it refuses.
 */
class EpochReportTest {
    private static final String HOST = "127.0.0.1";
    private final Network net = Network.create(ModelSpec.mlp(6, new MlpShape(new int[] {5}, MlpShape.Activation.RELU, 0, true, 0.1),
            3, LossKind.SOFTMAX_CROSS_ENTROPY), 1);
    private final Optimizer adam = new GlobalStep(net, TrainConfig.defaults(), 10).updater().optimizer();
    private final int[] lengths = StateCopy.stateLengths(net, adam);
    private final Tasks.EpochSums sums = new Tasks.EpochSums(2.5, 0.25, 300, 270);

    private EpochReport report(int generation, int partition, int epoch, List<Evaluation> validation, byte[] state) {
        return new EpochReport(generation, partition, epoch, sums, 0.01, 11, 77, 22, 33, 44, 55, 66, validation, state);
    }

    private static Evaluation figure(long correct) {
        return new Evaluation(50, 12.5, correct, new long[][] {{correct, 1, 0}, {2, 0, 0}, {0, 0, 50 - correct - 3}});
    }

    /** The figures of a task's validation shards, one per shard. */
    private static List<Evaluation> figures(long... correct) {
        return java.util.Arrays.stream(correct).mapToObj(EpochReportTest::figure).toList();
    }

    @Test
    void reportsRoundTripAndAnEpochIsHandedOutOnlyWhenEveryPartitionSentIt() throws Exception {
        EpochReport.Collector collector = new EpochReport.Collector();
        // three validation shards on two partitions: partition 0 evaluates shards 0 and 2, partition 1 shard 1
        collector.expect(new EpochReport.Expected(7, 2, 1, 4, 3, 3, lengths));
        collector.accept(1, report(7, 1, 1, figures(30), new byte[0]).encode());
        assertNull(collector.poll(0), "partition 0 has not reported epoch 2");
        collector.accept(0, report(7, 0, 1, figures(40, 41), StateCopy.encodeState(net, adam)).encode());
        EpochReport[] epoch = collector.poll(0);
        assertEquals(0, epoch[0].partition());
        assertEquals(1, epoch[1].partition());
        assertEquals(sums, epoch[0].sums());
        assertEquals(55, epoch[1].validationNanos());
        assertEquals(66, epoch[1].epochNanos());
        assertEquals(11, epoch[1].computeNanos());
        assertEquals(77, epoch[1].computeSpreadMicros());
        assertEquals(22, epoch[1].exchangeNanos());
        assertEquals(List.of(40L, 41L), epoch[0].validation().stream().map(Evaluation::correct).toList());
        assertArrayEquals(new long[] {2, 0, 0}, epoch[1].validation().get(0).confusion()[1]);
        Network copy = Network.create(net.spec(), 2);
        StateCopy.decodeState(epoch[0].state(), 0, lengths, "state").loadInto(copy);
        assertArrayEquals(net.store().values(), copy.store().values(), 0f);
        assertArrayEquals(net.store().state(), copy.store().state(), 0f);
        assertThrows(IOException.class, () -> collector.accept(1, report(7, 1, 1, figures(30), new byte[0]).encode()),
                "a second report of the same epoch, even after the epoch was handed out, starts a new epoch only once");
        assertNull(collector.poll(0));
    }

    @Test
    void partitionZerosStateIsWrittenStraightIntoItsReportAndLoadedStraightIntoTheDriversModel() throws Exception {
        net.store().values()[3] = 0.75f;
        adam.state().get(1)[2] = 0.125f;
        adam.setSteps(17);
        List<float[]> snapshot = StateCopy.snapshot(net, adam);
        byte[] direct = report(7, 0, 1, null, new byte[0]).encodeWithState(adam.steps(), snapshot);
        assertArrayEquals(report(7, 0, 1, null, StateCopy.encodeState(net, adam)).encode(), direct,
                "the same bytes as the report carrying the encoded state");
        assertThrows(IllegalStateException.class, () -> report(7, 0, 1, null, StateCopy.encodeState(net, adam))
                .encodeWithState(adam.steps(), snapshot), "a report carries one state");

        EpochReport.Collector collector = new EpochReport.Collector();
        collector.expect(new EpochReport.Expected(7, 1, 1, 4, 0, 3, lengths));
        collector.accept(0, direct);
        EpochReport arrived = collector.poll(0)[0];
        Network driver = Network.create(net.spec(), 2);
        Optimizer driverAdam = new GlobalStep(driver, TrainConfig.defaults(), 10).updater().optimizer();
        StateCopy.loadState(arrived.state(), 0, driver, driverAdam, "the state");
        assertArrayEquals(net.store().values(), driver.store().values(), 0f);
        assertArrayEquals(net.store().state(), driver.store().state(), 0f);
        for (int i = 0; i < adam.state().size(); i++) {
            assertArrayEquals(adam.state().get(i), driverAdam.state().get(i), 0f);
        }
        assertEquals(17, driverAdam.steps());

        // damaged, or of another model: refused before anything is written
        Network untouched = Network.create(net.spec(), 3);
        Optimizer untouchedAdam = new GlobalStep(untouched, TrainConfig.defaults(), 10).updater().optimizer();
        float[] before = untouched.store().values().clone();
        byte[] damaged = arrived.state().clone();
        damaged[damaged.length - 20] ^= 8;
        assertTrue(assertThrows(IOException.class, () -> StateCopy.loadState(damaged, 0, untouched, untouchedAdam, "the state"))
                .getMessage().contains("checksum mismatch"));
        Network wider = Network.create(ModelSpec.mlp(6, new MlpShape(new int[] {7}, MlpShape.Activation.RELU, 0, true, 0.1),
                3, LossKind.SOFTMAX_CROSS_ENTROPY), 1);
        Optimizer widerAdam = new GlobalStep(wider, TrainConfig.defaults(), 10).updater().optimizer();
        float[] widerBefore = wider.store().values().clone();
        assertTrue(assertThrows(IOException.class, () -> StateCopy.loadState(arrived.state(), 0, wider, widerAdam, "the state"))
                .getMessage().contains("this run's model has"));
        assertArrayEquals(before, untouched.store().values(), 0f);
        assertArrayEquals(widerBefore, wider.store().values(), 0f);
        assertEquals(0, untouchedAdam.steps());
    }

    @Test
    void reportsThatDoNotFitTheJobAreRefused() {
        EpochReport.Collector collector = new EpochReport.Collector();
        assertThrows(IOException.class, () -> collector.accept(0, report(7, 0, 1, null, new byte[0]).encode()), "no job under way");
        collector.expect(new EpochReport.Expected(7, 2, 1, 4, 3, 3, lengths));
        byte[] state = StateCopy.encodeState(net, adam);
        String[] refused = {
            message(collector, 0, report(6, 0, 1, figures(1, 2), state)), // an earlier job's
            message(collector, 1, report(7, 0, 1, figures(1), state)), // partition 0's report on partition 1's connection
            message(collector, 0, report(7, 0, 0, figures(1, 2), state)), // an epoch before the job's
            message(collector, 0, report(7, 0, 4, figures(1, 2), state)), // an epoch after the job's
            message(collector, 1, report(7, 1, 1, figures(1), state)), // state from a partition other than 0
            message(collector, 0, report(7, 0, 1, figures(1, 2), new byte[0])), // partition 0 without the state
            message(collector, 0, report(7, 0, 1, null, state)), // no validation figures in a job that validates
            message(collector, 0, report(7, 0, 1, figures(1), state)), // one shard's figures where partition 0 has two
            message(collector, 0, report(7, 0, 1, List.of(figure(1), new Evaluation(1, 1, 1, new long[2][2])), state)), // another class count
        };
        for (String m : refused) {
            assertTrue(m != null && !m.isEmpty(), String.join("\n", refused));
        }
        byte[] truncated = java.util.Arrays.copyOf(report(7, 0, 1, figures(1, 2), state).encode(), 200);
        assertThrows(IOException.class, () -> collector.accept(0, truncated));
        assertThrows(IllegalArgumentException.class, () -> new EpochReport.Expected(1, 2, 0, 1, 1, 5000, lengths));
    }

    private static String message(EpochReport.Collector collector, int partition, EpochReport r) {
        try {
            collector.accept(partition, r.encode());
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    @Test
    void reportsTravelThroughTheRendezvousOnlyWithTheRunsSecret() throws Exception {
        for (boolean encrypt : new boolean[] {false, true}) {
            byte[] secret = Handshake.newSecret();
            EpochReport.Collector collector = new EpochReport.Collector();
            collector.expect(new EpochReport.Expected(3, 2, 0, 2, 0, 3, lengths));
            try (Rendezvous r = new Rendezvous(HOST, 2, secret, encrypt, new StateCopy.Latest(), collector)) {
                byte[] p1 = report(3, 1, 0, null, new byte[0]).encode();
                IOException stranger = assertThrows(IOException.class,
                        () -> Rendezvous.sendReport(r.address(), Handshake.newSecret(), encrypt, 3, 1, p1));
                assertTrue(stranger.getMessage().contains("did not complete the run-secret handshake"), stranger.getMessage());
                assertThrows(IOException.class, () -> Rendezvous.sendReport(r.address(), secret, encrypt, 3, 2, p1), "no partition 2");
                try (Socket s = PeerExchangeTest.open(r.address())) { // proves the secret, then announces 2^31-1 bytes
                    Handshake.connect(s, secret, "rendezvous", (1L << 62) | 1);
                    new DataOutputStream(s.getOutputStream()).writeInt(Integer.MAX_VALUE);
                    assertEquals(-1, s.getInputStream().read(), "the rendezvous closes the connection");
                }
                Rendezvous.sendReport(r.address(), secret, encrypt, 3, 1, p1);
                Rendezvous.sendReport(r.address(), secret, encrypt, 3, 0,
                        report(3, 0, 0, null, StateCopy.encodeState(net, adam)).encode());
                EpochReport[] epoch = collector.poll(5000);
                assertEquals(0, epoch[0].epoch());
                assertNull(epoch[1].validation());
            }
        }
    }

    @Test
    void oneConnectionPerTaskCarriesEveryEpochsReportAndEndsAtTheFirstRefusal() throws Exception {
        for (boolean encrypt : new boolean[] {false, true}) {
            byte[] secret = Handshake.newSecret();
            EpochReport.Collector collector = new EpochReport.Collector();
            collector.expect(new EpochReport.Expected(4, 2, 1, 4, 0, 3, lengths));
            try (Rendezvous r = new Rendezvous(HOST, 2, secret, encrypt, new StateCopy.Latest(), collector);
                 Rendezvous.ReportChannel zero = Rendezvous.ReportChannel.open(r.address(), secret, encrypt, 4, 0);
                 Rendezvous.ReportChannel one = Rendezvous.ReportChannel.open(r.address(), secret, encrypt, 4, 1)) {
                for (int epoch = 1; epoch < 4; epoch++) {
                    one.send(report(4, 1, epoch, null, new byte[0]).encode());
                    zero.send(report(4, 0, epoch, null, StateCopy.encodeState(net, adam)).encode());
                    EpochReport[] done = collector.poll(5000);
                    assertEquals(epoch, done[0].epoch());
                    assertEquals(epoch, done[1].epoch());
                }
                IOException refused = assertThrows(IOException.class, () -> one.send(report(3, 1, 3, null, new byte[0]).encode()));
                assertTrue(refused.getMessage().contains("did not keep the epoch report of partition 1"), refused.getMessage());
                assertThrows(IOException.class, () -> one.send(report(4, 1, 3, null, new byte[0]).encode()),
                        "the driver closed the connection of a task that sent what it could not keep");
                long deadline = System.nanoTime() + 5_000_000_000L; // the count follows the connection's close
                while (r.refused() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(1, r.refused());
            }
        }
    }

    @Test
    void theSenderEncodesAndSendsInItsOwnThreadFromTheSnapshotTakenAtTheEpochsEnd() throws Exception {
        byte[] secret = Handshake.newSecret();
        EpochReport.Collector collector = new EpochReport.Collector();
        collector.expect(new EpochReport.Expected(4, 1, 0, 3, 0, 3, lengths));
        try (Rendezvous r = new Rendezvous(HOST, 1, secret, false, new StateCopy.Latest(), collector);
             ReportSender sender = new ReportSender(r.address(), secret, false, 4, 0, () -> { })) {
            List<float[]> snapshot = StateCopy.snapshot(net, adam);
            float before = snapshot.get(0)[0];
            java.util.Set<String> encodedBy = java.util.concurrent.ConcurrentHashMap.newKeySet();
            for (int epoch = 0; epoch < 2; epoch++) {
                EpochReport report = report(4, 0, epoch, null, new byte[0]);
                sender.send(epoch, () -> {
                    encodedBy.add(Thread.currentThread().getName());
                    return report.encodeWithState(adam.steps(), snapshot);
                });
                net.store().values()[0] += 1; // training goes on: the snapshot keeps the state it copied
            }
            sender.finish();
            assertEquals(java.util.Set.of("sparknn-report-0"), encodedBy);
            for (int epoch = 0; epoch < 2; epoch++) {
                EpochReport[] done = collector.poll(0);
                assertEquals(epoch, done[0].epoch());
                Tasks.ModelPayload state = StateCopy.decodeState(done[0].state(), 0, lengths, "test");
                Network copy = Network.forWeights(net.spec());
                state.loadInto(copy);
                assertEquals(before, copy.store().values()[0], "the state as it was when the epoch ended");
            }
            sender.send(2, () -> report(5, 0, 2, null, new byte[0]).encode()); // a stale job's report: refused
            java.io.UncheckedIOException refused = assertThrows(java.io.UncheckedIOException.class, () -> {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (System.nanoTime() < deadline) {
                    sender.checkFailed(); // a step's check: throws once the refusal is known
                    Thread.sleep(5);
                }
            });
            assertTrue(refused.getMessage().startsWith("partition 0: the report of epoch 3 did not reach the driver"), refused.getMessage());
        }
    }

    /** Thrown by a task's stop check in these tests. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped");
        }
    }

    @Test
    void aSendWaitsForTheReportBeforeItAndAStoppedTaskStopsWaiting() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
        byte[] secret = Handshake.newSecret();
        try (Rendezvous r = new Rendezvous(HOST, 2, secret, false, new StateCopy.Latest(), new EpochReport.Collector());
             ReportSender sender = new ReportSender(r.address(), secret, false, 0, 1, () -> {
                 if (checks.incrementAndGet() >= 3) { // stopped only after the task has polled twice
                     throw new Stopped();
                 }
             })) {
            sender.send(0, () -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("not sent");
            });
            long t0 = System.nanoTime();
            assertThrows(Stopped.class, () -> sender.send(1, () -> new byte[0]), "the next send waits for the first");
            assertTrue(System.nanoTime() - t0 >= 80_000_000L, "it polled for the stop in slices while it waited");
            assertEquals(3, checks.get());
            release.countDown();
        }
    }

    @Test
    void closingLetsTheReportInFlightArriveEvenWhenTheTaskIsInterrupted() throws Exception {
        byte[] secret = Handshake.newSecret();
        EpochReport.Collector collector = new EpochReport.Collector();
        collector.expect(new EpochReport.Expected(6, 1, 0, 1, 0, 3, lengths));
        try (Rendezvous r = new Rendezvous(HOST, 1, secret, false, new StateCopy.Latest(), collector)) {
            ReportSender sender = new ReportSender(r.address(), secret, false, 4, 0, () -> { });
            sender.send(0, () -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    throw new IllegalStateException("the encoding was interrupted", e);
                }
                return report(6, 0, 0, null, StateCopy.encodeState(net, adam)).encode();
            });
            Thread.currentThread().interrupt(); // Spark stopping the task as it fails
            sender.close();
            assertTrue(Thread.interrupted(), "the interrupt is kept for the task");
            assertEquals(0, collector.poll(0)[0].epoch(), "the driver kept the report that was in flight");
        }
    }

    @Test
    void theDriverCanWaitUntilAFailedJobsTasksHaveClosedTheirReportConnections() throws Exception {
        byte[] secret = Handshake.newSecret();
        EpochReport.Collector collector = new EpochReport.Collector();
        collector.expect(new EpochReport.Expected(7, 2, 0, 2, 0, 3, lengths));
        try (Rendezvous r = new Rendezvous(HOST, 2, secret, false, new StateCopy.Latest(), collector)) {
            ReportSender zero = new ReportSender(r.address(), secret, false, 7, 0, () -> { });
            ReportSender one = new ReportSender(r.address(), secret, false, 7, 1, () -> { });
            try (ReportSender later = new ReportSender(r.address(), secret, false, 8, 0, () -> { })) {
                one.send(0, () -> report(7, 1, 0, null, new byte[0]).encode());
                one.finish();
                assertTrue(r.awaitReportsClosed(6, 0), "no connection of job 6 was ever open");
                assertFalse(r.awaitReportsClosed(7, 200), "job 7's tasks still hold theirs");
                zero.send(0, () -> {
                    try {
                        Thread.sleep(300); // still encoding as the task ends
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return report(7, 0, 0, null, StateCopy.encodeState(net, adam)).encode();
                });
                zero.close();
                one.close();
                assertTrue(r.awaitReportsClosed(7, 10_000));
                assertEquals(0, collector.pollNow()[0].epoch(), "the report in flight was kept before the connection closed");
                assertFalse(r.awaitReportsClosed(8, 0), "another job's connection is its own");
            }
        }
    }

    @Test
    void aReportCutShortOrAConnectionWithAMalformedIdIsRefusedAndKeepsNothing() throws Exception {
        byte[] secret = Handshake.newSecret();
        EpochReport.Collector collector = new EpochReport.Collector();
        collector.expect(new EpochReport.Expected(9, 2, 0, 1, 0, 3, lengths));
        try (Rendezvous r = new Rendezvous(HOST, 2, secret, false, new StateCopy.Latest(), collector)) {
            byte[] whole = report(9, 1, 0, null, new byte[0]).encode();
            try (Socket s = PeerExchangeTest.open(r.address())) { // a report of job 9, partition 1, cut short
                Handshake.connect(s, secret, "rendezvous", (1L << 62) | (9L << 16) | 1);
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(whole.length);
                out.write(whole, 0, whole.length / 2);
                out.flush();
            }
            try (Socket s = PeerExchangeTest.open(r.address())) { // bits above the job's field: refused at the handshake
                assertThrows(IOException.class, () -> Handshake.connect(s, secret, "rendezvous", (1L << 62) | (1L << 50) | 1));
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (r.refused() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(2, r.refused());
            assertNull(collector.pollNow());
            assertTrue(r.awaitReportsClosed(9, 5_000), "the cut connection no longer counts as open");
            Rendezvous.sendReport(r.address(), secret, false, 9, 1, whole); // the whole report still gets through
            Rendezvous.sendReport(r.address(), secret, false, 9, 0, report(9, 0, 0, null, StateCopy.encodeState(net, adam)).encode());
            assertEquals(0, collector.poll(5000)[1].epoch());
        }
    }
}
