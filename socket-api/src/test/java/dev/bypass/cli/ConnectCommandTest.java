package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.config.BypassConfig;
import dev.bypass.config.ConfigLoader;
import dev.bypass.host.Serving;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bypass connect} on the in-memory switch: a serving host of two resources with a public IP and the
 * connect query (started as serve starts it), and the command as a client process of two resources of its
 * own, connecting by the public tuple.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectCommandTest {
    private static final AtomicInteger NETWORKS = new AtomicInteger();

    private String network;
    private Serving serving;

    @BeforeEach
    void serve() throws Exception {
        network = "connect-" + NETWORKS.incrementAndGet();
        BypassConfig config = ConfigLoader.parse("serve.conf", """
            [stack]
            name = "connect-test"
            counters-file = "none"
            public-ip = "198.18.0.10"
            idle = "sleep:20000"
            [services]
            udp-echo = false
            [resource.s0]
            driver = "memory"
            network = "%s"
            address = "198.18.0.2/24"
            [resource.s1]
            driver = "memory"
            network = "%s"
            address = "198.18.0.3/24"
            """.formatted(network, network), List.of());
        serving = Serving.start(config);
    }

    @AfterEach
    void stop() {
        if (serving != null) {
            serving.close();
        }
    }

    /** The client's flags: two memory resources of its own on the server's switch. */
    private String[] client(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--counters-file=none", "--idle=sleep:20000",
            "--set=resource.c0.driver=memory", "--set=resource.c0.network=" + network,
            "--set=resource.c0.address=198.18.0.20/24",
            "--set=resource.c1.driver=memory", "--set=resource.c1.network=" + network,
            "--set=resource.c1.address=198.18.0.21/24"));
        return all.toArray(String[]::new);
    }

    @Test
    void forty_connections_by_the_public_tuple_spread_over_both_sides_and_every_body_is_checked() {
        ServeCliTest.Run r = ServeCliTest.run(client("connect", "198.18.0.10:80", "--connections", "40", "--get",
            "/bytes/100000"));
        System.out.println("[connect] " + r.out());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("bypass connect: 40 connection(s) to 198.18.0.10:80 through the connect query "
            + "(round-robin) from 2 resource(s) (round-robin), GET /bytes/100000 on each\n"), r::out);
        for (String line : List.of("client-resource c0 198.18.0.20 20", "client-resource c1 198.18.0.21 20",
            "server-tuple 198.18.0.2:80 20", "server-tuple 198.18.0.3:80 20",
            // each client resource keeps its own turn: every pair of resources carries connections
            "path c0 198.18.0.2:80 10", "path c0 198.18.0.3:80 10", "path c1 198.18.0.2:80 10",
            "path c1 198.18.0.3:80 10",
            "query c0 queries 1 retries 0 replies 1 cache-hits 19 resolved 1 fallbacks 0",
            "query c1 queries 1 retries 0 replies 1 cache-hits 19 resolved 1 fallbacks 0")) {
            assertTrue(r.out().lines().anyMatch(line::equals), () -> "missing: " + line + "\n" + r.out());
        }
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("result connections=40 connected=40 verified=40 failures=0 "
            + "bytes=4000000 checked=pattern queries=2 retries=0 cache-hits=38 fallbacks=0 ")), r::out);
        assertTrue(r.out().lines().noneMatch(l -> l.startsWith("failure")), r::out);
    }

    @Test
    void without_the_query_every_connection_goes_to_the_public_tuple() {
        ServeCliTest.Run r = ServeCliTest.run(client("connect", "198.18.0.10:80", "-n", "6", "--no-query", "--get",
            "/bytes/5000"));
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().lines().anyMatch("server-tuple 198.18.0.10:80 6"::equals), r::out);
        assertTrue(r.out().lines().anyMatch("client-resource c0 198.18.0.20 3"::equals), r::out);
        assertTrue(r.out().lines().noneMatch(l -> l.startsWith("query ")), r::out);
        assertTrue(r.out().contains("result connections=6 connected=6 verified=6 failures=0 bytes=30000 "), r::out);
    }

    @Test
    void a_path_that_is_not_found_fails_every_connection_and_exits_1() {
        ServeCliTest.Run r = ServeCliTest.run(client("connect", "198.18.0.10:80", "-n", "2", "--chooser", "first",
            "--get", "/nothing"));
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.out().lines().anyMatch("client-resource c0 198.18.0.20 2"::equals), r::out);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("failure 0 \\(c0 to 198\\.18\\.0\\.[23]:80\\): status 404 .*")),
            r::out);
        assertTrue(r.out().contains("result connections=2 connected=2 verified=0 failures=2 bytes=0 checked=status "),
            r::out);
    }

    @Test
    void a_port_nobody_listens_on_is_a_failure_per_connection() {
        ServeCliTest.Run r = ServeCliTest.run(client("connect", "198.18.0.10:81", "-n", "2", "--no-query",
            "--timeout", "5s"));
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("failure 1 (c1): connect: ") && l.contains("refused")),
            r::out);
        assertTrue(r.out().contains("result connections=2 connected=0 verified=0 failures=2 "), r::out);
    }

    @Test
    void usage_errors_exit_2() {
        for (String[] args : List.of(
            client("connect", "198.18.0.10:80", "--policy", "sideways"),
            client("connect", "198.18.0.10:80", "--chooser", "last"),
            client("connect", "198.18.0.10", "-n", "1"),
            client("connect", "198.18.0.10:80", "--get", "no-slash"),
            client("connect", "198.18.0.10:80", "-n", "0"))) {
            ServeCliTest.Run r = ServeCliTest.run(args);
            assertEquals(2, r.code(), () -> String.join(" ", args) + ": " + r);
            assertTrue(!r.err().isBlank(), r::toString);
        }
    }
}
