package org.sparknn.experiments;

import org.junit.jupiter.api.Test;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Verdicts follow the numbers they are given (no Spark), and the model variants are what the experiments say. */
class VerdictTest {
    private static Stats[] stats(double sd, double... means) {
        Stats[] s = new Stats[means.length];
        for (int i = 0; i < means.length; i++) {
            s[i] = new Stats(means[i], sd, 2);
        }
        return s;
    }

    private static final double[] RATES = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};

    @Test
    void dropoutSweepVerdictConfirmsOrRefutesFromTheNumbers() {
        // as the notes say: low rates overfit (large gap), high rates underfit (high train and test error), flat middle
        String holds = DropoutRateExperiment.verdict(RATES, stats(0.002, 0.00, 0.01, 0.03, 0.04, 0.05, 0.06, 0.07, 0.15, 0.25),
                stats(0.002, 0.14, 0.13, 0.10, 0.10, 0.10, 0.10, 0.10, 0.18, 0.27), stats(0.002, 0.14, 0.12, 0.07, 0.06, 0.05, 0.04, 0.03, 0.03, 0.02), 2);
        assertTrue(holds.contains("underfit, as the notes say"), holds);
        assertTrue(holds.contains("overfitting returns, as the notes say"), holds);
        assertTrue(holds.contains("flat within the seed noise"), holds);
        // against the notes: no dropout is best, high rates do not underfit, the middle is not flat
        String fails = DropoutRateExperiment.verdict(RATES, stats(0.002, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05),
                stats(0.002, 0.09, 0.09, 0.11, 0.12, 0.13, 0.14, 0.15, 0.10, 0.10), stats(0.002, 0.04, 0.04, 0.06, 0.07, 0.08, 0.09, 0.10, 0.05, 0.05), 2);
        assertTrue(fails.contains("contradicts the notes"), fails);
        assertTrue(fails.contains("does not hold"), fails);
        assertTrue(fails.contains("not flat"), fails);
        assertFalse(fails.contains("as the notes say"), fails);
    }

    @Test
    void monteCarloVerdictNamesTheFirstMatchingK() {
        int[] ks = {1, 2, 5, 10, 20, 50, 100};
        String v = McDropoutExperiment.verdict(ks, stats(0.002, 0.20, 0.16, 0.14, 0.13, 0.125, 0.121, 0.12),
                new Stats(0.12, 0.002, 2), 2);
        assertTrue(v.contains("k = 50"), v);
        assertTrue(v.contains("as in the paper, about 50 samples"), v);
        String never = McDropoutExperiment.verdict(ks, stats(0.002, 0.30, 0.29, 0.28, 0.27, 0.26, 0.25, 0.24),
                new Stats(0.12, 0.002, 2), 2);
        assertTrue(never.contains("No k up to 100"), never);
    }

    @Test
    void statsCompareByTheSumOfTheSpreads() {
        Stats a = Stats.of(0.10, 0.12);
        Stats b = Stats.of(0.20, 0.22);
        assertEquals(0.11, a.mean(), 1e-12);
        assertEquals(Math.sqrt(0.0002), a.sd(), 1e-12);
        assertTrue(b.clearlyAbove(a));
        assertTrue(a.clearlyBelow(b));
        assertTrue(a.within(Stats.of(0.11, 0.13)));
    }

    @Test
    void modelVariants() {
        ModelSpec spec = new ModelSpec(784, List.of(new LayerSpec.Dropout(0.2), new LayerSpec.Dense(32, "auto"), new LayerSpec.Relu(),
                new LayerSpec.Dropout(0.5), new LayerSpec.Dense(32, "auto"), new LayerSpec.Relu(), new LayerSpec.Dense(10, "auto"),
                new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
        List<LayerSpec> swept = Models.hiddenDropout(spec, 0.3).layers();
        assertEquals(List.of(new LayerSpec.Dropout(0.2), new LayerSpec.Dense(32, "auto"), new LayerSpec.Relu(), new LayerSpec.Dropout(0.3),
                new LayerSpec.Dense(32, "auto"), new LayerSpec.Relu(), new LayerSpec.Dropout(0.3), new LayerSpec.Dense(10, "auto"),
                new LayerSpec.Softmax()), swept);
        assertEquals(7, Models.hiddenDropout(spec, 0).layers().size()); // the input dropout stays
        assertTrue(Models.withoutDropout(spec).layers().stream().noneMatch(l -> l instanceof LayerSpec.Dropout));
        List<LayerSpec> bn = Models.withBatchNorm(Models.withoutDropout(spec)).layers();
        assertEquals(List.of(LayerSpec.Dense.class, LayerSpec.BatchNorm.class, LayerSpec.Relu.class, LayerSpec.Dense.class,
                LayerSpec.BatchNorm.class, LayerSpec.Relu.class, LayerSpec.Dense.class, LayerSpec.Softmax.class),
                bn.stream().map(Object::getClass).toList());
        assertEquals(5, Models.lastHiddenActivation(Models.withBatchNorm(Models.withoutDropout(spec))));
    }
}
