package org.sparknn.nn;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSpecTest {
    @Test
    void jsonRoundTrip() {
        ModelSpec spec = new ModelSpec(784, List.of(new LayerSpec.Flatten(), new LayerSpec.Dense(64, "he"),
                new LayerSpec.BatchNorm(1e-3, 0.05), new LayerSpec.LeakyRelu(0.01), new LayerSpec.Dropout(0.5),
                new LayerSpec.Dense(32), new LayerSpec.Tanh(), new LayerSpec.Dense(16), new LayerSpec.Sigmoid(),
                new LayerSpec.Dense(10), new LayerSpec.Relu(), new LayerSpec.Dense(10), new LayerSpec.Softmax()),
                LossKind.SOFTMAX_CROSS_ENTROPY);
        ModelSpec back = ModelSpec.fromJson(spec.toJson());
        assertEquals(spec, back);
        assertEquals(spec.toJson(), back.toJson());
    }

    @Test
    void defaultsAndCaseInsensitiveLoss() {
        ModelSpec s = ModelSpec.fromJson("{\"inputShape\":[4],\"layers\":[{\"type\":\"batch_norm\"},{\"type\":\"dense\",\"units\":2}],\"loss\":\"mse\"}");
        assertEquals(new LayerSpec.BatchNorm(1e-5, 0.1), s.layers().get(0));
        assertEquals(new LayerSpec.Dense(2, "auto"), s.layers().get(1));
    }

    @Test
    void invalidSpecsFailWithTheFieldAndRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.fromJson("{\"inputShape\":[4],\"layers\":[{\"type\":\"dropout\",\"rate\":1.2}],\"loss\":\"mse\"}"));
        assertTrue(e.getMessage().contains("dropout.rate (drop probability) must be in [0, 1), got 1.2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.fromJson("{\"inputShape\":[4],\"layers\":[{\"type\":\"dense\",\"units\":2,\"unit\":3}],\"loss\":\"mse\"}"));
        assertTrue(e.getMessage().contains("unit"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ModelSpec(4, List.of(new LayerSpec.Dense(2)), LossKind.SOFTMAX_CROSS_ENTROPY));
        assertTrue(e.getMessage().contains("needs a softmax as the last layer"), e.getMessage());
    }
}
