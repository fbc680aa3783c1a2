package org.sparknn.train;

import org.junit.jupiter.api.Test;
import org.sparknn.config.Setting;
import org.sparknn.train.Choices.OptimizerKind;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {
    @Test
    void unknownKeyListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.defaults().with("lerningRate", "0.1"));
        assertTrue(e.getMessage().contains("lerningRate"));
        assertTrue(e.getMessage().contains("learningRate"));
    }

    @Test
    void outOfRangeValuesNameTheSettingAndTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.defaults().with("momentum", "1.5"));
        assertEquals("momentum must be in [0, 1), got 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.defaults().with("optimizer", "lbfgs"));
        assertTrue(e.getMessage().contains("[sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.defaults().with("epochs", "ten"));
        assertEquals("epochs must be an integer, got 'ten'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.defaults().with(TrainConfig.EPOCHS, 0));
        assertEquals("epochs must be >= 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.defaults().with(TrainConfig.LEARNING_RATE, Double.NaN));
        assertEquals("learningRate must be > 0, got NaN", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.defaults().with("regularizeBiases", "yes"));
        assertEquals("regularizeBiases must be true or false, got 'yes'", e.getMessage());
    }

    @Test
    void valuesParseFromTextNumbersAndEnumsAlike() {
        TrainConfig c = TrainConfig.defaults().with("optimizer", " NESTEROV ").with("learningRate", 1).with("seed", "9")
                .with("regularizeBiases", "true").with("l1", 0.5);
        assertEquals(OptimizerKind.NESTEROV, c.get(TrainConfig.OPTIMIZER));
        assertEquals(1.0, c.get(TrainConfig.LEARNING_RATE));
        assertEquals(9L, c.get(TrainConfig.SEED));
        assertEquals(true, c.get(TrainConfig.REGULARIZE_BIASES));
        assertEquals(c, TrainConfig.defaults().with(TrainConfig.OPTIMIZER, OptimizerKind.NESTEROV)
                .with(TrainConfig.LEARNING_RATE, 1.0).with(TrainConfig.SEED, 9L).with(TrainConfig.REGULARIZE_BIASES, true)
                .with(TrainConfig.L1, 0.5));
        // immutable: with() leaves the original as it was
        assertEquals(OptimizerKind.ADAM, TrainConfig.defaults().get(TrainConfig.OPTIMIZER));
    }

    @Test
    void plainMapRoundTripsEverySetting() {
        TrainConfig c = TrainConfig.defaults().with("l1", 0.5).with("optimizer", "nesterov").with("seed", 9)
                .with("regularizeBiases", true).with("checkpointDir", "/tmp/x");
        Map<String, Object> plain = c.toMap();
        assertEquals("nesterov", plain.get("optimizer"));
        assertEquals(c, TrainConfig.defaults().withAll(plain));
        assertNotEquals(TrainConfig.defaults(), c);
        List<String> names = TrainConfig.settings().stream().map(Setting::name).toList();
        assertEquals(names, List.copyOf(plain.keySet()));
        assertEquals(names.size(), new HashSet<>(names).size(), "setting names are unique");
    }

    @Test
    void everySettingIsDeclaredCompletely() {
        Set<String> names = new HashSet<>();
        for (Setting<?> s : TrainConfig.settings()) {
            assertTrue(names.add(s.name()), s.name());
            assertTrue(s.doc().length() > 10, s.name() + " has a doc");
            assertTrue(!s.range().isBlank(), s.name() + " has a range");
            assertEquals(s.defaultValue(), s.parse(s.format(s.defaultValue())), s.name() + " default round-trips through text");
        }
    }

    @Test
    void travelsToExecutorsAsOneSerializableValue() throws Exception {
        TrainConfig c = TrainConfig.defaults().with("optimizer", "rmsprop").with("l2", 1e-3).with("workers", 3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(c);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            TrainConfig back = (TrainConfig) in.readObject();
            assertEquals(c, back);
            assertEquals(OptimizerKind.RMSPROP, back.get(TrainConfig.OPTIMIZER));
        }
    }
}
