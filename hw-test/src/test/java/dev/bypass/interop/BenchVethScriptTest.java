package dev.bypass.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.testing.Environment;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code hw-test/bench-veth.sh --quick} with tiny counts: bypass on DPDK af_packet, then the kernel with
 * offloads off and on, over the rig's veth, from this test's class path (BYPASS_CLASSPATH, BENCH_CLASSPATH: no
 * build). Checks that the outputs are well formed and that every case of every server produced figures; the
 * figures themselves (and so the ratios) are left alone: this 2-core machine's timings are noise.
 *
 * <p>Needs root, ip netns, ethtool and DPDK (the shim built by this build); without them it says why and skips
 * locally, and fails in CI.
 */
class BenchVethScriptTest {
    private static final long TIMEOUT_SECONDS = 240;
    private static final String[] SERVERS = {"bypass", "kernel-off", "kernel-on"};
    private static final int[] SIZES = {64, 1024, 16384};
    private static final int[] RATES = {2000, 5000};

    @TempDir
    Path tmp;

    @Test
    void quick_run_writes_every_case_of_every_server_to_csv_json_markdown_and_summary() throws Exception {
        Environment.requireNetworkNamespaces();
        Environment.requireCommands("ethtool", "python3", "pkg-config");
        Path root = Path.of("..").toAbsolutePath().normalize();
        Environment.require(Files.exists(root.resolve("native/target/libbypass_dpdk.so")),
            "the DPDK shim (native/target/libbypass_dpdk.so; install libdpdk-dev and rebuild)");
        Path out = tmp.resolve("veth");
        Path log = tmp.resolve("bench-veth.log");
        List<String> cmd = List.of(root.resolve("hw-test/bench-veth.sh").toString(), "--quick", "--prefix", "bpbt",
            "--out", out.toString(), "--count", "300", "--warmup", "100", "--rates", "2000,5000", "--open-seconds", "0.2",
            "--bulk", "32m", "--connections", "50", "--epsilon", "--heap", "128m");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        String cp = System.getProperty("java.class.path");
        pb.environment().put("BYPASS_CLASSPATH", cp);
        pb.environment().put("BENCH_CLASSPATH", cp);
        Process p = pb.start();
        boolean done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println("[bench-veth.sh]\n" + output.strip());
        assertTrue(done, "bench-veth.sh still running after " + TIMEOUT_SECONDS + " s:\n" + output);
        assertEquals(0, p.exitValue(), output);

        // veth.csv: a header and one row per case, each with its figures.
        List<String> csv = Files.readAllLines(out.resolve("veth.csv"));
        String[] header = csv.get(0).split(",", -1);
        assertEquals("server,kind,size_bytes,rate_per_s,n,p50_us,p99_us,p999_us,max_us,gbit_per_s,server_cores,"
            + "gbit_per_core,conn_per_s", csv.get(0));
        int perServer = SIZES.length + SIZES.length * RATES.length + 2;
        assertEquals(1 + SERVERS.length * perServer, csv.size(), String.join("\n", csv));
        for (String server : SERVERS) {
            for (int size : SIZES) {
                assertFigures(csv, header, server + ",closed," + size + ",0,", "p50_us", "p99_us", "p999_us", "max_us");
                for (int rate : RATES) {
                    assertFigures(csv, header, server + ",open," + size + "," + rate + ",", "p50_us", "p99_us", "p999_us");
                }
            }
            assertFigures(csv, header, server + ",bulk,", "gbit_per_s");
            assertFigures(csv, header, server + ",connect,", "conn_per_s", "p50_us");
        }

        // veth.json and summary.json: complete, the ratios named per size, the Epsilon server survived.
        String json = Files.readString(out.resolve("veth.json"));
        assertTrue(json.contains("\"missing\": []") && json.contains("\"failed\": []"), json);
        String summary = Files.readString(out.resolve("summary.json"));
        assertTrue(summary.contains("\"complete\": true"), summary);
        assertTrue(summary.contains("\"epsilon_gc\": true") && summary.contains("\"survived\": true"), summary);
        for (String base : new String[] {"bypass_over_kernel_off", "bypass_over_kernel_on"}) {
            assertTrue(summary.contains("\"" + base + "\""), summary);
        }
        for (String name : new String[] {"rtt_p50_ratio", "rtt_p99_ratio", "rtt_p999_ratio", "open_p99_ratio",
            "throughput_ratio", "throughput_per_core_ratio", "conn_rate_ratio"}) {
            assertTrue(summary.contains("\"" + name + "\""), name + " missing:\n" + summary);
        }
        Matcher ratios = Pattern.compile("\"rtt_p50_ratio\": \\{\\s*\"64\": ([\\d.]+),\\s*\"1024\": ([\\d.]+),\\s*"
            + "\"16384\": ([\\d.]+)").matcher(summary);
        assertTrue(ratios.find(), "rtt_p50_ratio per size with numbers:\n" + summary);

        // veth.md: the tables, one row per size and server.
        String md = Files.readString(out.resolve("veth.md"));
        for (String server : SERVERS) {
            for (int size : SIZES) {
                assertTrue(md.contains("| " + size + " B | " + server + " | "), size + " " + server + ":\n" + md);
            }
        }
        assertTrue(md.contains("Latency against offered load") && md.contains("survived the whole run"), md);
        assertFalse(md.contains("Incomplete"), md);
    }

    private static void assertFigures(List<String> csv, String[] header, String prefix, String... columns) {
        String row = csv.stream().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
        assertTrue(row != null, "no row " + prefix + " in\n" + String.join("\n", csv));
        String[] values = row.split(",", -1);
        for (String column : columns) {
            int i = List.of(header).indexOf(column);
            double v = Double.parseDouble(values[i]);
            assertTrue(v > 0 && Double.isFinite(v), column + " of " + row);
        }
    }
}
