package org.sparknn.train;

import org.junit.jupiter.api.Test;
import org.sparknn.data.Dataset;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Image augmentation: hand-checked transforms, the draws' statistics and determinism, and what is refused. */
class AugmentationTest {
    /** A 1 x 3 x 4 image with distinct pixels. */
    private static final float[] IMAGE = {
            1, 2, 3, 4,
            5, 6, 7, 8,
            9, 10, 11, 12};

    private static float[] transformed(Augmentation a, float[] image, Augmentation.Draw d) {
        float[] x = image.clone();
        a.transform(x, 0, d);
        return x;
    }

    @Test
    void flipMirrorsEachRow() {
        Augmentation a = new Augmentation(true, 0, 1, 3, 4);
        assertArrayEquals(new float[] {
                4, 3, 2, 1,
                8, 7, 6, 5,
                12, 11, 10, 9}, transformed(a, IMAGE, new Augmentation.Draw(true, 0, 0)), 0f);
    }

    @Test
    void shiftMovesTheImageAndFillsZeros() {
        Augmentation a = new Augmentation(false, 2, 1, 3, 4);
        // one row down, one column left
        assertArrayEquals(new float[] {
                0, 0, 0, 0,
                2, 3, 4, 0,
                6, 7, 8, 0}, transformed(a, IMAGE, new Augmentation.Draw(false, 1, -1)), 0f);
        // two rows up, two columns right
        assertArrayEquals(new float[] {
                0, 0, 9, 10,
                0, 0, 0, 0,
                0, 0, 0, 0}, transformed(a, IMAGE, new Augmentation.Draw(false, -2, 2)), 0f);
        assertArrayEquals(IMAGE, transformed(a, IMAGE, new Augmentation.Draw(false, 0, 0)), 0f);
    }

    @Test
    void flipThenShift() {
        Augmentation a = new Augmentation(true, 2, 1, 3, 4);
        // mirrored, then one row up and two columns right
        assertArrayEquals(new float[] {
                0, 0, 8, 7,
                0, 0, 12, 11,
                0, 0, 0, 0}, transformed(a, IMAGE, new Augmentation.Draw(true, -1, 2)), 0f);
    }

    @Test
    void allChannelsOfAnImageMoveTogetherAndOtherRowsStayAsTheyAre() {
        Augmentation a = new Augmentation(true, 1, 2, 2, 2);
        float[] x = {
                -1, -2, -3, -4, -5, -6, -7, -8,  // row 0: untouched
                1, 2, 3, 4,  // row 1, channel 0
                5, 6, 7, 8}; // row 1, channel 1
        a.transform(x, 8, new Augmentation.Draw(true, 0, 1));
        assertArrayEquals(new float[] {
                -1, -2, -3, -4, -5, -6, -7, -8,
                0, 2, 0, 4,
                0, 6, 0, 8}, x, 0f);
    }

    @Test
    void applyTransformsEachRowByItsOwnDraw() {
        Augmentation a = new Augmentation(true, 2, 1, 3, 4);
        long[] ids = {40, 41, 42, 43, 44, 45};
        float[] x = new float[ids.length * IMAGE.length];
        for (int r = 0; r < ids.length; r++) {
            System.arraycopy(IMAGE, 0, x, r * IMAGE.length, IMAGE.length);
        }
        a.apply(x, ids, ids.length, 3, 9);
        for (int r = 0; r < ids.length; r++) {
            float[] row = java.util.Arrays.copyOfRange(x, r * IMAGE.length, (r + 1) * IMAGE.length);
            assertArrayEquals(transformed(a, IMAGE, a.draw(3, 9, ids[r])), row, 0f, "row " + r);
        }
    }

    @Test
    void flipsAboutHalfTheImagesAndShiftsUniformly() {
        int s = 3;
        int n = 21_000;
        Augmentation a = new Augmentation(true, s, 1, 28, 28);
        int flips = 0;
        int same = 0;
        int[] dy = new int[2 * s + 1];
        int[] dx = new int[2 * s + 1];
        for (long id = 0; id < n; id++) {
            Augmentation.Draw d = a.draw(7, 11, id);
            flips += d.flip() ? 1 : 0;
            dy[d.dy() + s]++;
            dx[d.dx() + s]++;
            same += d.dy() == d.dx() ? 1 : 0;
        }
        assertEquals(0.5, flips / (double) n, 0.015, "flip frequency");
        for (int v = 0; v <= 2 * s; v++) { // every value in [-s, s], each about n / (2s + 1) times
            assertEquals(1.0 / (2 * s + 1), dy[v] / (double) n, 0.015, "dy = " + (v - s));
            assertEquals(1.0 / (2 * s + 1), dx[v] / (double) n, 0.015, "dx = " + (v - s));
        }
        assertEquals(1.0 / (2 * s + 1), same / (double) n, 0.015, "dy and dx drawn independently");
        // one sample over many steps: a new draw every step
        int flipsOverSteps = 0;
        for (long step = 0; step < 4000; step++) {
            flipsOverSteps += a.draw(7, step, 5).flip() ? 1 : 0;
        }
        assertEquals(0.5, flipsOverSteps / 4000.0, 0.03, "flip frequency of one sample over steps");
    }

    @Test
    void drawsArePureFunctionsOfSeedStepAndSampleId() {
        Augmentation a = new Augmentation(true, 4, 1, 28, 28);
        Augmentation b = new Augmentation(true, 4, 1, 28, 28);
        int differentSeed = 0;
        for (long id = 0; id < 200; id++) {
            assertEquals(a.draw(1, 2, id), b.draw(1, 2, id));
            differentSeed += a.draw(1, 2, id).equals(a.draw(2, 2, id)) ? 0 : 1;
        }
        assertTrue(differentSeed > 150, "another seed gives other draws: " + differentSeed);
        // the shift does not depend on whether flipping is on, so the two settings are independent
        Augmentation shiftOnly = new Augmentation(false, 4, 1, 28, 28);
        for (long id = 0; id < 200; id++) {
            Augmentation.Draw d = a.draw(1, 2, id);
            assertEquals(new Augmentation.Draw(false, d.dy(), d.dx()), shiftOnly.draw(1, 2, id));
        }
    }

    private static final ModelSpec DENSE = new ModelSpec(784, List.of(new LayerSpec.Dense(10), new LayerSpec.Softmax()),
            LossKind.SOFTMAX_CROSS_ENTROPY);
    private static final ModelSpec IMAGE_MODEL = new ModelSpec(new int[] {1, 3, 4}, List.of(new LayerSpec.Flatten(),
            new LayerSpec.Dense(2), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);

    @Test
    void defaultsAreNoAugmentation() {
        assertSame(Augmentation.NONE, Augmentation.of(TrainConfig.defaults(), DENSE, true));
        assertFalse(Augmentation.NONE.active());
        assertTrue(Augmentation.of(TrainConfig.defaults().with("augmentShift", 2), IMAGE_MODEL, false).active());
    }

    @Test
    void augmentationOfANonImageModelIsRefused() {
        TrainConfig flip = TrainConfig.defaults().with("augmentFlip", true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Augmentation.of(flip, DENSE, false));
        assertTrue(e.getMessage().startsWith("augmentFlip=true augments images"), e.getMessage());
        assertTrue(e.getMessage().contains("inputShape is [784]") && e.getMessage().contains("[C, H, W]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Augmentation.of(TrainConfig.defaults().with("augmentShift", 1), DENSE, false));
        assertTrue(e.getMessage().startsWith("augmentShift=1 augments images"), e.getMessage());
        // the single-JVM trainer refuses it before training
        Dataset data = new Dataset("rows", 2, 784, new float[2 * 784], new float[] {0, 1});
        e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceTrainer.fit(Network.create(DENSE, 1), data, null, flip, TrainingListener.silent()));
        assertTrue(e.getMessage().contains("augmentFlip"), e.getMessage());
    }

    @Test
    void sparseDataAndOversizedShiftsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Augmentation.of(TrainConfig.defaults().with("augmentFlip", true), IMAGE_MODEL, true));
        assertTrue(e.getMessage().contains("augmentFlip=true") && e.getMessage().contains("sparse"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Augmentation.of(TrainConfig.defaults().with("augmentShift", 3), IMAGE_MODEL, false));
        assertEquals("augmentShift=3 would move an image of inputShape [1, 3, 4] out of its frame; valid here: 0..2",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.defaults().with("augmentShift", 9));
        assertEquals("augmentShift must be in [0, 8], got 9", e.getMessage());
    }
}
