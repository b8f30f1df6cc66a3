package dev.bypass.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The side-by-side harness: a tiny run of every system, its files and ratios, option checks, echo checks. */
class SideBySideTest {
    @TempDir
    static Path out;
    static int exit;
    static String stdout;
    static String stderr;

    /** One tiny run of all three systems and all parts, shared by the tests that read its files. */
    @BeforeAll
    static void tinyRun() {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        exit = SideBySide.execute(new PrintWriter(o, true), new PrintWriter(e, true), "--out", out.toString(),
            "--samples", "300", "--warmup", "100", "--rate", "2000", "--open-ms", "25", "--bulk-mib", "2",
            "--connections", "20");
        stdout = o.toString();
        stderr = e.toString();
    }

    private static List<String[]> csvRows() throws IOException {
        List<String> lines = Files.readAllLines(out.resolve("e2e.csv"));
        assertEquals(Row.CSV_HEADER, lines.get(0));
        List<String[]> rows = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            assertEquals(Row.CSV_HEADER.split(",").length, f.length, l);
            rows.add(f);
        }
        return rows;
    }

    @Test
    void tiny_run_of_each_system_writes_every_row_to_csv_json_and_markdown() throws IOException {
        assertEquals(0, exit, stderr + stdout);
        List<String[]> rows = csvRows();
        // per system: 3 sizes x (closed + open) + 5 loads + 3 bulk + 1 conn
        assertEquals(3 * 15, rows.size());
        for (String system : SideBySide.SYSTEMS) {
            assertEquals(15, rows.stream().filter(f -> f[0].equals(system)).count(), system);
        }
        String json = Files.readString(out.resolve("e2e.json"));
        assertTrue(json.startsWith("{\"machine\":{") && json.trim().endsWith("]}"), json);
        assertEquals(45, json.split("\"system\":").length - 1);
        String md = Files.readString(out.resolve("e2e.md"));
        assertTrue(md.contains("| test | size | offered | figure | kernel | bypass-handler | ratio | bypass-socket | ratio |"), md);
        assertTrue(md.contains("| bulk | 65536 B |"), md);
    }

    @Test
    void bypass_round_trips_are_recorded_with_positive_latencies() throws IOException {
        for (String[] f : csvRows()) {
            if (f[1].equals("rtt")) {
                assertEquals("300", f[5], String.join(",", f));
                long p50 = Long.parseLong(f[6]);
                long max = Long.parseLong(f[10]);
                assertTrue(p50 > 0 && p50 <= max, String.join(",", f));
            }
            if (f[1].equals("bulk")) {
                assertTrue(Double.parseDouble(f[12]) > 0, String.join(",", f));
            }
            if (f[1].equals("conn")) {
                assertEquals("20", f[5]);
                assertTrue(Double.parseDouble(f[14]) > 0, String.join(",", f));
            }
        }
    }

    @Test
    void summary_ratios_are_bypass_over_kernel_from_the_rows() throws IOException {
        Map<String, String[]> byKey = new HashMap<>();
        for (String[] f : csvRows()) {
            byKey.put(f[0] + "|" + f[1] + "|" + f[2], f);
        }
        String summary = Files.readString(out.resolve("summary.json"));
        assertTrue(summary.contains("\"targets\":{\"rtt_p50_ratio_max\":0.2,\"throughput_ratio_min\":2.0}"), summary);
        assertTrue(summary.contains("\"machine\":{\"cores\":"), summary);
        for (String system : List.of("bypass-handler", "bypass-socket")) {
            String section = summary.substring(summary.indexOf("\"" + system + "\":{"));
            double p50 = Double.parseDouble(byKey.get(system + "|rtt|64")[6]) / Double.parseDouble(byKey.get("kernel|rtt|64")[6]);
            assertEquals(p50, number(section, "rtt_p50_ratio"), p50 * 1e-3 + 1e-4, system);
            double p99 = Double.parseDouble(byKey.get(system + "|rtt|64")[8]) / Double.parseDouble(byKey.get("kernel|rtt|64")[8]);
            assertEquals(p99, number(section, "rtt_p99_ratio"), p99 * 1e-3 + 1e-4, system);
            double tp = Double.parseDouble(byKey.get(system + "|bulk|65536")[13])
                / Double.parseDouble(byKey.get("kernel|bulk|65536")[13]);
            assertEquals(tp, number(section, "throughput_ratio"), tp * 1e-2 + 1e-4, system);
            double conn = Double.parseDouble(byKey.get(system + "|conn|1")[14]) / Double.parseDouble(byKey.get("kernel|conn|1")[14]);
            assertEquals(conn, number(section, "conn_rate_ratio"), conn * 1e-2 + 1e-4, system);
        }
    }

    private static double number(String json, String name) {
        Matcher m = java.util.regex.Pattern.compile("\"" + name + "\":([0-9.eE+-]+)").matcher(json);
        assertTrue(m.find(), name + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void plots_are_pngs_of_the_stated_size() throws IOException {
        for (String png : List.of("latency_distribution.png", "throughput_vs_size.png", "latency_vs_load.png")) {
            BufferedImage image = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(image, png);
            assertEquals(Plots.WIDTH, image.getWidth(), png);
            assertEquals(Plots.HEIGHT, image.getHeight(), png);
        }
        assertTrue(stdout.contains("memory_vs_connections.png skipped: no "), stdout);
    }

    @Test
    void memory_plot_is_drawn_from_scale_csv_when_there(@TempDir Path dir) throws IOException {
        assertTrue(Plots.memory(dir).contains("skipped"));
        Files.writeString(dir.resolve("scale.csv"), "system,connections,bytes_per_idle_connection,heap_bytes\n"
            + "bypass,1000,900,1200000\nbypass,10000,880,9000000\nkernel,1000,4000,0\nkernel,10000,3900,0\nbad,row\n");
        assertTrue(Plots.memory(dir).startsWith("wrote "));
        BufferedImage image = ImageIO.read(dir.resolve("memory_vs_connections.png").toFile());
        assertEquals(Plots.WIDTH, image.getWidth());
        Files.writeString(dir.resolve("scale.csv"), "a,b\n1,2\n");
        assertTrue(Plots.memory(dir).contains("no 'connections' column"));
    }

    @Test
    void bad_options_are_refused_with_the_reason() {
        assertRefused("--rounds must be 1 to 99, got 0", "--rounds", "0");
        assertRefused("--samples must be 10 to 100000000, got 5", "--samples", "5");
        assertRefused("--rate must be 1 to 10000000 messages/s, got 0", "--rate", "0");
        assertRefused("--systems: unknown system 'linux'", "--systems", "kernel,linux");
        assertRefused("--idle: idle strategy 'fast'", "--idle", "fast");
        assertRefused("--only", "--only", "latency");
        assertRefused("--rounds", "--rounds", "many");
    }

    private static void assertRefused(String reason, String... args) {
        StringWriter e = new StringWriter();
        int code = SideBySide.execute(new PrintWriter(new StringWriter()), new PrintWriter(e, true), args);
        assertEquals(2, code, String.join(" ", args));
        assertTrue(e.toString().contains(reason), e.toString());
    }

    @Test
    void a_corrupted_echo_fails_the_run() throws IOException {
        Pattern pattern = new Pattern();
        ByteBuffer received = ByteBuffer.allocateDirect(64);
        for (int i = 0; i < 64; i++) {
            received.put(i, (byte) ((1000 + i) % Pattern.PERIOD));
        }
        MemorySegment segment = MemorySegment.ofBuffer(received);
        pattern.check(segment, 0, 64, 1000);
        received.put(17, (byte) 0x7f);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pattern.check(segment, 0, 64, 1000));
        assertTrue(e.getMessage().contains("stream byte 1017"), e.getMessage());

        // Through the ping-pong loop: an echo that swaps two bytes is caught.
        PingPong pp = new PingPong(pattern, new Histogram(1, PingPong.MAX_LATENCY_NS, 3));
        pp.begin(new LoopbackIo(pattern, 40), 100, 0, 5, 0);
        assertThrows(IllegalStateException.class, () -> {
            while (!pp.step(System.nanoTime())) {
                // until the corrupt echo
            }
        });
        PingPong clean = new PingPong(pattern, new Histogram(1, PingPong.MAX_LATENCY_NS, 3));
        clean.begin(new LoopbackIo(pattern, -1), 100, 2, 5, 0);
        while (!clean.step(System.nanoTime())) {
            // an exact echo completes
        }
        assertEquals(5, clean.histogram().getTotalCount());
    }

    @Test
    void medians_pick_the_middle_round() {
        List<Row> rows = new ArrayList<>();
        for (long p50 : new long[] {30, 10, 20}) {
            rows.add(new Row("kernel", "rtt", 64, 0, 0, 1, p50, p50, p50, p50, p50, p50, 0, 0, 0, 1, 0, (int) p50, new long[0]));
        }
        Map<String, Row> m = Reports.medians(rows);
        assertEquals(1, m.size());
        assertEquals(20, m.values().iterator().next().p50());
    }

    /** An in-process echo: what is written comes back, with byte {@code corruptAt} of the stream flipped (or none). */
    private static final class LoopbackIo implements ClientIo {
        private final Pattern pattern;
        private final long corruptAt;
        private final ByteBuffer pending = ByteBuffer.allocateDirect(Pattern.MAX_CHUNK * 2);
        private final ByteBuffer in = ByteBuffer.allocateDirect(Pattern.MAX_CHUNK);
        private long stream;

        LoopbackIo(Pattern pattern, long corruptAt) {
            this.pattern = pattern;
            this.corruptAt = corruptAt;
            pending.flip();
        }

        @Override
        public int write(int patternOffset, int length) {
            pending.compact();
            for (int i = 0; i < length; i++) {
                byte b = pattern.buffer.get(patternOffset + i);
                pending.put(stream + i == corruptAt ? (byte) (b ^ 1) : b);
            }
            stream += length;
            pending.flip();
            return length;
        }

        @Override
        public int read(int max) {
            int n = Math.min(max, pending.remaining());
            for (int i = 0; i < n; i++) {
                in.put(i, pending.get());
            }
            return n;
        }

        @Override
        public MemorySegment received() {
            return MemorySegment.ofBuffer(in);
        }

        @Override
        public void shutdownOutput() {
        }
    }
}
