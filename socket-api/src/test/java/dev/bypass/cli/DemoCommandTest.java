package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DemoCommandTest {
    private static String[] run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void json_summary_is_one_object_with_the_checked_bytes() {
        String[] r = run("demo", "--bytes", "256k", "--connections", "2", "--datagrams", "10", "--json");
        assertEquals("0", r[0], r[1] + r[2]);
        String json = r[1].trim();
        assertTrue(json.startsWith("{\"ok\":true") && json.endsWith("}"), json);
        assertTrue(json.contains("\"tcp_bytes_received\":524288"), json);
        assertTrue(json.contains("\"udp_received\":10"), json);
    }

    @Test
    void table_names_hosts_counters_and_the_result() {
        String[] r = run("demo", "--bytes", "128k", "--connections", "1", "--datagrams", "5", "--loss", "2", "--seed", "3");
        assertEquals("0", r[0]);
        assertTrue(r[1].contains("host-a 198.18.0.1") && r[1].contains("tcp.in_segs") && r[1].contains("OK:"), r[1]);
    }

    @Test
    void bad_option_values_are_refused_with_the_reason() {
        String[] r = run("demo", "--bytes", "lots");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("not a size"), r[2]);
        String[] p = run("demo", "--loss", "150");
        assertTrue(!"0".equals(p[0]) && (p[2] + p[1]).contains("0..100"), p[1] + p[2]);
    }

    @Test
    void sizes_take_binary_suffixes_and_rates_decimal_ones() {
        assertEquals(64L << 20, Sizes.parse("64M", 1024));
        assertEquals(1536, Sizes.parse("1.5k", 1024));
        assertEquals(10_000_000_000L, Sizes.parse("10g", 1000));
    }
}
