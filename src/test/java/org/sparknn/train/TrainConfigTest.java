package org.sparknn.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {
    @Test
    void unknownKeyListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainConfig().set("lerningRate", "0.1"));
        assertTrue(e.getMessage().contains("lerningRate"));
        assertTrue(e.getMessage().contains("learningRate"));
    }

    @Test
    void outOfRangeValuesNameTheSettingAndTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainConfig().set("momentum", "1.5"));
        assertEquals("momentum must be in [0, 1), got 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TrainConfig().set("optimizer", "lbfgs"));
        assertTrue(e.getMessage().contains("[sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw]"));
        e = assertThrows(IllegalArgumentException.class, () -> new TrainConfig().set("epochs", "ten"));
        assertEquals("epochs must be an integer, got 'ten'", e.getMessage());
    }

    @Test
    void copyKeepsEverySetting() {
        TrainConfig c = new TrainConfig().l1(0.5).optimizer("nesterov").seed(9).regularizeBiases(true);
        assertEquals(c.toMap(), c.copy().toMap());
        assertEquals(TrainConfig.descriptions().keySet(), c.toMap().keySet());
    }
}
