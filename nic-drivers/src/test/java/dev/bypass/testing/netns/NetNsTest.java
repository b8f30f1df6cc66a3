package dev.bypass.testing.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.testing.Environment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The namespace helper itself: what it creates it removes, and it keeps to the test address block. */
class NetNsTest {
    @BeforeEach
    void requireNamespaces() {
        Environment.requireNetworkNamespaces();
        Environment.requireCommands("sleep", "sysctl");
    }

    @Test
    void a_namespace_is_created_used_and_deleted_with_what_it_started() {
        String name;
        long pid;
        try (NetNs ns = NetNs.create("selftest")) {
            name = ns.name();
            assertTrue(name.startsWith(NetNs.PREFIX + "selftest-"), name);
            assertTrue(NetNs.leftovers().contains(name));

            NetNs.Result links = ns.exec("ip", "-o", "link", "show");
            assertTrue(links.ok(), links::toString);
            assertEquals(1, links.stdout().strip().lines().count(), "a fresh namespace holds only lo: " + links);
            assertTrue(links.stdout().contains("lo:") && links.stdout().contains("UP"), links::toString);

            ns.sysctl("net.ipv4.ip_forward", "1");
            assertEquals("1", ns.exec("sysctl", "-n", "net.ipv4.ip_forward").stdout().strip());

            NetNs.Background sleeper = ns.start("sleep", "600");
            pid = sleeper.pid();
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            assertFalse(sleeper.hasExited());
        }
        assertFalse(NetNs.leftovers().contains(name), "namespace deleted on close");
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "background process stopped");
    }

    @Test
    void a_command_past_its_timeout_is_killed_and_reported() {
        try (NetNs ns = NetNs.create("selftest")) {
            long start = System.nanoTime();
            NetNs.Result r = ns.exec(Duration.ofMillis(300), "sleep", "600");
            assertTrue(r.timedOut(), r::toString);
            assertFalse(r.ok());
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
        }
    }

    @Test
    void a_failed_command_says_what_it_ran_and_what_it_printed() {
        try (NetNs ns = NetNs.create("selftest")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ns.exec("ip", "link", "show", "dev", "no-such-link").requireSuccess());
            assertTrue(e.getMessage().contains("ip link show dev no-such-link") && e.getMessage().contains("exit"),
                e.getMessage());
        }
    }

    @Test
    void addresses_and_routes_outside_198_18_0_0_slash_15_are_refused() {
        try (NetNs ns = NetNs.create("selftest")) {
            for (String bad : List.of("10.0.0.1/24", "198.20.0.1/24", "198.18.0.1/8", "198.18.300.1/24")) {
                assertThrows(IllegalArgumentException.class, () -> ns.addAddress("lo", bad), bad);
            }
            assertThrows(IllegalArgumentException.class, () -> ns.addRoute("default", "via", "198.18.0.1"));
            assertThrows(IllegalArgumentException.class, () -> ns.addRoute("198.19.0.0/24", "via", "10.0.0.1"));
            assertThrows(IllegalArgumentException.class, () -> ns.sysctl("kernel.pid_max", "1"));

            ns.addAddress("lo", "198.18.255.1/32");
            ns.addRoute("198.19.0.0/24", "dev", "lo");
            assertTrue(ns.exec("ip", "route", "show").stdout().contains("198.19.0.0/24 dev lo"));
        }
    }
}
