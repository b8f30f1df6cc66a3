package dev.bypass.bench.scale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ScaleBench with tiny counts: its outputs are well formed and its figures plausible (no timing asserted). */
class ScaleBenchTest {
    @TempDir
    Path dir;

    @Test
    void tiny_counts_give_well_formed_rows_with_plausible_figures() throws Exception {
        ScaleBench.main(new String[] {"--counts", "200,1000", "--out", dir.toString(), "--sample", "50",
            "--idle-polls", "200"});

        List<String> csv = Files.readAllLines(dir.resolve("scale.csv"));
        assertEquals(3, csv.size(), "a header and a row per count: " + csv);
        assertEquals(ScaleBench.CSV_HEADER, csv.get(0));
        int columns = ScaleBench.CSV_HEADER.split(",").length;
        for (int i = 1; i < csv.size(); i++) {
            String[] f = csv.get(i).split(",");
            assertEquals(columns, f.length, csv.get(i));
            assertEquals(i == 1 ? 200 : 1000, Integer.parseInt(f[0]), "connections counted");
            assertTrue(Double.parseDouble(f[1]) > 0, "establish time: " + csv.get(i));
            assertTrue(Double.parseDouble(f[4]) > 0, "memory per connection: " + csv.get(i));
            assertTrue(Integer.parseInt(f[8]) == 50, "exchanges: " + csv.get(i));
            assertTrue(Double.parseDouble(f[9]) > 0, "exchange time: " + csv.get(i));
            assertTrue(Double.parseDouble(f[10]) > 0, "idle poll time: " + csv.get(i));
            assertEquals(0, Long.parseLong(f[11]), "idle connections hold no pooled rings: " + csv.get(i));
        }
        String json = Files.readString(dir.resolve("scale.json")).strip();
        assertTrue(json.startsWith("[") && json.endsWith("]"), json);
        assertEquals(2, json.split("\"connections\": ").length - 1, json);
        assertTrue(json.contains("\"connections\": 1000,"), json);
    }

    @Test
    void counts_are_checked() {
        assertEquals(List.of(1000, 10_000), ScaleBench.parseCounts("1000, 10000"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> ScaleBench.parseCounts("0"));
        assertEquals("--counts wants positive numbers, got 0", e.getMessage());
    }
}
