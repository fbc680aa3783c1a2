package org.sparknn;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The numeric core (config, data, tensor, nn, optim, train) must not depend on Spark or Scala. */
class ArchitectureTest {
    @Test
    void corePackagesDoNotImportSpark() throws IOException {
        List<String> offenders = new ArrayList<>();
        int files = 0;
        for (String pkg : List.of("config", "data", "tensor", "nn", "optim", "train")) {
            Path dir = Path.of("src/main/java/org/sparknn", pkg);
            assertTrue(Files.isDirectory(dir), dir + " missing");
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.filter(f -> f.toString().endsWith(".java")).toList()) {
                    files++;
                    for (String line : Files.readAllLines(p)) {
                        if (line.matches("\\s*import\\s+(static\\s+)?(org\\.apache\\.spark|scala)\\..*")
                                || line.contains("org.apache.spark.")) {
                            offenders.add(p + ": " + line.trim());
                        }
                    }
                }
            }
        }
        assertTrue(files > 20, "scanned only " + files + " files");
        assertEquals(List.of(), offenders);
    }
}
