package dev.bypass.bench.lfn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LongFatPipe command line: a small run writes its CSV, JSON and time series; bad options say so. */
class LongFatPipeCliTest {
    @TempDir
    Path dir;

    @Test
    void a_small_run_writes_a_csv_row_the_json_and_a_time_series() throws Exception {
        String[] args = {"--rate", "100m", "--delay-ms", "10", "--bytes", "4m", "--sample-ms", "5", "--out", dir.toString()};
        assertEquals(0, LongFatPipe.run(args));
        assertEquals(0, LongFatPipe.run(args));
        List<String> csv = Files.readAllLines(dir.resolve("lfn.csv"));
        assertEquals(3, csv.size(), "header and two rows: " + csv);
        assertEquals(LongFatPipe.CSV_HEADER, csv.get(0));
        String[] row = csv.get(1).split(",");
        assertEquals(LongFatPipe.CSV_HEADER.split(",").length, row.length);
        assertEquals("100000000", row[0]);
        assertEquals("4194304", row[3]);
        assertEquals("true", row[row.length - 2], "byte exact");
        double percent = Double.parseDouble(row[9]);
        assertTrue(percent > 10 && percent < 96, "percent of limit " + percent);
        String json = Files.readString(dir.resolve("lfn.json"));
        assertTrue(json.startsWith("[\n  {\"rate_bps\": 100000000, \"delay_ms\": 10,"), json);
        assertEquals(2, json.split("\"cc\": \"cubic\"", -1).length - 1, json);
        List<String> series = Files.readAllLines(dir.resolve("lfn-series-100m-10ms.csv"));
        assertEquals("virtual_s,cwnd_bytes,ssthresh_bytes,bytes_acked,bytes_received", series.get(0));
        assertTrue(series.size() > 10, "samples every 5 ms: " + series.size());
        assertTrue(series.getLast().endsWith(",4194304"), series.getLast());
    }

    @Test
    void sizes_and_rates_take_suffixes_and_bad_options_are_refused() throws Exception {
        assertEquals(1L << 30, LongFatPipe.parse("1g", 1024));
        assertEquals(256L << 20, LongFatPipe.parse("256M", 1024));
        assertEquals(200_000_000L, LongFatPipe.parse("200m", 1000));
        assertEquals(2_500_000_000L, LongFatPipe.parse("2.5g", 1000));
        assertEquals(12345, LongFatPipe.parse("12345", 1000));
        assertEquals(2, LongFatPipe.run("--frobnicate", "1"));
        assertEquals(2, LongFatPipe.run("--rate"));
        assertEquals(2, LongFatPipe.run("--rate", "0", "--out", dir.toString()));
    }
}
