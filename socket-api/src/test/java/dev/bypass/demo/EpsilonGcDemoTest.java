package dev.bypass.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The demo in a JVM that never collects garbage (Epsilon GC) with a 32 MB heap: after start-up the stacks,
 * the NICs, the fault decorators and the simulation must allocate nothing per packet, or 256 MiB moved over
 * four connections would exhaust the heap.
 */
class EpsilonGcDemoTest {
    @Test
    void the_demo_moves_a_quarter_gibibyte_each_way_in_a_32_megabyte_heap_that_is_never_collected() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(java.toString(), "-XX:+UnlockExperimentalVMOptions", "-XX:+UseEpsilonGC",
            "-Xms32m", "-Xmx32m",
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), "dev.bypass.cli.Main",
            "demo", "--bytes", "64M", "--connections", "4", "--datagrams", "1000");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "demo did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("OK: 256.0 MiB each way"), out);
    }
}
