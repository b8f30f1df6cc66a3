package dev.bypass.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.testjson.MiniJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The demos in a JVM that never collects garbage (Epsilon GC) with a small heap: after start-up the stacks, the NICs,
 * the fault decorators, the socket API's rings and the demo's own loops must allocate nothing per packet, or the
 * quarter gibibyte moved each way would exhaust the heap.
 */
class EpsilonGcDemoTest {
    private static final long MIB = 1 << 20;

    private static String run(String heap, String... args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-XX:+UnlockExperimentalVMOptions",
            "-XX:+UseEpsilonGC", "-Xms" + heap, "-Xmx" + heap,
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), "dev.bypass.cli.Main", "demo"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "demo did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /**
     * Two hosts of six resources start up in about 55 MB; a 96 MB heap leaves too little for the 512 MiB of checked
     * bytes to cost even one small object per packet. The demo also measures, per thread, what the poll threads and
     * the application threads allocated while the middle three quarters of the bytes moved.
     */
    @Test
    void the_two_host_demo_moves_a_quarter_gibibyte_each_way_without_garbage() throws Exception {
        String out = run("96m", "--bytes", "64M", "--connections", "4", "--datagrams", "1000", "--json");
        Map<String, Object> json = MiniJson.object(out.trim());
        assertEquals(true, json.get("ok"), out);
        assertEquals(2.0 * 256 * MIB, json.get("bytes_checked"));
        Map<?, ?> steady = (Map<?, ?>) json.get("steady_state");
        System.out.println("[epsilon] steady state of the two-host demo: " + steady);
        assertTrue((Double) steady.get("bytes_checked") >= 256 * MIB, "measured over the middle of the run: " + steady);
        assertTrue((Double) steady.get("poll_thread_allocated") < 64 * 1024, "poll threads allocated: " + steady);
        assertTrue((Double) steady.get("app_thread_allocated") < 64 * 1024, "application threads allocated: " + steady);
    }

    @Test
    void the_virtual_time_demo_moves_a_quarter_gibibyte_each_way_in_a_32_megabyte_heap() throws Exception {
        String out = run("32m", "--virtual", "--bytes", "64M", "--connections", "4", "--datagrams", "1000");
        assertTrue(out.contains("OK: 256.0 MiB each way"), out);
    }
}
