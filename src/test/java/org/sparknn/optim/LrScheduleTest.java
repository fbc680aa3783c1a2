package org.sparknn.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LrScheduleTest {
    @Test
    void schedules() {
        assertEquals(0.1, LrSchedule.constant(0.1).at(1000), 0);

        LrSchedule step = LrSchedule.stepDecay(0.1, 10, 0.5);
        assertEquals(0.1, step.at(9), 1e-12);
        assertEquals(0.05, step.at(10), 1e-12);
        assertEquals(0.025, step.at(25), 1e-12);

        LrSchedule exp = LrSchedule.exponential(0.1, 0.5, 4);
        assertEquals(0.05, exp.at(4), 1e-12);
        assertEquals(0.1 * Math.pow(0.5, 0.5), exp.at(2), 1e-12);

        LrSchedule cos = LrSchedule.cosine(0.1, 0.01, 100);
        assertEquals(0.1, cos.at(0), 1e-12);
        assertEquals(0.055, cos.at(50), 1e-12);
        assertEquals(0.01, cos.at(100), 1e-12);
        assertEquals(0.01, cos.at(150), 1e-12);

        LrSchedule warm = LrSchedule.warmup(4, LrSchedule.constant(0.2));
        assertEquals(0.05, warm.at(0), 1e-12);
        assertEquals(0.15, warm.at(2), 1e-12);
        assertEquals(0.2, warm.at(4), 1e-12);

        // the schedule after warm-up starts from its own step 0
        LrSchedule warmStep = LrSchedule.warmup(4, LrSchedule.stepDecay(0.2, 10, 0.5));
        assertEquals(0.1, warmStep.at(1), 1e-12);
        assertEquals(0.2, warmStep.at(13), 1e-12);
        assertEquals(0.1, warmStep.at(14), 1e-12);
    }
}
