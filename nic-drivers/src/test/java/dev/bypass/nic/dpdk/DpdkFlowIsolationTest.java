package dev.bypass.nic.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.testing.Environment;
import dev.bypass.testing.netns.NetNs;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Flow isolation against real PMDs: af_packet, which has no rte_flow (refused: {@code on} fails the open
 * cleanly, {@code auto} opens without isolation), and net_tap, whose rte_flow is TC flower on its kernel
 * interface: where the kernel has it (cls_flower, sch_multiq, act_skbedit, act_gact), frames to our address
 * reach the DPDK queue and frames to another address do not; where it has not, the PMD takes
 * rte_flow_isolate but refuses the rules, which the test checks against DPDK's own log. Namespaces, links and
 * addresses (198.18.0.0/15) are the test's own. Needs root, ip, ping and the shim; skips locally without
 * them, fails in CI.
 */
class DpdkFlowIsolationTest {
    private static final AtomicInteger TAPS = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(5);

    private DpdkEal eal;

    @BeforeEach
    void requireDpdk() throws Exception {
        eal = DpdkTesting.requireEal();
        Environment.requireCommands("ping");
    }

    @AfterAll
    static void nothing_is_left_behind() {
        NetNs.assertNothingLeftBehind();
    }

    // ======================================================================================= af_packet

    @Test
    void on_fails_on_af_packet_naming_the_pmd_the_call_and_what_to_use_instead_and_leaves_the_port_free()
        throws Exception {
        try (VethNetwork net = VethNetwork.open(eal)) {
            net.device().close(); // the veth stays; the port is free for the opens below
            DpdkConfig plain = DpdkConfig.afPacket(net.dpdkLink()).withNetworkNamespace(net.dpdkSide().name());
            DpdkException e = assertThrows(DpdkException.class,
                () -> DpdkDevice.open(eal, plain.withFlowIsolation(net.deviceIp())));
            String m = e.getMessage();
            assertTrue(m.startsWith(plain.deviceName() + ": flow isolation refused by the net_af_packet PMD"), m);
            assertTrue(m.contains("rte_flow_isolate(port "), m);
            assertTrue(m.contains("Function not implemented (errno 38)"), m);
            assertTrue(m.contains("no rte_flow support"), m);
            assertTrue(m.contains("flow-isolation = \"on\""), m);
            assertTrue(m.contains("exception-tap") && m.contains("\"auto\"") && m.contains("\"off\""), m);

            // Nothing left behind: the vdev was removed and the port released, so the same port opens again,
            // and receives (the kernel's ARP request for the address nobody answers).
            try (DpdkDevice again = DpdkDevice.open(eal, plain)) {
                assertFalse(again.flowIsolated());
                assertTrue(again.flowIsolationStatus().startsWith("off (not asked)"), again.flowIsolationStatus());
                NetNs.Background ping = net.kernel().start("ping", "-c", "2", "-W", "1", net.deviceIpText());
                try {
                    assertTrue(receivedArpRequestFor(again, net.deviceIp()), "no ARP request after the failed open");
                } finally {
                    ping.stop();
                }
                DpdkTesting.assertAllMbufsBack(again);
            }
        }
    }

    @Test
    void auto_opens_af_packet_without_isolation_and_says_why() throws Exception {
        try (VethNetwork net = VethNetwork.open(eal, c -> c.withFlowIsolation(FlowIsolation.auto(IpAddress.ofV4(198, 18,
            0, 2).v4())))) {
            DpdkDevice nic = net.device();
            assertFalse(nic.flowIsolated());
            assertEquals(java.util.List.of(), nic.flowIsolationRules());
            String status = nic.flowIsolationStatus();
            assertTrue(status.startsWith("off (flow-isolation auto): rte_flow_isolate(port "), status);
            assertTrue(status.contains("no rte_flow support") && status.contains("net_af_packet"), status);
            assertTrue(status.endsWith("every frame the port receives reaches its queues"), status);
            System.out.println("[dpdk] af_packet, flow-isolation auto: " + status);
            // Not isolated: an ARP request for an address that is not the one given still arrives.
            NetNs.Background ping = net.kernel().start("ping", "-c", "2", "-W", "1", net.deviceIpText());
            try {
                assertTrue(receivedArpRequestFor(nic, net.deviceIp()));
            } finally {
                ping.stop();
            }
        }
    }

    // ========================================================================================= net_tap

    @Test
    void net_tap_isolates_to_our_address_where_its_kernel_has_tc_flower_and_refuses_cleanly_where_not()
        throws Exception {
        try (NetNs ns = NetNs.create("tap")) {
            String iface = NetNs.uniqueLinkName("bpt");
            int ours = IpAddress.ofV4(198, 18, 250, 2).v4();
            DpdkConfig tap = tapConfig(ns, iface);
            DpdkDevice nic;
            try {
                nic = DpdkDevice.open(eal, tap.withFlowIsolation(ours));
            } catch (DpdkException e) {
                // Observed on this machine's kernel (6.18 without cls_flower or sch_multiq): net_tap disables its
                // rte_flow at probe ("failed to create multiq qdisc ... Disabling rte flow support"), takes
                // rte_flow_isolate anyway (before configure it only records the wish) and refuses the first rule.
                String m = e.getMessage();
                System.out.println("[dpdk] net_tap, flow-isolation on: " + m.replace('\n', ' '));
                assertTrue(m.startsWith(tap.deviceName() + ": flow isolation refused by the net_tap PMD"), m);
                assertTrue(m.contains("Disabling rte flow support"),
                    "net_tap refused isolation although its kernel has TC flower: " + m);
                assertTrue(m.contains("rte_flow_create(ARP to queue 0) failed"), m);
                assertTrue(m.contains("exception-tap"), m);
                assertFalse(ns.exec("ip", "link", "show", iface).ok(), "the TAP interface outlived the failed open");
                // auto on the same kernel: open without isolation, frames to any address arrive.
                try (DpdkDevice auto = DpdkDevice.open(eal, tap.withFlowIsolation(FlowIsolation.auto(ours)))) {
                    assertFalse(auto.flowIsolated());
                    String status = auto.flowIsolationStatus();
                    assertTrue(status.startsWith("off (flow-isolation auto): the port took rte_flow_isolate but refused "
                        + "its rules: rte_flow_create(ARP to queue 0) failed"), status);
                    System.out.println("[dpdk] net_tap, flow-isolation auto: " + status);
                    int[] seen = pingBoth(ns, iface, auto, ours);
                    assertTrue(seen[0] > 0 && seen[1] > 0, "without isolation both addresses reach DPDK: " + seen[0]
                        + " to ours, " + seen[1] + " to the other");
                }
                return;
            }
            try (nic) {
                // The kernel has TC flower: the real thing.
                assertTrue(nic.flowIsolated(), nic.flowIsolationStatus());
                System.out.println("[dpdk] net_tap, flow-isolation on: " + nic.flowIsolationStatus());
                int[] seen = pingBoth(ns, iface, nic, ours);
                assertTrue(seen[0] >= 2, "frames to our address reached DPDK: " + seen[0]);
                assertEquals(0, seen[1], "frames to another address must not reach DPDK under isolation");
            }
            assertFalse(ns.exec("ip", "link", "show", iface).ok(), "the TAP interface outlived the device");
        }
    }

    /** net_tap with its kernel interface {@code iface} made in {@code ns} (the control thread's namespace). */
    private static DpdkConfig tapConfig(NetNs ns, String iface) {
        String name = "net_tap_bpf" + ProcessHandle.current().pid() + "_" + TAPS.incrementAndGet();
        return DpdkConfig.port(name).withDevargs(name + ",iface=" + iface).withNetworkNamespace(ns.name())
            .withPool(2047, DpdkConfig.DEFAULT_MBUF_DATA_ROOM).withDescriptors(256, 256);
    }

    /**
     * Gives the TAP's kernel side 198.18.250.1/24 (IPv6 off, no route beyond the subnet) and static neighbours
     * for our address and 198.18.250.3, both at the device's MAC; pings each 3 times; returns how many IPv4
     * frames to each reached queue 0.
     */
    private static int[] pingBoth(NetNs ns, String iface, DpdkDevice nic, int ours) {
        String other = "198.18.250.3";
        ns.sysctl("net.ipv6.conf." + iface + ".disable_ipv6", "1");
        ns.addAddress(iface, "198.18.250.1/24");
        ns.linkUp(iface);
        String mac = MacAddress.toString(nic.macAddress());
        ns.exec("ip", "neigh", "replace", IpAddress.v4ToString(ours), "lladdr", mac, "dev", iface, "nud", "permanent")
            .requireSuccess();
        ns.exec("ip", "neigh", "replace", other, "lladdr", mac, "dev", iface, "nud", "permanent").requireSuccess();
        drain(nic);
        ns.exec("ping", "-c", "3", "-i", "0.2", "-W", "1", IpAddress.v4ToString(ours));
        ns.exec("ping", "-c", "3", "-i", "0.2", "-W", "1", other);
        int[] seen = new int[2];
        int otherIp = IpAddress.ofV4(198, 18, 250, 3).v4();
        Frame[] frames = new Frame[32];
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() - deadline < 0 && (seen[0] < 3 || seen[1] < 3)) {
            int n = nic.receive(0, frames, frames.length, 0);
            for (int i = 0; i < n; i++) {
                Frame f = frames[i];
                EthernetHeader eth = new EthernetHeader().wrap(f.buffer(), f.offset());
                if (eth.outerType() == EthernetHeader.TYPE_IPV4) {
                    int to = new Ipv4Header().wrap(f.buffer(), f.offset() + EthernetHeader.LENGTH).destination();
                    seen[0] += to == ours ? 1 : 0;
                    seen[1] += to == otherIp ? 1 : 0;
                }
                f.release();
            }
            if (n == 0) {
                Thread.onSpinWait();
            }
        }
        return seen;
    }

    private static boolean receivedArpRequestFor(DpdkDevice nic, int target) {
        Frame[] frames = new Frame[32];
        long deadline = System.nanoTime() + WAIT.toNanos();
        boolean found = false;
        while (!found && System.nanoTime() - deadline < 0) {
            int n = nic.receive(0, frames, frames.length, 0);
            for (int i = 0; i < n; i++) {
                Frame f = frames[i];
                EthernetHeader eth = new EthernetHeader().wrap(f.buffer(), f.offset());
                if (eth.outerType() == EthernetHeader.TYPE_ARP && f.length() >= EthernetHeader.LENGTH + 28) {
                    // ARP target protocol address: bytes 24..27 of the ARP packet.
                    int tpa = f.buffer().getInt(f.offset() + EthernetHeader.LENGTH + 24, java.nio.ByteOrder.BIG_ENDIAN);
                    found |= tpa == target;
                }
                f.release();
            }
        }
        return found;
    }

    private static void drain(DpdkDevice nic) {
        Frame[] frames = new Frame[32];
        int n;
        while ((n = nic.receive(0, frames, frames.length, 0)) > 0) {
            for (int i = 0; i < n; i++) {
                frames[i].release();
            }
        }
    }
}
