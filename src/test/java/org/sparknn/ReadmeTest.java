package org.sparknn;

import org.junit.jupiter.api.Test;
import org.sparknn.config.ReferenceTable;
import org.sparknn.config.Setting;
import org.sparknn.nn.MlpShape;
import org.sparknn.spark.ml.NeuralNetRegressor;
import org.sparknn.spark.ml.ParamHolder;
import org.sparknn.train.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's references are the declared settings, and its layout is the code's. */
class ReadmeTest {
    private static String section(String readme, String name) {
        String begin = "<!-- " + name + ":begin -->\n";
        String end = "<!-- " + name + ":end -->";
        int b = readme.indexOf(begin);
        int e = readme.indexOf(end);
        assertTrue(b >= 0 && e > b, "README lacks the " + name + " markers");
        return readme.substring(b + begin.length(), e);
    }

    @Test
    void trainingSettingsTableIsTheDeclaredSettings() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        assertEquals(ReferenceTable.markdown(TrainConfig.settings()), section(readme, "training-settings"));
    }

    @Test
    void estimatorParamsTableIsTheDeclaredShapeSettings() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        List<Setting<?>> shape = new ArrayList<>(MlpShape.settings());
        shape.add(ParamHolder.MODEL_SPEC);
        shape.add(NeuralNetRegressor.LOSS);
        assertEquals(ReferenceTable.markdown(shape), section(readme, "estimator-params"));
    }

    @Test
    void layoutNamesEveryMainPackage() throws IOException {
        String layout = section(Files.readString(Path.of("README.md")), "layout");
        Path root = Path.of("src/main/java/org/sparknn");
        List<String> missing = new ArrayList<>();
        try (Stream<Path> dirs = Files.walk(root)) {
            for (Path d : dirs.filter(Files::isDirectory).filter(d -> !d.equals(root)).toList()) {
                String pkg = root.relativize(d).toString().replace('\\', '/') + "/";
                if (!layout.contains(pkg)) {
                    missing.add(pkg);
                }
            }
        }
        assertEquals(List.of(), missing, "packages missing from the README's layout");
    }
}
