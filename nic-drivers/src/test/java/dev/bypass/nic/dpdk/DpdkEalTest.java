package dev.bypass.nic.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** EAL in this JVM: once per process, on a pinned thread of its own that pins nobody else. Needs DPDK. */
class DpdkEalTest {
    @Test
    void eal_pins_its_own_thread_only() throws Exception {
        DpdkEal eal = DpdkTesting.requireEal();
        String process = cpusAllowed(Path.of("/proc/self/status"));
        assertEquals(process, cpusAllowed(Path.of("/proc/thread-self/status")), "the caller is not pinned");
        Path ealTask = task("bypass-dpdk-eal");
        assertNotNull(ealTask, "the EAL thread is alive");
        assertEquals(Integer.toString(eal.config().mainLcore()), cpusAllowed(ealTask.resolve("status")),
            "EAL pinned its thread to the main lcore");
    }

    @Test
    void eal_starts_once_and_a_different_config_is_refused() throws Exception {
        DpdkEal eal = DpdkTesting.requireEal();
        assertSame(eal, DpdkEal.start(eal.config()));
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> DpdkEal.start(eal.config().withMemoryMb(eal.config().memoryMb() + 1)));
        assertTrue(e.getMessage().contains("once per process"), e.getMessage());
        assertTrue(Files.readString(eal.logFile()).contains("EAL: "), "DPDK logs into " + eal.logFile());
    }

    private static String cpusAllowed(Path status) throws IOException {
        return Files.readAllLines(status).stream().filter(l -> l.startsWith("Cpus_allowed_list:"))
            .map(l -> l.substring("Cpus_allowed_list:".length()).strip()).findFirst().orElseThrow();
    }

    /** The /proc/self/task directory of the thread named {@code name}, or null. */
    private static Path task(String name) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().equals(name);
                } catch (IOException e) {
                    return false; // the thread ended meanwhile
                }
            }).findFirst().orElse(null);
        }
    }
}
