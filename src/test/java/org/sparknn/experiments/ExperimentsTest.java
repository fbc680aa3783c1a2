package org.sparknn.experiments;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.cli.ExperimentsMain;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every experiment end to end at a tiny size on the bundled digits (local[2]): the job trains
 * through Spark, writes its tables, plots and verdict, and the index links them. The full-size
 * figures are in the README, not here.
 */
class ExperimentsTest {
    @TempDir
    static Path dir;
    private static Path out;
    private static Map<String, Report> reports;

    /** Sizes that finish in seconds per experiment; lists trimmed so that each still compares two or more settings. */
    private static final String[] TINY = {"data.train=data/mnist", "data.test=data/mnist", "experiment.trainRows=600",
            "experiment.testRows=300", "epochs=2", "experiment.seeds=[1,2]", "experiment.dropoutRates=[0,0.5,0.8]",
            "experiment.mcSamples=[1,4]", "experiment.workers=[1,2]", "experiment.syncEvery=[1,4]",
            "experiment.batchSizes=[8,32]", "experiment.lbfgsIterations=4", "experiment.probeRows=100",
            "spark.master=local[2]"};

    @BeforeAll
    static void runAll() throws Exception {
        out = dir.resolve("experiments");
        List<String> args = new ArrayList<>(List.of("all", "--out", out.toString()));
        args.addAll(List.of(TINY));
        reports = ExperimentsMain.run(args.toArray(new String[0]));
    }

    @Test
    void everyExperimentWritesItsTablesPlotsAndVerdict() throws IOException {
        assertEquals(Experiments.ALL.stream().map(Experiment::name).toList(), List.copyOf(reports.keySet()));
        for (Experiment e : Experiments.ALL) {
            Path d = out.resolve(e.name());
            Report r = reports.get(e.name());
            for (String f : List.of("table.csv", "table.md", "runs.csv", "verdict.md", "report.md", "config.conf")) {
                assertTrue(Files.isRegularFile(d.resolve(f)), e.name() + ": " + f + " missing");
            }
            assertFalse(r.plots().isEmpty());
            for (String png : r.plots().keySet()) {
                BufferedImage image = ImageIO.read(d.resolve(png).toFile());
                assertNotNull(image, e.name() + ": " + png + " is not a decodable PNG");
                assertEquals(800, image.getWidth());
                assertTrue(Files.readString(d.resolve("report.md")).contains("![" + png + "](" + png + ")"));
            }
            // the CSV holds the table: a header and one line per row, every line with as many cells as columns
            List<List<String>> csv = parseCsv(Files.readString(d.resolve("table.csv")));
            assertEquals(r.table().columns(), csv.get(0));
            assertEquals(r.table().rows().size(), csv.size() - 1, e.name() + ": table.csv rows");
            for (List<String> line : csv) {
                assertEquals(r.table().columns().size(), line.size(), e.name() + ": " + line);
            }
            List<List<String>> runs = parseCsv(Files.readString(d.resolve("runs.csv")));
            assertTrue(runs.size() > 2, e.name() + ": runs.csv holds every run");
            for (List<String> line : runs) {
                assertEquals(runs.get(0).size(), line.size(), e.name() + ": runs.csv line " + line);
            }
            String md = Files.readString(d.resolve("table.md"));
            assertEquals(r.table().rows().size() + 2, md.lines().count(), e.name() + ": table.md rows");
            // every measured number is finite
            for (List<Object> row : r.table().rows()) {
                for (Object v : row) {
                    if (v instanceof Double x) {
                        assertTrue(Double.isFinite(x), e.name() + ": non-finite value in row " + row);
                    }
                }
            }
            String verdict = Files.readString(d.resolve("verdict.md")).trim();
            assertEquals(r.verdict(), verdict);
            assertTrue(verdict.matches("(?s).*\\d\\.\\d+.*"), e.name() + ": a verdict quotes the numbers: " + verdict);
        }
    }

    @Test
    void tablesHaveOneRowPerComparedSetting() {
        assertEquals(3, rows("dropout-rate"));       // dropoutRates
        assertEquals(2, rows("mc-dropout"));         // mcSamples
        assertEquals(2, rows("sparsity"));           // with and without dropout
        assertEquals(3, rows("batch-norm"));         // step 0 and after each of 2 epochs
        assertEquals(2, rows("bn-population"));      // batchSizes
        assertEquals(3, rows("regularization"));     // none, L1, L2
        assertEquals(3, rows("distributed"));        // 1 and 2 workers, local SGD syncEvery=4
        assertEquals(2, rows("solvers"));            // Adam, L-BFGS
        // errors and accuracies are shares
        for (List<Object> row : reports.get("dropout-rate").table().rows()) {
            for (int c : new int[] {2, 4}) {
                double v = (Double) row.get(c);
                assertTrue(v >= 0 && v <= 1, "error " + v);
            }
        }
        // runs.csv of the sweep: one line per rate and seed
        assertEquals(3 * 2, reports.get("dropout-rate").runs().rows().size());
        // proximal L1 leaves exact zeros; no penalty leaves none
        List<List<Object>> reg = reports.get("regularization").table().rows();
        assertEquals(0.0, (Double) reg.get(0).get(3));
        assertTrue((Double) reg.get(1).get(3) > 0, "L1's share of exact zeros: " + reg.get(1));
    }

    private static int rows(String name) {
        return reports.get(name).table().rows().size();
    }

    @Test
    void indexLinksEveryExperiment() throws IOException {
        String index = Files.readString(out.resolve("index.md"));
        for (Experiment e : Experiments.ALL) {
            assertTrue(index.contains("(" + e.name() + "/report.md)"), e.name() + " missing from the index");
            assertTrue(index.contains("(" + e.name() + "/" + reports.get(e.name()).keyPlot() + ")"));
            assertTrue(index.contains(reports.get(e.name()).verdict()));
        }
    }

    @Test
    void anExistingOutputIsKeptUnlessOverwriteIsAsked() {
        List<String> args = new ArrayList<>(List.of("regularization", "--out", out.toString()));
        args.addAll(List.of(TINY));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExperimentsMain.run(args.toArray(new String[0])));
        assertTrue(e.getMessage().contains("exists; pass --overwrite"), e.getMessage());
    }

    @Test
    void unknownExperimentsAndMissingSettingsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExperimentsMain.run(new String[] {"nope"}));
        assertTrue(e.getMessage().contains("dropout-rate"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ExperimentsMain.run(new String[] {"all", "--conf", "x.conf"}));
        assertTrue(e.getMessage().contains("--conf"), e.getMessage());
        List<String> args = new ArrayList<>(List.of("sparsity", "--overwrite", "--out", out.resolve("refused").toString()));
        args.addAll(List.of(TINY));
        args.add("experiment.trainRows=-5");
        e = assertThrows(IllegalArgumentException.class, () -> ExperimentsMain.run(args.toArray(new String[0])));
        assertTrue(e.getMessage().contains("experiment.trainRows must be >= 0"), e.getMessage());
        assertFalse(Files.exists(out.resolve("refused").resolve("sparsity")), "nothing is left behind");
    }

    private static List<List<String>> parseCsv(String text) {
        List<List<String>> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            List<String> cells = new ArrayList<>();
            StringBuilder cell = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c == '"') {
                    quoted = !quoted;
                } else if (c == ',' && !quoted) {
                    cells.add(cell.toString());
                    cell.setLength(0);
                } else {
                    cell.append(c);
                }
            }
            cells.add(cell.toString());
            lines.add(cells);
        }
        return lines;
    }

    static BufferedImage decode(byte[] png) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(png));
    }
}
