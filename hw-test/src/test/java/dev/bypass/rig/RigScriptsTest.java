package dev.bypass.rig;

import static dev.bypass.rig.Scripts.host;
import static dev.bypass.rig.Scripts.readEnvFile;
import static dev.bypass.rig.Scripts.rig;
import static dev.bypass.rig.Scripts.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.rig.Scripts.FakeHost;
import dev.bypass.rig.Scripts.Run;
import dev.bypass.testing.Environment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rig scripts: {@code hw-test/rig.sh} builds, reports and removes the local af_packet rig as
 * hw-test/README.md documents it (checked with ip, ethtool and the kernel's own counters); the host
 * scripts under {@code hw-test/host} run here with {@code --dry-run} or {@code --status}, and against
 * a fake /sys and /proc ({@code BYPASS_HOST_ROOT}) that shows them the ConnectX, the Intel NIC, the
 * hugepages and the kernel command line this VM lacks.
 *
 * <p>The rig tests need root, ip and ethtool (skipped locally without them, failed in CI); each uses a
 * prefix of its own ({@code t<pid>x}) and removes its rig whatever happens. Nothing outside the rig's
 * namespaces is touched: addresses only from 198.18.0.0/15, no default route.
 */
class RigScriptsTest {
    private static final String PID = Long.toString(ProcessHandle.current().pid() % 100_000);
    private static final Pattern IFINDEX = Pattern.compile("^(\\d+): ");

    @TempDir
    Path tmp;

    private final List<String> rigs = new ArrayList<>();

    /** A prefix for one rig of this test run: {@code t<pid><letter>}. */
    private String prefix(String letter) {
        String p = "t" + PID + letter;
        rigs.add(p);
        return p;
    }

    @AfterEach
    void removeRigs() {
        if (!Environment.isRoot()) {
            return;
        }
        for (String p : rigs) {
            Run down = run(rig().toString(), "down", "--prefix", p, "--env-file", tmp.resolve(p + ".env").toString());
            assertEquals(0, down.exit(), down::toString);
            assertFalse(Files.exists(Path.of("/run/netns", p + "-dut")) || Files.exists(Path.of("/run/netns", p + "-peer"))
                || Files.exists(Path.of("/run/netns", p + "-cli")), "rig " + p + " left behind");
        }
    }

    private static void requireRig() {
        Environment.requireNetworkNamespaces();
        Environment.requireCommands("ethtool", "ping");
    }

    // ====================================================================================== rig.sh

    @Test
    void rig_up_builds_the_documented_layout_and_down_removes_it() throws Exception {
        requireRig();
        String p = prefix("a");
        String dut = p + "-dut";
        String peer = p + "-peer";
        Path envFile = tmp.resolve(p + ".env");

        Run up = run(rig().toString(), "up", "--prefix", p, "--resources", "2", "--env-file", envFile.toString());
        System.out.println("[rig] " + up);
        assertEquals(0, up.exit(), up::toString);
        assertTrue(up.hasLine("OK rig " + p + " up: 2 resource(s), env file " + envFile), up::toString);
        assertTrue(up.hasLine("#   public address 198.18.0.10: routed in " + peer + " via 198.18.1.2 dev " + p
            + "p0 (resource 0); no default route"), () -> "the plan: " + up);

        Run status = run(rig().toString(), "status", "--prefix", p, "--env-file", envFile.toString());
        System.out.println("[rig] " + status);
        assertEquals(0, status.exit(), status::toString);
        assertTrue(status.hasLine("UP rig " + p + ": 2 resource(s), peer offloads off"), status::toString);

        // The env file: the names and addresses, readable as properties and sourceable by bash.
        Map<String, String> env = readEnvFile(envFile);
        assertEquals(dut, env.get("BYPASS_RIG_DUT_NS"));
        assertEquals(peer, env.get("BYPASS_RIG_PEER_NS"));
        assertEquals("2", env.get("BYPASS_RIG_RESOURCES"));
        assertEquals("off", env.get("BYPASS_RIG_PEER_OFFLOADS"));
        assertEquals("198.18.0.10", env.get("BYPASS_RIG_PUBLIC_IP"));
        assertEquals(p + "d0 " + p + "d1", env.get("BYPASS_RIG_DUT_IFS"));
        assertEquals("198.18.1.2 198.18.2.2", env.get("BYPASS_RIG_DUT_IPS"));
        assertEquals(p + "p0 " + p + "p1", env.get("BYPASS_RIG_PEER_IFS"));
        assertEquals("198.18.1.1 198.18.2.1", env.get("BYPASS_RIG_PEER_IPS"));
        assertEquals("net_af_packet1,iface=" + p + "d1", env.get("BYPASS_RIG_VDEV_1"));
        Run sourced = run("bash", "-c", "set -eu; . \"$1\"; echo \"$BYPASS_RIG_DUT_IF_1 $BYPASS_RIG_PEER_IP_1 "
            + "$BYPASS_RIG_DUT_MAC_0\"", "-", envFile.toString());
        assertEquals(p + "d1 198.18.2.1 02:00:c6:12:01:02", sourced.out().strip(), sourced::toString);

        assertTrue(Files.exists(Path.of("/run/netns", dut)) && Files.exists(Path.of("/run/netns", peer)));
        for (int i = 0; i < 2; i++) {
            String d = p + "d" + i;
            String k = p + "p" + i;
            String net = "198.18." + (i + 1);
            // DPDK's end: up, promiscuous, no address, IPv6 off, no GRO.
            Run link = ok(run("ip", "-n", dut, "-o", "link", "show", "dev", d));
            assertTrue(link.out().contains("PROMISC") && link.out().contains("state UP")
                && link.out().contains("link/ether 02:00:c6:12:0" + (i + 1) + ":02"), link::toString);
            Run addr = ok(run("ip", "-n", dut, "-o", "addr", "show", "dev", d));
            assertEquals("", addr.out().strip(), () -> d + " must have no address: " + addr);
            assertEquals("1", ok(run("ip", "netns", "exec", dut, "cat", "/proc/sys/net/ipv6/conf/" + d + "/disable_ipv6"))
                .out().strip());
            assertTrue(ok(run("ip", "netns", "exec", dut, "ethtool", "-k", d)).hasLine("generic-receive-offload: off"));
            // The kernel's end: its address, no tx checksum, TSO or GSO.
            Run peerAddr = ok(run("ip", "-n", peer, "-o", "-4", "addr", "show", "dev", k));
            assertTrue(peerAddr.out().contains(" inet " + net + ".1/24 "), peerAddr::toString);
            Run features = ok(run("ip", "netns", "exec", peer, "ethtool", "-k", k));
            for (String f : List.of("tx-checksumming: off", "tcp-segmentation-offload: off",
                "generic-segmentation-offload: off")) {
                assertTrue(features.hasLine(f), () -> k + " should have " + f + ": " + features);
            }
            // The two ends are one veth pair.
            Matcher idx = IFINDEX.matcher(ok(run("ip", "-n", peer, "-o", "link", "show", "dev", k)).out());
            assertTrue(idx.find());
            assertTrue(ok(run("ip", "netns", "exec", dut, "ethtool", "-S", d)).out()
                .contains("peer_ifindex: " + idx.group(1)), () -> d + " is not paired with " + k);
            // And the wire carries frames: the kernel's ARP request for bypass's address arrives at DPDK's end
            // (nothing answers yet, so the ping itself fails).
            long before = rxPackets(dut, d);
            run("ip", "netns", "exec", peer, "ping", "-c", "1", "-W", "1", net + ".2");
            long after = rxPackets(dut, d);
            assertTrue(after > before, () -> d + " received nothing from " + k + " (" + before + " -> " + after + ")");
        }
        // The public address goes to resource 0. The failed ARP entries of the pings above are forgotten first:
        // the kernel would not ask for 198.18.1.2 again so soon, and would still be retrying 198.18.2.2 on p1.
        ok(run("ip", "-n", peer, "neigh", "flush", "all"));
        long[] before = {rxPackets(dut, p + "d0"), rxPackets(dut, p + "d1")};
        run("ip", "netns", "exec", peer, "ping", "-c", "1", "-W", "1", "198.18.0.10");
        assertTrue(rxPackets(dut, p + "d0") > before[0], "nothing for 198.18.0.10 arrived on resource 0");
        assertEquals(before[1], rxPackets(dut, p + "d1"), "198.18.0.10 must be routed to resource 0 only");
        Run route = ok(run("ip", "-n", peer, "-o", "route", "show", "198.18.0.10/32"));
        assertTrue(route.out().startsWith("198.18.0.10 via 198.18.1.2 dev " + p + "p0"), route::toString);
        for (String ns : List.of(dut, peer)) {
            assertEquals("", ok(run("ip", "-n", ns, "route", "show", "default")).out().strip(), "default route in " + ns);
        }
        assertEquals("", ok(run("ip", "-n", dut, "route", "show")).out().strip(), "bypass's namespace has no routes");
        assertFalse(ok(run("ip", "-o", "link", "show")).out().contains(": " + p), "a rig link in this namespace");

        // bind-nic.sh inside the rig: a veth is no PCI device.
        Run bind = run("ip", "netns", "exec", dut, host("bind-nic.sh").toString(), "--dry-run", p + "d0");
        System.out.println("[rig] " + bind);
        assertEquals(1, bind.exit(), bind::toString);
        assertTrue(bind.hasLineStartingWith("REFUSED " + p + "d0: not a PCI device (a virtual interface: veth)"),
            bind::toString);

        // A second rig of the same name is refused; the first stays up.
        Run again = run(rig().toString(), "up", "--prefix", p, "--env-file", envFile.toString());
        assertEquals(1, again.exit(), again::toString);
        assertTrue(again.out().contains("exists already"), again::toString);
        assertEquals(0, run(rig().toString(), "status", "--prefix", p, "--env-file", envFile.toString()).exit());

        // down stops what runs in the namespaces (by PID) and removes everything.
        Process sleeper = new ProcessBuilder("ip", "netns", "exec", dut, "sleep", "300").start();
        awaitInNamespace(dut, sleeper.pid());
        Run down = run(rig().toString(), "down", "--prefix", p, "--env-file", envFile.toString());
        System.out.println("[rig] " + down);
        assertEquals(0, down.exit(), down::toString);
        assertTrue(down.hasLineStartingWith("stop pid " + sleeper.pid() + " (sleep 300"), down::toString);
        assertTrue(down.hasLine("OK rig " + p + " down"), down::toString);
        assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS), "the process in the namespace was not stopped");
        assertFalse(Files.exists(Path.of("/run/netns", dut)) || Files.exists(Path.of("/run/netns", peer)));
        assertFalse(Files.exists(envFile), "env file left behind");

        Run downAgain = run(rig().toString(), "down", "--prefix", p, "--env-file", envFile.toString());
        assertEquals(0, downAgain.exit(), downAgain::toString);
        assertTrue(downAgain.hasLine("OK rig " + p + " down (nothing to remove)"), downAgain::toString);
        Run gone = run(rig().toString(), "status", "--prefix", p, "--env-file", envFile.toString());
        assertEquals(1, gone.exit(), gone::toString);
        assertTrue(gone.hasLine("DOWN rig " + p) && gone.hasLine("namespace " + dut + ": missing"), gone::toString);
    }

    @Test
    void rig_with_peer_offloads_on_leaves_the_kernel_its_offloads_and_status_checks_them() throws Exception {
        requireRig();
        String p = prefix("b");
        Path envFile = tmp.resolve(p + ".env");
        Run up = run(rig().toString(), "up", "--prefix", p, "--peer-offloads", "on", "--env-file", envFile.toString());
        assertEquals(0, up.exit(), up::toString);
        Run features = ok(run("ip", "netns", "exec", p + "-peer", "ethtool", "-k", p + "p0"));
        for (String f : List.of("tx-checksumming: on", "tcp-segmentation-offload: on", "generic-segmentation-offload: on")) {
            assertTrue(features.hasLine(f), () -> "expected " + f + ": " + features);
        }
        assertEquals("on", readEnvFile(envFile).get("BYPASS_RIG_PEER_OFFLOADS"));
        Run status = run(rig().toString(), "status", "--prefix", p, "--env-file", envFile.toString());
        assertEquals(0, status.exit(), status::toString);
        assertTrue(status.hasLine("UP rig " + p + ": 1 resource(s), peer offloads on"), status::toString);

        // status notices a rig that differs from what its env file says.
        ok(run("ip", "netns", "exec", p + "-peer", "ethtool", "-K", p + "p0", "tso", "off"));
        Run changed = run(rig().toString(), "status", "--prefix", p, "--env-file", envFile.toString());
        assertEquals(1, changed.exit(), changed::toString);
        assertTrue(changed.hasLine("  " + p + "p0 offloads should be: tx on tso on gso on"), changed::toString);
    }

    @Test
    void rig_up_that_fails_halfway_removes_what_it_created() throws Exception {
        requireRig();
        String p = prefix("c");
        Path envFile = tmp.resolve(p + ".env");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path fake = bin.resolve("ethtool");
        Files.writeString(fake, "#!/bin/sh\necho 'fake ethtool refuses' >&2\nexit 1\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));

        Run up = run(Map.of("PATH", bin + ":" + System.getenv("PATH")), rig().toString(), "up", "--prefix", p,
            "--env-file", envFile.toString());
        assertEquals(1, up.exit(), up::toString);
        assertTrue(up.err().contains("FAIL command: ip netns exec " + p + "-dut ethtool -K " + p + "d0 gro off"), up::toString);
        assertTrue(up.err().contains("FAIL rig " + p + " up; removing what was created"), up::toString);
        assertFalse(Files.exists(Path.of("/run/netns", p + "-dut")) || Files.exists(Path.of("/run/netns", p + "-peer")),
            "namespaces left after a failed up");
        assertFalse(Files.exists(envFile));
    }

    @Test
    void rig_dry_run_prints_the_commands_and_changes_nothing() throws Exception {
        String p = "t" + PID + "d";
        Path envFile = tmp.resolve("dry.env");
        Run up = run(rig().toString(), "up", "--dry-run", "--prefix", p, "--resources", "3", "--env-file",
            envFile.toString());
        assertEquals(0, up.exit(), up::toString);
        for (String line : List.of(
            "ip netns add " + p + "-dut",
            "ip netns add " + p + "-peer",
            "ip -n " + p + "-dut link add " + p + "d2 address 02:00:c6:12:03:02 type veth peer name " + p
                + "p2 address 02:00:c6:12:03:01 netns " + p + "-peer",
            "ip netns exec " + p + "-dut sysctl -q -w net.ipv6.conf." + p + "d0.disable_ipv6=1",
            "ip netns exec " + p + "-peer ethtool -K " + p + "p1 tx off tso off gso off",
            "ip -n " + p + "-peer addr add 198.18.3.1/24 dev " + p + "p2",
            "ip -n " + p + "-peer route add 198.18.0.10/32 via 198.18.1.2 dev " + p + "p0",
            "BYPASS_RIG_DUT_IPS=\"198.18.1.2 198.18.2.2 198.18.3.2\"",
            "# dry run: nothing was changed")) {
            assertTrue(up.hasLine(line), () -> "missing line: " + line + "\n" + up);
        }
        // Every command names one of the rig's namespaces: nothing is done in the caller's namespace, and no
        // route but the one to the public address.
        for (String line : up.lines()) {
            if (line.startsWith("ip ")) {
                assertTrue(line.startsWith("ip netns add " + p + "-") || line.startsWith("ip -n " + p + "-")
                    || line.startsWith("ip netns exec " + p + "-"), () -> "outside the rig: " + line);
            }
        }
        List<String> routes = up.lines().stream().filter(l -> l.startsWith("ip ") && l.contains(" route ")).toList();
        assertEquals(List.of("ip -n " + p + "-peer route add 198.18.0.10/32 via 198.18.1.2 dev " + p + "p0"), routes);
        assertFalse(Files.exists(envFile));
        assertFalse(Files.exists(Path.of("/run/netns", p + "-dut")));

        Run down = run(rig().toString(), "down", "--dry-run", "--prefix", p, "--env-file", envFile.toString());
        assertEquals(0, down.exit(), down::toString);
        assertTrue(down.hasLine("# namespace " + p + "-dut does not exist"), down::toString);
    }

    @Test
    void rig_dry_run_with_a_client_namespace_adds_its_pairs_and_forwarding_in_the_peer_only() {
        String p = "t" + PID + "f";
        Run up = run(rig().toString(), "up", "--dry-run", "--prefix", p, "--resources", "2", "--client-resources", "2",
            "--env-file", tmp.resolve("dry.env").toString());
        assertEquals(0, up.exit(), up::toString);
        for (String line : List.of(
            "ip netns add " + p + "-cli",
            "ip -n " + p + "-cli link add " + p + "c1 address 02:00:c6:12:0c:02 type veth peer name " + p
                + "g1 address 02:00:c6:12:0c:01 netns " + p + "-peer",
            "ip netns exec " + p + "-cli ethtool -K " + p + "c0 gro off",
            "ip netns exec " + p + "-peer ethtool -K " + p + "g0 tx off tso off gso off",
            "ip -n " + p + "-peer addr add 198.18.11.1/24 dev " + p + "g0",
            "ip netns exec " + p + "-peer sysctl -q -w net.ipv4.ip_forward=1",
            "BYPASS_RIG_CLIENT_RESOURCES=\"2\"",
            "BYPASS_RIG_CLIENT_NS=\"" + p + "-cli\"",
            "BYPASS_RIG_CLIENT_IPS=\"198.18.11.2 198.18.12.2\"",
            "BYPASS_RIG_GW_IP_1=\"198.18.12.1\"",
            "BYPASS_RIG_CLIENT_ROUTE=\"198.18.0.0/16\"")) {
            assertTrue(up.hasLine(line), () -> "missing line: " + line + "\n" + up);
        }
        for (String line : up.lines()) {
            if (line.startsWith("ip ")) {
                assertTrue(line.startsWith("ip netns add " + p + "-") || line.startsWith("ip -n " + p + "-")
                    || line.startsWith("ip netns exec " + p + "-"), () -> "outside the rig: " + line);
            }
            assertFalse(line.contains("ip_forward") && !line.startsWith("#") && !line.startsWith("ip netns exec " + p + "-peer "),
                () -> "forwarding outside the peer namespace: " + line);
        }
        assertEquals(List.of("ip -n " + p + "-peer route add 198.18.0.10/32 via 198.18.1.2 dev " + p + "p0"),
            up.lines().stream().filter(l -> l.startsWith("ip ") && l.contains(" route ")).toList());
        // Without client resources: no third namespace, no forwarding.
        Run plain = run(rig().toString(), "up", "--dry-run", "--prefix", p, "--env-file", tmp.resolve("dry.env").toString());
        assertFalse(plain.out().contains(p + "-cli") || plain.out().contains("ip_forward"), plain::toString);
        assertTrue(plain.hasLine("BYPASS_RIG_CLIENT_RESOURCES=\"0\""), plain::toString);
    }

    @Test
    void rig_with_client_resources_builds_the_client_namespace_and_the_peer_forwards() throws Exception {
        requireRig();
        String p = prefix("g");
        String cli = p + "-cli";
        String peer = p + "-peer";
        Path envFile = tmp.resolve(p + ".env");
        Run up = run(rig().toString(), "up", "--prefix", p, "--client-resources", "2", "--env-file", envFile.toString());
        System.out.println("[rig] " + up);
        assertEquals(0, up.exit(), up::toString);
        assertTrue(up.hasLine("OK rig " + p + " up: 1 resource(s), 2 client resource(s) in " + cli + ", env file " + envFile),
            up::toString);
        Run status = run(rig().toString(), "status", "--prefix", p, "--env-file", envFile.toString());
        System.out.println("[rig] " + status);
        assertEquals(0, status.exit(), status::toString);
        assertTrue(status.hasLine("UP rig " + p + ": 1 resource(s), 2 client resource(s), peer offloads off"), status::toString);
        assertTrue(status.hasLine("forwarding " + peer + ": ip_forward 1"), status::toString);
        Map<String, String> env = readEnvFile(envFile);
        assertEquals(cli, env.get("BYPASS_RIG_CLIENT_NS"));
        assertEquals(p + "c0 " + p + "c1", env.get("BYPASS_RIG_CLIENT_IFS"));
        assertEquals("198.18.11.1 198.18.12.1", env.get("BYPASS_RIG_GW_IPS"));
        for (int j = 0; j < 2; j++) {
            String c = p + "c" + j;
            Run link = ok(run("ip", "-n", cli, "-o", "link", "show", "dev", c));
            assertTrue(link.out().contains("PROMISC") && link.out().contains("state UP"), link::toString);
            assertEquals("", ok(run("ip", "-n", cli, "-o", "addr", "show", "dev", c)).out().strip());
            Run gw = ok(run("ip", "-n", peer, "-o", "-4", "addr", "show", "dev", p + "g" + j));
            assertTrue(gw.out().contains(" inet 198.18." + (11 + j) + ".1/24 "), gw::toString);
            // The kernel's ARP request for the client's address arrives at the client's DPDK end.
            long before = rxPackets(cli, c);
            run("ip", "netns", "exec", peer, "ping", "-c", "1", "-W", "1", "198.18." + (11 + j) + ".2");
            long after = rxPackets(cli, c);
            assertTrue(after > before, () -> c + " received nothing (" + before + " -> " + after + ")");
        }
        assertEquals("1", ok(run("ip", "netns", "exec", peer, "cat", "/proc/sys/net/ipv4/ip_forward")).out().strip());
        assertEquals("0", ok(run("ip", "netns", "exec", p + "-dut", "cat", "/proc/sys/net/ipv4/ip_forward")).out().strip());
        assertEquals("", ok(run("ip", "-n", cli, "route", "show")).out().strip(), "the client namespace has no routes");
        assertFalse(ok(run("ip", "-o", "link", "show")).out().contains(": " + p), "a rig link in this namespace");

        Run down = run(rig().toString(), "down", "--prefix", p, "--env-file", envFile.toString());
        assertEquals(0, down.exit(), down::toString);
        assertTrue(down.hasLine("deleted namespace " + cli), down::toString);
        assertFalse(Files.exists(Path.of("/run/netns", cli)), "client namespace left behind");
    }

    @Test
    void rig_rejects_bad_options_with_exit_2() {
        for (List<String> args : List.<List<String>>of(List.of("up", "--resources", "5"), List.of("up", "--resources", "0"),
            List.of("up", "--prefix", "Bad-Name"), List.of("up", "--prefix", "waytoolongprefix"),
            List.of("up", "--peer-offloads", "maybe"), List.of("up", "--client-resources", "5"),
            List.of("up", "--client-resources", "x"), List.of("sideways"), List.of())) {
            List<String> cmd = new ArrayList<>(List.of(rig().toString()));
            cmd.addAll(args);
            cmd.add("--dry-run");
            Run r = run(cmd.toArray(String[]::new));
            assertEquals(2, r.exit(), r::toString);
            assertFalse(r.err().isBlank(), () -> "no reason given: " + r);
        }
        Run help = run(rig().toString(), "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--peer-offloads on|off") && help.out().contains("--env-file PATH")
            && help.out().contains("--client-resources M"), help::toString);
    }

    /**
     * The rig as DPDK sees it: DPDK's own testpmd, in icmpecho mode on the af_packet PMD over both DPDK-side
     * veth ends (the EAL arguments from the env file), answers the kernel's ARP and pings on each resource and
     * at the public address; {@code down} stops it by PID and removes its runtime directory.
     */
    @Test
    void dpdk_testpmd_on_the_rig_answers_the_kernel_s_pings() throws Exception {
        requireRig();
        Assumptions.assumeTrue(Environment.hasCommand("dpdk-testpmd"),
            "skipped: no dpdk-testpmd (apt-get install dpdk)");
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2,
            "skipped: testpmd wants two lcores (a main one and a forwarding one)");
        String p = prefix("e");
        String peer = p + "-peer";
        Path envFile = tmp.resolve(p + ".env");
        assertEquals(0, run(rig().toString(), "up", "--prefix", p, "--resources", "2", "--env-file",
            envFile.toString()).exit());
        Map<String, String> env = readEnvFile(envFile);
        assertEquals("--no-pci --file-prefix " + p + " --vdev=net_af_packet0,iface=" + p + "d0 --vdev=net_af_packet1,iface="
            + p + "d1", env.get("BYPASS_RIG_EAL_ARGS"));

        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", env.get("BYPASS_RIG_DUT_NS"), "dpdk-testpmd",
            "--no-huge", "-m", "256", "-l", "0-1"));
        cmd.addAll(List.of(env.get("BYPASS_RIG_EAL_ARGS").split(" ")));
        cmd.addAll(List.of("--", "--forward-mode=icmpecho", "--auto-start", "--stats-period", "5",
            "--total-num-mbufs=2048"));
        Path log = tmp.resolve("testpmd.log");
        Process testpmd = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(log).contains("icmpecho packet forwarding - ports=2")) {
                assertTrue(testpmd.isAlive() && System.nanoTime() < deadline, () -> "testpmd did not start: " + read(log));
                Thread.sleep(100);
            }
            for (String ip : List.of("198.18.1.2", "198.18.2.2", "198.18.0.10")) {
                Run ping = run("ip", "netns", "exec", peer, "ping", "-c", "3", "-i", "0.2", "-W", "2", ip);
                System.out.println("[rig] testpmd: " + ping.lines().getLast());
                assertTrue(ping.out().contains("3 packets transmitted, 3 received"), () -> ping + "\n" + read(log));
            }
            Run full = run("ip", "netns", "exec", peer, "ping", "-c", "2", "-i", "0.2", "-W", "2", "-M", "do", "-s", "1472",
                "198.18.2.2");
            assertTrue(full.out().contains("2 packets transmitted, 2 received"), () -> "full-size frames: " + full);
        } finally {
            Run down = run(rig().toString(), "down", "--prefix", p, "--env-file", envFile.toString());
            assertEquals(0, down.exit(), down::toString);
            assertTrue(down.hasLineStartingWith("stop pid " + testpmd.pid() + " (dpdk-testpmd "), down::toString);
            assertTrue(testpmd.waitFor(10, TimeUnit.SECONDS), "testpmd still running after down");
        }
        assertFalse(Files.exists(Path.of("/var/run/dpdk", p)), "DPDK's runtime directory of the rig left behind");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(cannot read " + file + ")";
        }
    }

    // ================================================================================ check-host.sh

    @Test
    void check_host_reports_each_check_on_this_machine() {
        Run text = run(host("check-host.sh").toString());
        System.out.println("[host] " + text);
        List<String> lines = text.lines();
        assertTrue(lines.size() > 10, text::toString);
        String summary = lines.getLast();
        Matcher m = Pattern.compile("(\\d+) ok, (\\d+) missing, (\\d+) warn").matcher(summary);
        assertTrue(m.matches(), () -> "summary line: " + summary);
        List<String> checks = lines.subList(0, lines.size() - 1);
        for (String l : checks) {
            assertTrue(l.matches("(OK|MISSING|WARN) +[a-z0-9._-]+ +\\S.*"), () -> "not a check line: " + l);
        }
        for (String name : List.of("cpu.sse4_2", "iommu", "vfio-pci", "hugepages", "hugetlbfs", "isolated-cores", "numa",
            "dpdk-nic", "libdpdk", "jdk25", "memlock", "rdma-core")) {
            assertTrue(checks.stream().anyMatch(l -> l.split(" +")[1].equals(name)), () -> "no " + name + " line: " + text);
        }
        long missing = checks.stream().filter(l -> l.startsWith("MISSING")).count();
        assertEquals(Long.parseLong(m.group(2)), missing);
        assertEquals(missing > 0 ? 1 : 0, text.exit(), text::toString);
        // This VM (and CI's) has neither: each is reported, not skipped.
        if (!Files.isDirectory(Path.of("/sys/kernel/iommu_groups/0"))) {
            assertTrue(text.hasLineStartingWith("MISSING  iommu "), text::toString);
        }
        if (readLong("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages") == 0
            && readLong("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages") == 0) {
            assertTrue(text.hasLineStartingWith("MISSING  hugepages       none reserved"), text::toString);
        }
    }

    @Test
    void check_host_json_says_what_the_text_says() throws Exception {
        Environment.requireCommands("python3");
        Run text = run(host("check-host.sh").toString());
        Run json = run(host("check-host.sh").toString(), "--json");
        assertEquals(text.exit(), json.exit());
        Path file = tmp.resolve("check.json");
        Files.writeString(file, json.out());
        // python's json module parses it, and each check comes out as the text has it.
        Run lines = run("python3", "-c", "import json,sys; d=json.load(open(sys.argv[1]));"
            + "[print('%-8s %-15s %s' % (c['status'], c['name'], c['detail'])) for c in d['checks']];"
            + "print('%d ok, %d missing, %d warn' % (d['ok'], d['missing'], d['warn']))", file.toString());
        assertEquals(0, lines.exit(), lines::toString);
        assertEquals(text.out(), lines.out());
    }

    @Test
    void check_host_on_a_prepared_host_finds_it_ready() throws Exception {
        FakeHost h = FakeHost.prepared(tmp.resolve("fake"), 512, "BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt "
            + "isolcpus=managed_irq,domain,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1")
            .nic("0000:81:00.0", "0x15b3", "0x1017", "mlx5_core", "fkmlx0")
            .nic("0000:82:00.0", "0x8086", "0x1563", "vfio-pci", null);
        Run r = run(h.env(), host("check-host.sh").toString());
        System.out.println("[host] prepared fake host: " + r);
        for (String line : List.of(
            "OK       iommu           1 IOMMU groups (intel_iommu=on iommu=pt)",
            "OK       vfio-pci        loaded",
            "OK       hugepages       1024 x 2M (1024 free) = 2048 MiB",
            "OK       hugetlbfs       mounted at /dev/hugepages",
            "OK       isolated-cores  isolcpus=managed_irq,domain,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1",
            "OK       numa            2 node(s): node0 cpus 0-1, node1 cpus 2-3; online cpus 0-3",
            "OK       dpdk-nic        2 NIC(s) ready for DPDK")) {
            assertTrue(r.hasLine(line), () -> "missing: " + line + "\n" + r);
        }
        assertTrue(r.hasLineStartingWith("OK       nic             0000:81:00.0 15b3:1017 driver mlx5_core (fkmlx0) NUMA node 1:"
            + " ConnectX, bifurcated"), r::toString);
        assertTrue(r.hasLineStartingWith("OK       nic             0000:82:00.0 8086:1563 driver vfio-pci NUMA node 1:"
            + " bound for DPDK"), r::toString);
        boolean missing = r.lines().stream().anyMatch(l -> l.startsWith("MISSING"));
        assertEquals(missing ? 1 : 0, r.exit(), r::toString);

        // The same host without pages or isolation: those are reported, and the run fails.
        FakeHost bare = FakeHost.prepared(tmp.resolve("bare"), 0, "BOOT_IMAGE=/vmlinuz");
        Run b = run(bare.env(), host("check-host.sh").toString());
        assertEquals(1, b.exit(), b::toString);
        assertTrue(b.hasLineStartingWith("MISSING  hugepages ") && b.hasLineStartingWith("MISSING  hugetlbfs ")
            && b.hasLineStartingWith("WARN     isolated-cores  none") && b.hasLineStartingWith("MISSING  dpdk-nic "),
            b::toString);
    }

    // ================================================================================= hugepages.sh

    @Test
    void hugepages_status_and_dry_run_on_this_machine() {
        Run status = run(host("hugepages.sh").toString(), "--status");
        System.out.println("[host] " + status);
        assertTrue(status.hasLineStartingWith("hugepages 2M "), status::toString);
        String last = status.lines().getLast();
        assertEquals(last.startsWith("READY") ? 0 : 1, status.exit(), status::toString);
        assertTrue(last.startsWith("READY") || last.startsWith("NOT READY: "), status::toString);

        long before = readLong("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
        Run dry = run(host("hugepages.sh").toString(), "--pages", "64", "--dry-run");
        System.out.println("[host] " + dry);
        assertEquals(0, dry.exit(), dry::toString);
        assertTrue(dry.lines().stream().anyMatch(l -> l.matches(
            "echo 64 > /sys/(devices/system/node/node\\d+|kernel/mm)/hugepages/hugepages-2048kB/nr_hugepages")), dry::toString);
        assertTrue(dry.hasLine("# dry run: nothing was changed"), dry::toString);
        assertEquals(before, readLong("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"), "dry run changed the pool");
    }

    @Test
    void hugepages_reserves_on_every_node_of_a_fake_host() throws Exception {
        FakeHost h = FakeHost.prepared(tmp.resolve("fake"), 0, "");
        Run dry = run(h.env(), host("hugepages.sh").toString(), "--pages", "8", "--size", "1G", "--dry-run");
        assertEquals(0, dry.exit(), dry::toString);
        for (int node = 0; node < 2; node++) {
            assertTrue(dry.hasLine("echo 8 > " + h.root + "/sys/devices/system/node/node" + node
                + "/hugepages/hugepages-1048576kB/nr_hugepages"), dry::toString);
        }
        assertTrue(dry.hasLine("mount -t hugetlbfs -o pagesize=1G nodev /dev/hugepages-1G"), dry::toString);

        Run one = run(h.env(), host("hugepages.sh").toString(), "--pages", "16", "--node", "1", "--no-mount", "--dry-run");
        assertEquals(1, one.lines().stream().filter(l -> l.startsWith("echo ")).count(), one::toString);
        Run noNode = run(h.env(), host("hugepages.sh").toString(), "--pages", "16", "--node", "5", "--dry-run");
        assertEquals(2, noNode.exit(), noNode::toString);
        assertTrue(noNode.err().contains("no NUMA node 5"), noNode::toString);

        // For real, into the fake pools (root only: the script wants root to write).
        if (Environment.isRoot()) {
            Run real = run(h.env(), host("hugepages.sh").toString(), "--pages", "32", "--no-mount");
            assertEquals(0, real.exit(), real::toString);
            assertTrue(real.hasLine("OK node0: 32 x 2M reserved") && real.hasLine("OK node1: 32 x 2M reserved"), real::toString);
            assertEquals("32", Files.readString(h.root.resolve(
                "sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages")).strip());
        }
    }

    // ================================================================================== bind-nic.sh

    @Test
    void bind_nic_refuses_what_is_not_a_pci_nic() {
        Run lo = run(host("bind-nic.sh").toString(), "--dry-run", "lo");
        assertEquals(1, lo.exit(), lo::toString);
        assertTrue(lo.hasLine("REFUSED lo: not a PCI device (the loopback interface): nothing to bind"), lo::toString);
        Run none = run(host("bind-nic.sh").toString(), "--dry-run", "nosuch0", "0000:ff:1f.7");
        assertEquals(1, none.exit(), none::toString);
        assertTrue(none.hasLineStartingWith("REFUSED nosuch0: no such interface")
            && none.hasLine("REFUSED 0000:ff:1f.7: no such PCI device"), none::toString);
        Run usage = run(host("bind-nic.sh").toString());
        assertEquals(2, usage.exit(), usage::toString);
    }

    @Test
    void bind_nic_will_not_take_the_interface_with_the_default_route() {
        Environment.requireCommands("ip");
        String route = run("ip", "-4", "route", "show", "default").out();
        Matcher m = Pattern.compile(" dev (\\S+)").matcher(route);
        Assumptions.assumeTrue(m.find(), "skipped: this machine has no default route");
        String dev = m.group(1);
        Assumptions.assumeTrue(Files.exists(Path.of("/sys/class/net", dev, "device")),
            "skipped: the default route's " + dev + " is not a PCI device");
        Run r = run(host("bind-nic.sh").toString(), "--dry-run", dev);
        System.out.println("[host] " + r);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("REFUSED ") && l.contains("(" + dev + "): " + dev
            + " carries the default route")), r::toString);
        assertFalse(r.out().contains("--bind="), r::toString);
    }

    @Test
    void bind_nic_binds_an_intel_nic_and_explains_a_connectx_on_a_fake_host() throws Exception {
        FakeHost h = FakeHost.prepared(tmp.resolve("fake"), 0, "")
            .nic("0000:81:00.0", "0x15b3", "0x1017", "mlx5_core", "fkmlx0")
            .nic("0000:82:00.0", "0x8086", "0x1563", "ixgbe", "fkix0")
            .nic("0000:83:00.0", "0x8086", "0x1572", "vfio-pci", null);
        Run r = run(h.env(), host("bind-nic.sh").toString(), "--dry-run", "fkix0", "81:00.0");
        System.out.println("[host] fake host: " + r);
        assertEquals(0, r.exit(), r::toString);
        String devbind = r.lines().stream().filter(l -> l.contains("--bind=vfio-pci")).findFirst().orElse("");
        assertTrue(devbind.matches("\\S*dpdk-devbind(\\.py)? --bind=vfio-pci 0000:82:00\\.0"), r::toString);
        assertTrue(r.hasLine("echo ixgbe > " + h.root + "/run/bypass-bind/0000:82:00.0.driver"), r::toString);
        assertTrue(r.hasLine("ip link set dev fkix0 down"), r::toString);
        assertTrue(r.hasLine("CONNECTX 0000:81:00.0: Mellanox/NVIDIA ConnectX (15b3:1017), driver mlx5_core, "
            + "interfaces fkmlx0, NUMA node 1"), r::toString);
        assertTrue(r.out().contains("mlx5 is bifurcated") && r.hasLineStartingWith("  EAL: -a 0000:81:00.0 ")
            && r.hasLineStartingWith("  rdma-core: "), r::toString);
        assertEquals(1, r.lines().stream().filter(l -> l.contains("--bind=")).count(), "only the Intel NIC is bound");

        // --unbind gives a vfio-pci device back to the driver recorded for it, or asks which.
        Run ask = run(h.env(), host("bind-nic.sh").toString(), "--dry-run", "--unbind", "0000:83:00.0");
        assertEquals(1, ask.exit(), ask::toString);
        assertTrue(ask.out().contains("which kernel driver?"), ask::toString);
        h.file("run/bypass-bind/0000:83:00.0.driver", "i40e");
        Run back = run(h.env(), host("bind-nic.sh").toString(), "--dry-run", "--unbind", "0000:83:00.0");
        assertEquals(0, back.exit(), back::toString);
        assertTrue(back.lines().stream().anyMatch(l -> l.matches("\\S*dpdk-devbind(\\.py)? --bind=i40e 0000:83:00\\.0")),
            back::toString);

        // Without an IOMMU, vfio-pci needs --noiommu.
        Files.delete(h.root.resolve("sys/kernel/iommu_groups/7"));
        Run noIommu = run(h.env(), host("bind-nic.sh").toString(), "--dry-run", "fkix0");
        assertEquals(1, noIommu.exit(), noIommu::toString);
        assertTrue(noIommu.hasLineStartingWith("REFUSED no IOMMU on this host"), noIommu::toString);
        Run unsafe = run(h.env(), host("bind-nic.sh").toString(), "--dry-run", "--noiommu", "fkix0");
        assertEquals(0, unsafe.exit(), unsafe::toString);
        assertTrue(unsafe.hasLine("modprobe vfio enable_unsafe_noiommu_mode=1"), unsafe::toString);
    }

    // ============================================================================= isolate-cores.sh

    @Test
    void isolate_cores_prints_the_kernel_command_line_and_moves_irqs_on_a_fake_host() throws Exception {
        FakeHost h = FakeHost.prepared(tmp.resolve("fake"), 0, "BOOT_IMAGE=/vmlinuz quiet")
            .file("proc/irq/30/smp_affinity_list", "0-3").dir("proc/irq/30/eth0-rx-0")
            .file("proc/irq/31/smp_affinity_list", "1")
            .file("proc/irq/default_smp_affinity", "f");
        Run print = run(h.env(), host("isolate-cores.sh").toString());
        System.out.println("[host] fake host: " + print);
        assertEquals(0, print.exit(), print::toString);
        assertTrue(print.hasLine("isolate 1-3; housekeeping 0 (online 0-3)"), print::toString);
        assertTrue(print.hasLine("kernel command line: isolcpus=managed_irq,domain,1-3 nohz_full=1-3 rcu_nocbs=1-3 "
            + "irqaffinity=0"), print::toString);

        Run irqs = run(h.env(), host("isolate-cores.sh").toString(), "--cores", "2-3", "--irqs", "--apply", "--dry-run");
        assertEquals(0, irqs.exit(), irqs::toString);
        assertTrue(irqs.hasLine("echo 0-1 > " + h.root + "/proc/irq/30/smp_affinity_list"), irqs::toString);
        assertTrue(irqs.hasLine("# irq 30 (eth0-rx-0): 0-3 -> 0-1"), irqs::toString);
        assertFalse(irqs.out().contains("/proc/irq/31/"), () -> "irq 31 is on a housekeeping core already: " + irqs);
        assertTrue(irqs.hasLine("echo 00000003 > " + h.root + "/proc/irq/default_smp_affinity"), irqs::toString);
        String params = "isolcpus=managed_irq,domain,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1";
        assertTrue(irqs.lines().stream().anyMatch(l -> l.equals("GRUB_CMDLINE_LINUX=\"${GRUB_CMDLINE_LINUX} " + params + "\"")
            || l.startsWith("grubby --update-kernel=ALL --args=")), irqs::toString);
        assertEquals("0-3", Files.readString(h.root.resolve("proc/irq/30/smp_affinity_list")).strip(), "dry run moved an IRQ");

        Run amd = run(h.env(), host("isolate-cores.sh").toString(), "--cores", "3", "--iommu", "amd");
        assertTrue(amd.hasLine("kernel command line: isolcpus=managed_irq,domain,3 nohz_full=3 rcu_nocbs=3 "
            + "irqaffinity=0-2 amd_iommu=on iommu=pt"), amd::toString);
        assertEquals(2, run(h.env(), host("isolate-cores.sh").toString(), "--iommu", "arm").exit());

        for (String cores : List.of("0-3", "7", "2-x")) {
            Run bad = run(h.env(), host("isolate-cores.sh").toString(), "--cores", cores);
            assertEquals(2, bad.exit(), bad::toString);
            assertFalse(bad.err().isBlank(), bad::toString);
        }
    }

    @Test
    void isolate_cores_on_this_machine_prints_without_changing_anything() {
        Run r = run(host("isolate-cores.sh").toString(), "--irqs", "--dry-run");
        System.out.println("[host] " + r);
        if (Runtime.getRuntime().availableProcessors() < 2) {
            assertEquals(2, r.exit(), r::toString);
            return;
        }
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.hasLineStartingWith("kernel command line: isolcpus=managed_irq,domain,"), r::toString);
        assertTrue(r.hasLine("# dry run: nothing was changed"), r::toString);
        assertTrue(r.lines().stream().filter(l -> !l.startsWith("#")).allMatch(l -> !l.startsWith("echo ")
            || l.matches("echo \\S+ > /proc/irq/(\\d+/smp_affinity_list|default_smp_affinity)")), r::toString);
    }

    // ================================================================================ all the scripts

    @Test
    void every_script_has_help_and_the_host_scripts_that_change_things_have_dry_run() {
        for (Path s : List.of(rig(), host("hugepages.sh"), host("bind-nic.sh"), host("check-host.sh"),
            host("isolate-cores.sh"))) {
            assertTrue(Files.isExecutable(s), s + " is not executable");
            Run help = run(s.toString(), "--help");
            assertEquals(0, help.exit(), help::toString);
            assertTrue(help.out().startsWith("usage: "), help::toString);
            if (!s.endsWith("check-host.sh")) {
                assertTrue(help.out().contains("--dry-run"), () -> s + " --help does not mention --dry-run");
            }
        }
    }

    @Test
    void scripts_are_shellcheck_clean() {
        Environment.require(Environment.hasCommand("shellcheck"),
            "shellcheck is not installed (apt-get install shellcheck; .ci/run installs it)");
        List<String> cmd = new ArrayList<>(List.of("shellcheck", "-x", "-P", "SCRIPTDIR"));
        try (Stream<Path> host = Files.list(Scripts.HW_TEST.resolve("host"))) {
            host.filter(p -> p.toString().endsWith(".sh")).sorted().forEach(p -> cmd.add(p.toString()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        cmd.add(rig().toString());
        cmd.add(Scripts.HW_TEST.resolve("packetdrill/run-kernel.sh").toString());
        assertTrue(cmd.size() >= 9, cmd::toString);
        Run r = run(cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), r::toString);
    }

    // ===================================================================================== helpers

    private static Run ok(Run r) {
        assertEquals(0, r.exit(), r::toString);
        return r;
    }

    private static long rxPackets(String ns, String link) {
        return Long.parseLong(ok(run("ip", "netns", "exec", ns, "cat", "/sys/class/net/" + link + "/statistics/rx_packets"))
            .out().strip());
    }

    private static long readLong(String file) {
        try {
            return Long.parseLong(Files.readString(Path.of(file)).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Waits until {@code pid} runs in namespace {@code ns} (ip netns exec has switched and exec'd). */
    private static void awaitInNamespace(String ns, long pid) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (run("ip", "netns", "pids", ns).lines().contains(Long.toString(pid))
                && ProcessHandle.of(pid).flatMap(h -> h.info().command()).map(c -> c.endsWith("sleep")).orElse(false)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("pid " + pid + " never showed up in " + ns);
    }
}
