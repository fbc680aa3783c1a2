package org.sparknn.spark;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Figures of all-reduce steps computed from what the tasks report. */
class StepTimingsTest {
    private static long[] millisAsNanos(long... ms) {
        long[] n = new long[ms.length];
        for (int i = 0; i < ms.length; i++) {
            n[i] = ms[i] * 1_000_000L;
        }
        return n;
    }

    @Test
    void aTasksSpreadIsItsInterquartileRangeOver1349AndIgnoresTheOddSlowStep() {
        // 1..8 ms: quartiles at the 3rd and 7th values, 3 and 7 ms
        assertEquals(Math.round(4000 / 1.349), Worker.spreadMicros(millisAsNanos(5, 1, 8, 2, 7, 3, 6, 4), 8));
        assertEquals(Math.round(4000 / 1.349), Worker.spreadMicros(millisAsNanos(5, 1, 800, 2, 7, 3, 6, 4), 8));
        assertEquals(0, Worker.spreadMicros(millisAsNanos(5, 1, 800, 2, 7), 3), "too few steps for a spread");
        assertEquals(0, Worker.spreadMicros(millisAsNanos(2, 2, 2, 2, 2), 5));
    }

    @Test
    void theRunsSpreadIsTheMeanOverTasksAndEpochs() {
        StepTimings a = new StepTimings();
        a.taskComputeSpreadMicros = 300 + 500;
        a.taskEpochs = 2;
        StepTimings b = new StepTimings();
        b.taskComputeSpreadMicros = 400;
        b.taskEpochs = 1;
        assertEquals(0.4, StepTimings.sum(List.of(a, b)).taskComputeSpreadMs(), 1e-12);
        assertEquals(0, new StepTimings().taskComputeSpreadMs());
    }
}
