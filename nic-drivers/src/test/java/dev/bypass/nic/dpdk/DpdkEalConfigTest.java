package dev.bypass.nic.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The EAL command line and the messages of a failed start; no DPDK needed. */
class DpdkEalConfigTest {
    private static final DpdkEalConfig VIRTUAL = DpdkEalConfig.forVirtualDevices().withMainLcore(1)
        .withFilePrefix("bp-test").withLogFile(Path.of("/tmp/x.log"));

    @Test
    void virtual_devices_run_without_hugepages_pci_shared_files_or_telemetry() {
        assertEquals(List.of("bypass", "-l", "1", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
            "--file-prefix=bp-test", "--no-telemetry"), VIRTUAL.arguments());
    }

    @Test
    void the_default_prefix_and_log_are_per_process() {
        DpdkEalConfig config = DpdkEalConfig.forVirtualDevices();
        long pid = ProcessHandle.current().pid();
        assertEquals("bypass-" + pid, config.filePrefix());
        assertTrue(config.logFile().toString().endsWith("bypass-dpdk-" + pid + ".log"), config.logFile()::toString);
        assertTrue(config.arguments().contains("--file-prefix=bypass-" + pid));
    }

    @Test
    void devices_and_extra_arguments_come_last_in_order() {
        DpdkEalConfig config = VIRTUAL.withDevice("net_af_packet0,iface=veth0").withDevice("net_ring0")
            .withExtraArguments("--log-level=lib.eal:debug");
        List<String> args = config.arguments();
        assertEquals(List.of("--vdev=net_af_packet0,iface=veth0", "--vdev=net_ring0", "--log-level=lib.eal:debug"),
            args.subList(args.size() - 3, args.size()));
    }

    @Test
    void a_real_nic_uses_hugepages_and_pci() {
        DpdkEalConfig config = VIRTUAL.withHugepages(0).withPci(true).withSharedConfig(true);
        assertEquals(List.of("bypass", "-l", "1", "--file-prefix=bp-test", "--no-telemetry"), config.arguments());
        assertEquals(List.of("bypass", "-l", "1", "-m", "2048", "--file-prefix=bp-test", "--no-telemetry"),
            config.withMemoryMb(2048).arguments());
    }

    @Test
    void in_memory_without_hugepages_is_refused_before_eal_sees_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> VIRTUAL.withExtraArguments("--in-memory"));
        assertTrue(e.getMessage().contains("--no-huge") && e.getMessage().contains("withSharedConfig(false)"),
            e.getMessage());
    }

    @Test
    void a_file_prefix_must_be_a_plain_name() {
        assertThrows(IllegalArgumentException.class, () -> VIRTUAL.withFilePrefix("a/b"));
        assertThrows(IllegalArgumentException.class, () -> VIRTUAL.withFilePrefix(""));
    }

    @Test
    void the_main_lcore_is_the_first_cpu_of_a_linux_cpu_list() {
        assertEquals(0, DpdkEalConfig.firstCpu("0-1"));
        assertEquals(2, DpdkEalConfig.firstCpu(" 2-3,6\n"));
        assertEquals(5, DpdkEalConfig.firstCpu("5"));
        assertTrue(DpdkEalConfig.firstAllowedCpu() >= 0);
    }

    @Test
    void a_failed_start_names_the_cause_the_arguments_and_dpdk_s_log() {
        String log = "EAL: Cannot create lock on '/var/run/dpdk/bp-test/config'. Is another primary process running?";
        String m = DpdkEal.failureMessage(11, "Resource temporarily unavailable", VIRTUAL.withSharedConfig(true), log);
        assertTrue(m.startsWith("DPDK EAL failed to start (rte_eal_init: Resource temporarily unavailable, rte_errno 11)"),
            m);
        assertTrue(m.contains("file prefix 'bp-test' is in use by another DPDK process"), m);
        assertTrue(m.contains("EAL arguments: bypass -l 1 --no-huge"), m);
        assertTrue(m.contains("DPDK log (/tmp/x.log):\n" + log), m);
    }

    @Test
    void hugepage_and_permission_failures_say_what_to_do() {
        String hugepages = DpdkEal.failureMessage(11, "x", VIRTUAL.withHugepages(0), "");
        assertTrue(hugepages.contains("nr_hugepages") && hugepages.contains("--no-huge"), hugepages);
        String permission = DpdkEal.failureMessage(13, "Permission denied", VIRTUAL, "");
        assertTrue(permission.contains("needs root"), permission);
        String twice = DpdkEal.failureMessage(114, "Operation already in progress", VIRTUAL, "");
        assertTrue(twice.contains("once per process"), twice);
    }
}
