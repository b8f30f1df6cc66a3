package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.testjson.MiniJson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoCommandTest {
    private static String[] run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void json_summary_gives_connections_per_resource_of_each_host_query_figures_and_the_bytes_checked() {
        String[] r = run("demo", "--bytes", "128k", "--connections", "40", "--datagrams", "10", "--json");
        assertEquals("0", r[0], r[1] + r[2]);
        Map<String, Object> json = MiniJson.object(r[1].trim());
        assertEquals(true, json.get("ok"), r[1]);
        assertEquals(2.0 * 40 * 128 * 1024, json.get("bytes_checked"));
        assertEquals(json.get("bytes_expected"), json.get("bytes_checked"));
        List<?> hosts = (List<?>) json.get("hosts");
        Map<?, ?> server = (Map<?, ?>) hosts.get(0);
        Map<?, ?> client = (Map<?, ?>) hosts.get(1);
        assertEquals("server", server.get("name"));
        List<?> perServer = (List<?>) server.get("connections_per_resource");
        assertEquals(4, perServer.size());
        for (Object n : perServer) {
            assertTrue(Math.abs((Double) n - 10) <= 1, "within 10% of even: " + perServer);
        }
        assertEquals(List.of(20.0, 20.0), client.get("connections_per_resource"), "both client resources used");
        assertEquals(40 * 128 * 1024.0, server.get("tcp_bytes_received"));
        assertEquals(40 * 128 * 1024.0, client.get("tcp_bytes_received"));
        Map<?, ?> query = (Map<?, ?>) json.get("query");
        assertEquals(0.0, query.get("fallbacks"));
        assertTrue((Double) query.get("queries") >= 2 && (Double) query.get("service_replies") >= 2, query.toString());
        assertEquals(40.0, (Double) query.get("resolved") + (Double) query.get("cache_hits"), query.toString());
        assertEquals(6, ((List<?>) json.get("rings")).size());
    }

    @Test
    void a_dead_link_fails_with_exit_1_and_the_reason() {
        String[] r = run("demo", "--bytes", "64k", "--connections", "1", "--datagrams", "0", "--loss", "100",
            "--timeout", "1s", "--json");
        assertEquals("1", r[0], r[1] + r[2]);
        Map<String, Object> json = MiniJson.object(r[1].trim());
        assertEquals(false, json.get("ok"));
        assertTrue(json.get("problem") instanceof String p && !p.isEmpty(), r[1]);
        assertEquals(0.0, json.get("bytes_checked"));
    }

    @Test
    void table_shows_resources_query_figures_ring_occupancy_and_the_result() {
        String[] r = run("demo", "--bytes", "1M", "--datagrams", "5");
        assertEquals("0", r[0], r[1] + r[2]);
        for (String s : new String[] {"server-3   198.18.0.4", "client-1   198.18.0.202", "connect query:",
            "ring occupancy", "client send rings", "accept ring", "command rings", "0 fallbacks", "OK: 8.0 MiB each way over 8 connections"}) {
            assertTrue(r[1].contains(s), s + " in\n" + r[1]);
        }
    }

    @Test
    void virtual_json_summary_is_one_object_with_the_checked_bytes() {
        String[] r = run("demo", "--virtual", "--bytes", "256k", "--connections", "2", "--datagrams", "10", "--json");
        assertEquals("0", r[0], r[1] + r[2]);
        String json = r[1].trim();
        assertTrue(json.startsWith("{\"ok\":true") && json.endsWith("}"), json);
        MiniJson.parse(json);
        assertTrue(json.contains("\"tcp_bytes_received\":524288"), json);
        assertTrue(json.contains("\"udp_received\":10"), json);
    }

    @Test
    void virtual_table_names_hosts_counters_and_the_result() {
        String[] r = run("demo", "--virtual", "--bytes", "128k", "--connections", "1", "--datagrams", "5", "--loss", "2",
            "--seed", "3");
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
