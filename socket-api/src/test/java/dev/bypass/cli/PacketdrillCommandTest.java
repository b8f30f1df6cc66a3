package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PacketdrillCommandTest {
    private static String[] run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void a_directory_runs_each_script_in_order_then_prints_the_counts() {
        String[] r = run("packetdrill", "src/test/packetdrill/runner");
        assertEquals("1", r[0], "one script in runner/ fails on purpose: " + r[1] + r[2]);
        String[] lines = r[1].strip().split("\n");
        assertTrue(lines[0].startsWith("PASS src/test/packetdrill/runner/active-open-nonblocking.pkt"), r[1]);
        assertTrue(r[1].contains("SKIP src/test/packetdrill/runner/unknown-python.pkt  (line 12: python import"), r[1]);
        assertTrue(r[1].contains("FAIL src/test/packetdrill/runner/wrong-expectation.pkt  (src/test/packetdrill/runner/"
            + "wrong-expectation.pkt:11: error handling packet: bad value in outbound TCP option"), r[1]);
        assertEquals("6 passed, 1 failed, 1 skipped", lines[lines.length - 1]);
    }

    @Test
    void passing_scripts_exit_0_and_verbose_prints_failure_details() {
        String[] ok = run("packetdrill", "src/test/packetdrill/runner/passive-open-data-close.pkt");
        assertEquals("0", ok[0], ok[1] + ok[2]);
        assertTrue(ok[1].endsWith("1 passed, 0 failed, 0 skipped\n"), ok[1]);
        String[] v = run("packetdrill", "-v", "src/test/packetdrill/runner/wrong-expectation.pkt");
        assertTrue(v[1].contains("    script packet:  0.000000 S. 0:0(0) ack 1 <mss 1460,nop,wscale 6>"), v[1]);
        assertTrue(v[1].contains("    actual packet:  0.000000 S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>"),
            v[1]);
    }

    @Test
    void a_missing_path_is_a_usage_error() {
        String[] r = run("packetdrill", "no/such/dir");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("no such file or directory: no/such/dir"), r[2]);
    }
}
