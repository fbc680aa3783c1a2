package org.sparknn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LibSVM input is checked like IDX input before training: labels, finiteness, emptiness; the
 * error names the file and the row, its root cause is bad input (exit 2), and nothing is written.
 */
class HostileInputTest {
    private static final String GOOD = "0 1:0.5 3:1\n1 2:0.25\n";

    private static Throwable rootCause(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        return e;
    }

    private static String trainOn(Path dir, String name, String trainText) throws Exception {
        Path train = dir.resolve(name + ".libsvm");
        Files.writeString(train, trainText);
        Path test = dir.resolve("test.libsvm");
        Files.writeString(test, GOOD);
        Path out = dir.resolve("out-" + name);
        Exception e = assertThrows(Exception.class, () -> TrainMain.run(new String[] {"--out", out.toString(),
                "--master", "local[2]", "data.format=libsvm", "data.train=" + train, "data.test=" + test, "data.features=4",
                "model.inputShape=[4]", "model.layers=[{type=dense,units=3},{type=softmax}]", "epochs=1", "batchSize=2",
                "workers=1"}));
        Throwable root = rootCause(e);
        assertTrue(root instanceof IllegalArgumentException, "bad input must be exit 2, got " + root);
        assertTrue(!Files.exists(out), "nothing is written for bad input");
        return root.getMessage();
    }

    @Test
    void badLibSvmRowsAreRefusedNamingFileAndRow(@TempDir Path dir) throws Exception {
        String m = trainOn(dir, "label-too-large", GOOD + "3 1:1\n");
        assertTrue(m.contains("label-too-large.libsvm: column 'label' of row 2 is 3.0, which is not a class index of the "
                + "model's 3 classes (0..2)"), m);
        m = trainOn(dir, "fractional", GOOD + "1.5 1:1\n");
        assertTrue(m.contains("fractional.libsvm: column 'label' of row 2 is 1.5"), m);
        m = trainOn(dir, "nan", GOOD + "1 3:NaN\n");
        assertTrue(m.contains("nan.libsvm: column 'features' of row 2 holds NaN at index 2; features must be finite"), m);
        m = trainOn(dir, "overflow", "1 1:1e39\n" + GOOD);
        assertTrue(m.contains("overflow.libsvm: column 'features' of row 0 holds 1.0E39 at index 0, beyond the float range"), m);
        m = trainOn(dir, "empty", "");
        assertEquals(dir.resolve("empty.libsvm") + " holds no rows", m);
    }
}
