package org.sparknn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparknn.nn.BatchResult;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;
import org.sparknn.train.Augmentation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bundled conf/*.conf loads, builds its network and runs a training step on a few random rows. */
class ModelZooTest {
    private static final int ROWS = 3;
    private static final Pattern PARAMETERS = Pattern.compile("([\\d,]+) parameters\\.");

    static Stream<Path> confs() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("conf"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".conf")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("confs")
    void everyConfBuildsItsNetworkAndRunsAStep(Path file) throws IOException {
        JobConfig job = JobConfig.load(file, List.of());
        ModelSpec spec = ModelSpec.fromJson(job.model().toJson()); // as the model file stores it
        Network net = Network.create(spec, 1);
        Augmentation.of(job.training(), spec, false); // its augmentation settings fit its model
        Random random = new Random(2);
        float[] x = new float[ROWS * net.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat();
        }
        int width = net.labelWidth();
        float[] labels = new float[ROWS * width];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = spec.loss() == LossKind.SOFTMAX_CROSS_ENTROPY ? random.nextInt(net.outputSize()) : random.nextInt(2);
        }
        BatchResult r = net.gradientSum(x, labels, ROWS, Pass.train(1, 0, null));
        assertEquals(ROWS, r.count());
        assertTrue(Double.isFinite(r.lossSum()) && r.lossSum() > 0, file + ": loss " + r.lossSum());
        double norm = 0;
        for (float g : net.store().grads()) {
            assertTrue(Float.isFinite(g), file + ": a gradient is not finite");
            norm += g * g;
        }
        assertTrue(norm > 0, file + ": zero gradient");
        float[] out = net.forward(x, ROWS, Pass.inference());
        for (int i = 0; i < ROWS * net.outputSize(); i++) {
            assertTrue(Float.isFinite(out[i]), file + ": output " + i);
        }
        // a conf that states its parameter count in its header comment states it right
        Matcher m = PARAMETERS.matcher(Files.readString(file));
        if (m.find()) {
            assertEquals(Long.parseLong(m.group(1).replace(",", "")), net.store().size(), file + ": parameter count in its header");
        }
    }

    @Test
    void theZooHoldsTheClassicFamilies() {
        for (String name : List.of("logreg", "dropout-mlp", "lenet5", "vgg-small", "resnet-small")) {
            JobConfig job = JobConfig.load(Path.of("conf/fashion-mnist-" + name + ".conf"), List.of());
            assertEquals("data/fashion-mnist", job.data().train(), name);
            assertEquals("idx", job.data().format(), name);
        }
    }
}
