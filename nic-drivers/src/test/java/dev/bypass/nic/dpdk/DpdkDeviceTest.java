package dev.bypass.nic.dpdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.tap.PingResponder;
import dev.bypass.nic.testing.Packets;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.DirectFramePool;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.testing.Environment;
import dev.bypass.testing.netns.NetNs;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DPDK driver against the real kernel: DPDK's af_packet PMD on one end of a veth, the kernel (or a
 * second DPDK port) on the other, each end in a namespace the test creates. Needs root, ip, ethtool, ping
 * and the DPDK shim ({@code native/}, built when libdpdk-dev is installed); skips locally without them,
 * fails in CI.
 */
class DpdkDeviceTest {
    /** A local experimental EtherType (IEEE 802 "local experimental 1"): the kernel takes and drops it. */
    private static final int ETHERTYPE_EXPERIMENTAL = 0x88B5;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Pattern RTT = Pattern.compile("rtt min/avg/max/mdev = [\\d.]+/[\\d.]+/[\\d.]+/[\\d.]+ ms");

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

    // =========================================================================== kernel -> DPDK

    @Test
    void the_kernel_s_arp_request_arrives_with_every_field_right() throws Exception {
        try (VethNetwork net = VethNetwork.open(eal)) {
            DpdkDevice nic = net.device();
            // Nobody answers for 198.18.X.2 yet: the kernel broadcasts ARP requests for it.
            NetNs.Background ping = net.kernel().start("ping", "-c", "1", "-W", "1", net.deviceIpText());
            Frame arp = receiveFirst(nic, 0, f -> isArp(f, ArpPacket.OPERATION_REQUEST));
            try {
                UnsafeBuffer b = arp.buffer();
                int at = arp.offset();
                EthernetHeader eth = new EthernetHeader().wrap(b, at);
                assertEquals(MacAddress.BROADCAST, eth.destination());
                assertEquals(net.kernelMac(), eth.source());
                assertEquals(EthernetHeader.TYPE_ARP, eth.outerType());
                ArpPacket request = new ArpPacket().wrap(b, at + EthernetHeader.LENGTH);
                assertTrue(request.isEthernetIpv4());
                assertEquals(net.kernelMac(), request.senderMac());
                assertEquals(net.kernelIp(), request.senderIp());
                assertEquals(0, request.targetMac());
                assertEquals(net.deviceIp(), request.targetIp());
                assertEquals(EthernetHeader.LENGTH + ArpPacket.LENGTH, arp.length(), "a veth does not pad");

                // The frame is the mbuf: its buffer starts at buf_addr, the data at the headroom.
                assertNotEquals(0, arp.handle());
                assertEquals(eal.mbufLayout().headroom(), arp.offset());
                assertEquals(DpdkConfig.DEFAULT_MBUF_DATA_ROOM, arp.capacity());
                assertEquals(0, arp.queue());
                assertEquals(0, arp.rxFlags(), "af_packet checks no checksum and computes no hash");
            } finally {
                arp.release();
            }
            ping.await(WAIT);
            drain(nic);
            assertTrue(nic.counter(DpdkCounter.RX_FRAMES) >= 1);
            assertEquals(nic.counter(DpdkCounter.RX_FRAMES), nic.portStats().ipackets());
            assertEquals(nic.counter(DpdkCounter.RX_BYTES), nic.portStats().ibytes());
            assertEquals(0, nic.rxDropped());
            assertPoolFull(nic);
        }
    }

    // =========================================================================== DPDK -> kernel

    @Test
    void an_arp_request_sent_through_dpdk_is_answered_by_the_kernel() throws Exception {
        try (VethNetwork net = VethNetwork.open(eal)) {
            DpdkDevice nic = net.device();
            Packets p = Packets.between(nic.macAddress(), MacAddress.BROADCAST);
            p.sourceIp = net.deviceIp();
            p.destinationIp = net.kernelIp();
            nic.transmit(0, Packets.frame(nic.pool(), p.arp()), 0);
            assertEquals(1, nic.flush(0, 0));
            assertEquals(1, nic.counter(DpdkCounter.TX_FRAMES));
            assertEquals(42, nic.counter(DpdkCounter.TX_BYTES));

            Frame reply = receiveFirst(nic, 0, f -> isArp(f, ArpPacket.OPERATION_REPLY));
            try {
                EthernetHeader eth = new EthernetHeader().wrap(reply.buffer(), reply.offset());
                assertEquals(nic.macAddress(), eth.destination());
                assertEquals(net.kernelMac(), eth.source());
                ArpPacket arp = new ArpPacket().wrap(reply.buffer(), reply.offset() + EthernetHeader.LENGTH);
                assertEquals(net.kernelMac(), arp.senderMac());
                assertEquals(net.kernelIp(), arp.senderIp());
                assertEquals(nic.macAddress(), arp.targetMac());
                assertEquals(net.deviceIp(), arp.targetIp());
            } finally {
                reply.release();
            }
            // The kernel learned our address from the request: the frame went out as it was built.
            String neighbours = net.kernel().exec("ip", "neigh", "show", net.deviceIpText()).requireSuccess().stdout();
            assertTrue(neighbours.contains(MacAddress.toString(nic.macAddress())), neighbours);
            assertEquals(1, nic.portStats().opackets());
            assertEquals(0, nic.txDropped());
            assertPoolFull(nic);
        }
    }

    @Test
    void the_kernel_pings_through_dpdk_and_every_echo_is_answered() throws Exception {
        try (VethNetwork net = VethNetwork.open(eal)) {
            DpdkDevice nic = net.device();
            PingResponder responder = new PingResponder(nic, net.deviceIp());
            NetNs.Result ping = respondWhile(net, responder, "ping", "-c", "5", "-i", "0.05", "-W", "2",
                net.deviceIpText());

            assertTrue(ping.ok() && ping.stdout().contains("5 received"), ping::toString);
            assertEquals(5, responder.echoRequests, responder::toString);
            assertEquals(net.kernelMac(), responder.lastArpRequester);
            assertEquals(0, responder.malformed);
            assertEquals(responder.repliesQueued, nic.counter(DpdkCounter.TX_FRAMES));
            assertEquals(0, nic.txDropped());
            assertPoolFull(nic);
            System.out.println("[dpdk] kernel ping -c 5 through af_packet: " + rttLine(ping));
        }
    }

    @Test
    void full_size_frames_pass_both_ways() throws Exception {
        try (VethNetwork net = VethNetwork.open(eal)) {
            DpdkDevice nic = net.device();
            PingResponder responder = new PingResponder(nic, net.deviceIp());
            // data + 8 bytes ICMP header + 20 bytes IPv4 header = MTU 1500, never fragmented (-M do).
            NetNs.Result ping = respondWhile(net, responder, "ping", "-c", "2", "-i", "0.05", "-W", "2", "-M", "do",
                "-s", "1472", net.deviceIpText());

            assertTrue(ping.ok() && ping.stdout().contains("2 received"), ping::toString);
            assertEquals(EthernetHeader.LENGTH + 1500, responder.longestReceived);
            assertEquals(EthernetHeader.LENGTH + 1500, responder.longestSent);
            assertPoolFull(nic);
        }
    }

    @Test
    void steady_state_receive_and_transmit_allocate_nothing() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (VethNetwork net = VethNetwork.open(eal)) {
            DpdkDevice nic = net.device();
            PingResponder responder = new PingResponder(nic, net.deviceIp());
            // Rounds of flood ping; once the JIT has compiled the loop a round must allocate nothing.
            long allocated = -1;
            NetNs.Result ping = null;
            int round = 0;
            while (allocated != 0 && round < 10) {
                round++;
                long echoBefore = responder.echoRequests;
                NetNs.Background flood = net.kernel().start("ping", "-f", "-q", "-c", "3000", "-W", "1",
                    net.deviceIpText());
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                long before = threads.getCurrentThreadAllocatedBytes();
                while (!flood.hasExited() && System.nanoTime() - deadline < 0) {
                    if (responder.poll(System.nanoTime()) == 0) {
                        Thread.onSpinWait();
                    }
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
                ping = flood.await(Duration.ofSeconds(1));
                assertTrue(ping.ok() && ping.stdout().contains("3000 received"), ping::toString);
                assertEquals(3000, responder.echoRequests - echoBefore);
            }
            assertEquals(0, allocated, "bytes allocated by the poll thread over 6000 frames in round " + round);
            assertPoolFull(nic);
            System.out.println("[dpdk] ping -f -c 3000 through af_packet, round " + round + " (allocated 0 bytes): "
                + rttLine(ping));
        }
    }

    // ======================================================================== DPDK <-> DPDK

    @Test
    void two_ports_in_one_process_exchange_frames_of_every_size_byte_for_byte() throws Exception {
        try (PortPair pair = PortPair.open(eal, 1)) {
            DpdkDevice a = pair.a();
            DpdkDevice b = pair.b();
            List<byte[]> sent = new ArrayList<>();
            // 60 .. 1514 bytes: one flush of 200 frames is seven tx bursts of at most 32.
            for (int i = 0; i < 200; i++) {
                byte[] frame = experimental(b.macAddress(), a.macAddress(), 60 + (i * 1454) / 199, i);
                sent.add(frame);
                a.transmit(0, Packets.frame(a.pool(), frame), 0);
            }
            assertEquals(200, a.flush(0, 0));
            List<byte[]> received = receiveAll(b, 0, 200);
            for (int i = 0; i < 200; i++) {
                assertArrayEquals(sent.get(i), received.get(i), "frame " + i + " of " + sent.get(i).length + " bytes");
            }
            // And back, through the other port's pool.
            byte[] back = experimental(a.macAddress(), b.macAddress(), 1514, 7777);
            b.transmit(0, Packets.frame(b.pool(), back), 0);
            assertEquals(1, b.flush(0, 0));
            assertArrayEquals(back, receiveAll(a, 0, 1).getFirst());

            assertEquals(200, a.counter(DpdkCounter.TX_FRAMES));
            assertEquals(sent.stream().mapToLong(f -> f.length).sum(), a.counter(DpdkCounter.TX_BYTES));
            assertEquals(200, b.counter(DpdkCounter.RX_FRAMES));
            Map<String, Long> xstats = b.xstats();
            assertEquals(200L, xstats.get("rx_good_packets"), xstats::toString);
            assertEquals(a.counter(DpdkCounter.TX_BYTES), xstats.get("rx_good_bytes"), xstats::toString);
            assertEquals(0, a.txDropped() + b.txDropped() + a.rxDropped() + b.rxDropped());
            assertNotEquals(a.port(), b.port());
            assertPoolFull(a);
            assertPoolFull(b);
        }
    }

    @Test
    void flows_are_spread_over_two_receive_queues_and_each_frame_says_its_queue() throws Exception {
        try (PortPair pair = PortPair.open(eal, 2)) {
            DpdkDevice a = pair.a();
            DpdkDevice b = pair.b();
            assertEquals(2, b.capabilities().rxQueues());
            assertEquals(2, b.capabilities().txQueues());
            int flows = 64;
            Packets p = Packets.between(a.macAddress(), b.macAddress());
            p.sourceIp = 0xC612_FE01;
            p.destinationIp = 0xC612_FE02;
            for (int i = 0; i < flows; i++) {
                p.sourcePort = 10_000 + i;
                a.transmit(0, Packets.frame(a.pool(), p.udp(new byte[] {(byte) i})), 0);
            }
            assertEquals(flows, a.flush(0, 0));
            // The kernel's fanout hashes each flow to one of the two af_packet sockets, the port's queues.
            int[] perQueue = new int[2];
            boolean[] seen = new boolean[flows];
            Frame[] frames = new Frame[32];
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (perQueue[0] + perQueue[1] < flows && System.nanoTime() - deadline < 0) {
                for (int q = 0; q < 2; q++) {
                    int n = b.receive(q, frames, frames.length, 0);
                    for (int i = 0; i < n; i++) {
                        assertEquals(q, frames[i].queue());
                        assertSame(b.pool(q), frames[i].pool(), "a frame of queue " + q + " from another queue's pool");
                        seen[frames[i].buffer().getByte(frames[i].offset() + frames[i].length() - 1)] = true;
                        frames[i].release();
                    }
                    perQueue[q] += n;
                }
            }
            assertEquals(flows, perQueue[0] + perQueue[1]);
            for (boolean s : seen) {
                assertTrue(s);
            }
            assertTrue(perQueue[0] > 0 && perQueue[1] > 0, "64 flows all on one queue: " + perQueue[0] + "/" + perQueue[1]);
            assertEquals(perQueue[0], b.counter(DpdkCounter.RX_FRAMES, 0));
            assertEquals(perQueue[1], b.counter(DpdkCounter.RX_FRAMES, 1));
            assertNotSame(b.pool(0), b.pool(1));
            // af_packet has no RSS key: the kernel's fanout hash picks the socket, so the stack cannot predict it.
            assertNull(b.rssKey());
            assertTrue(b.rssStatus().contains("PACKET_FANOUT_HASH"), b.rssStatus());
            // Sending on the second tx queue works as well.
            a.transmit(0, Packets.frame(a.pool(), experimental(b.macAddress(), a.macAddress(), 100, 1)), 0);
            b.transmit(1, Packets.frame(b.pool(), experimental(a.macAddress(), b.macAddress(), 100, 2)), 0);
            assertEquals(1, a.flush(0, 0));
            assertEquals(1, b.flush(1, 0));
            assertEquals(1, receiveAll(a, 0, 1).size());
            drain(b);
            System.out.println("[dpdk] 64 UDP flows over af_packet qpairs=2: " + perQueue[0] + " on queue 0, "
                + perQueue[1] + " on queue 1");
            assertPoolFull(a);
            assertPoolFull(b);
        }
    }

    @Test
    void offloads_the_port_lacks_are_done_in_software_and_foreign_frames_are_copied() throws Exception {
        try (PortPair pair = PortPair.open(eal, 1)) {
            DpdkDevice a = pair.a();
            DpdkDevice b = pair.b();
            assertEquals(0, a.capabilities().offloads(), "af_packet offers no checksum offload");
            Packets p = Packets.between(a.macAddress(), b.macAddress());
            p.sourceIp = 0xC612_FE01;
            p.destinationIp = 0xC612_FE02;
            // A UDP frame asking for both checksums, as the stack writes it for a NIC that offloads them.
            byte[] udp = p.udp(Packets.payload(300, 1));
            a.transmit(0, Packets.offloaded(a.pool(), udp, Packets.CHECKSUMS_UDP, 0), 0);
            // A TCP super-frame of 1900 bytes of payload (it must fit one mbuf) cut into 500-byte segments.
            byte[] superFrame = p.tcp(Packets.payload(1900, 2));
            a.transmit(0, Packets.offloaded(a.pool(), superFrame, Packets.TSO, 500), 0);
            // A frame from another pool (a decorator's copy): copied into an mbuf.
            try (DirectFramePool foreign = new DirectFramePool("foreign", 4, 2048)) {
                byte[] plain = experimental(b.macAddress(), a.macAddress(), 100, 3);
                a.transmit(0, Packets.frame(foreign, plain), 0);
                assertEquals(6, a.flush(0, 0), "1 UDP + 4 segments + 1 copy");
                assertEquals(4, foreign.available(), "the foreign frame went back to its pool");

                List<byte[]> got = receiveAll(b, 0, 6);
                assertArrayEquals(udp, got.get(0), "checksums filled in exactly as the sender computed them");
                for (int s = 0; s < 4; s++) {
                    byte[] segment = got.get(1 + s);
                    assertEquals(14 + 20 + 20 + (s < 3 ? 500 : 400), segment.length);
                    assertEquals(0xFFFF, ipHeaderSum(segment), "IPv4 checksum of segment " + s);
                    int l4 = segment.length - 34;
                    assertEquals(0xFFFF, Packets.sum(segment, 34, l4, Packets.pseudoHeaderSum(p.sourceIp, p.destinationIp,
                        6, l4)), "TCP checksum of segment " + s);
                    assertEquals(Packets.getInt(superFrame, 38) + 500 * s, Packets.getInt(segment, 38), "sequence");
                    assertArrayEquals(java.util.Arrays.copyOfRange(superFrame, 54 + 500 * s, 54 + 500 * s + l4 - 20),
                        java.util.Arrays.copyOfRange(segment, 54, segment.length), "payload of segment " + s);
                }
                assertArrayEquals(plain, got.get(5));
            }
            assertEquals(2, a.counter(DpdkCounter.TX_SOFTWARE_OFFLOAD));
            assertEquals(1, a.counter(DpdkCounter.TX_COPIED));
            assertEquals(6, a.counter(DpdkCounter.TX_FRAMES));
            assertEquals(0, a.txDropped());
            assertPoolFull(a);
            assertPoolFull(b);
        }
    }

    @Test
    void queue_overflow_oversize_and_frames_left_queued_are_counted_and_freed() throws Exception {
        try (PortPair pair = PortPair.open(eal, 1, c -> c.withTxQueueFrames(4))) {
            DpdkDevice a = pair.a();
            for (int i = 0; i < 6; i++) {
                a.transmit(0, Packets.frame(a.pool(), experimental(pair.b().macAddress(), a.macAddress(), 60, i)), 0);
            }
            assertEquals(2, a.counter(DpdkCounter.TX_DROP_QUEUE_FULL), "queue of 4: frames 5 and 6 dropped");
            assertEquals(4, a.flush(0, 0));
            Frame oversize = Packets.frame(a.pool(), new byte[60]);
            oversize.length(EthernetHeader.LENGTH + EthernetHeader.VLAN_TAG_LENGTH + a.mtu() + 1);
            a.transmit(0, oversize, 0);
            assertEquals(0, a.flush(0, 0));
            assertEquals(1, a.counter(DpdkCounter.TX_DROP_OVERSIZE));
            assertEquals(3, a.txDropped());
            assertEquals(4, receiveAll(pair.b(), 0, 4).size());
            a.transmit(0, Packets.frame(a.pool(), new byte[60]), 0);
            assertEquals(1, a.framesLent(), "one frame waits in the queue");
            a.close();
            assertEquals(0, a.framesLent(), "close released the frame still queued");
        }
    }

    // ===================================================================== a thread per queue

    @Test
    void frames_received_on_a_queue_belong_to_that_queue_s_pool_and_each_queue_counts_its_own() throws Exception {
        try (DpdkDevice ring = DpdkTesting.ringPort(eal, c -> c.withQueues(2, 2))) {
            assertSame(ring.pool(0), ring.pool());
            assertNotSame(ring.pool(0), ring.pool(1));
            for (int q = 0; q < 2; q++) {
                for (int i = 0; i < 5 + q; i++) {
                    ring.transmit(q, Packets.frame(ring.pool(q), experimental(ring.macAddress(), 2, 100 + i, q)), 0);
                }
                assertEquals(5 + q, ring.flush(q, 0));
            }
            Frame[] frames = new Frame[32];
            for (int q = 0; q < 2; q++) {
                int n = ring.receive(q, frames, frames.length, 0);
                assertEquals(5 + q, n, "net_ring: tx queue q feeds rx queue q");
                for (int i = 0; i < n; i++) {
                    assertSame(ring.pool(q), frames[i].pool(), "frame " + i + " of queue " + q);
                    assertEquals(q, frames[i].queue());
                    assertArrayEquals(experimental(ring.macAddress(), 2, 100 + i, q), Packets.take(frames[i]));
                }
                assertEquals(5 + q, ring.counter(DpdkCounter.TX_FRAMES, q));
                assertEquals(5 + q, ring.counter(DpdkCounter.RX_FRAMES, q));
            }
            assertEquals(11, ring.counter(DpdkCounter.RX_FRAMES));
            // A thread that polls both queues sends queue 1's frame on queue 0 as it is: it is the port's mbuf.
            ring.transmit(1, Packets.frame(ring.pool(1), experimental(ring.macAddress(), 2, 300, 9)), 0);
            assertEquals(1, ring.flush(1, 0));
            assertEquals(1, ring.receive(1, frames, frames.length, 0));
            ring.transmit(0, frames[0], 0);
            assertEquals(1, ring.flush(0, 0));
            assertEquals(1, ring.receive(0, frames, frames.length, 0));
            assertSame(ring.pool(0), frames[0].pool());
            assertArrayEquals(experimental(ring.macAddress(), 2, 300, 9), Packets.take(frames[0]));
            assertEquals(0, ring.counter(DpdkCounter.TX_COPIED), "no copy between the port's own pools");
            assertNull(ring.rssKey(), "net_ring does not hash");
            assertTrue(ring.rssStatus().contains("flow types"), ring.rssStatus());
            assertEquals(0, ring.txDropped() + ring.rxDropped());
            DpdkTesting.assertAllMbufsBack(ring);
        }
    }

    @Test
    void two_threads_each_polling_its_own_queue_share_only_the_mempool_and_allocate_nothing() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (DpdkDevice ring = DpdkTesting.ringPort(eal, c -> c.withQueues(2, 2).withPool(4095, 2176)
            .withDescriptors(256, 256))) {
            long[] allocated = {-1, -1};
            long[] frames = new long[2];
            Throwable[] failures = new Throwable[2];
            Thread[] pollers = new Thread[2];
            for (int t = 0; t < 2; t++) {
                int q = t;
                pollers[t] = new Thread(() -> {
                    try {
                        Frame[] burst = new Frame[32];
                        // Rounds of 2000 frames out and back on this queue; once compiled, a round allocates nothing.
                        for (int round = 0; round < 20 && allocated[q] != 0; round++) {
                            long before = threads.getCurrentThreadAllocatedBytes();
                            for (int i = 0; i < 2000 / 32; i++) {
                                for (int k = 0; k < 32; k++) {
                                    Frame f = ring.pool(q).allocate();
                                    f.length(64 + q);
                                    f.buffer().putByte(f.offset(), (byte) q);
                                    ring.transmit(q, f, 0);
                                }
                                ring.flush(q, 0);
                                int n = ring.receive(q, burst, burst.length, 0);
                                for (int k = 0; k < n; k++) {
                                    Frame f = burst[k];
                                    if (f.pool() != ring.pool(q) || f.length() != 64 + q || f.buffer().getByte(f.offset()) != q) {
                                        throw new AssertionError("queue " + q + " got " + f + " of " + f.pool());
                                    }
                                    f.release();
                                }
                                frames[q] += n;
                            }
                            allocated[q] = threads.getCurrentThreadAllocatedBytes() - before;
                        }
                    } catch (Throwable e) {
                        failures[q] = e;
                    }
                }, "dpdk-q" + t);
                pollers[t].start();
            }
            for (Thread t : pollers) {
                t.join(Duration.ofSeconds(60).toMillis());
            }
            for (int q = 0; q < 2; q++) {
                if (failures[q] != null) {
                    throw new AssertionError("queue " + q + "'s thread failed", failures[q]);
                }
                assertEquals(0, allocated[q], "bytes allocated by queue " + q + "'s thread in its last round");
                assertEquals(frames[q], ring.counter(DpdkCounter.RX_FRAMES, q));
                assertEquals(frames[q], ring.counter(DpdkCounter.TX_FRAMES, q));
            }
            assertEquals(0, ring.txDropped() + ring.rxDropped());
            DpdkTesting.assertAllMbufsBack(ring);
            System.out.println("[dpdk] two threads, one net_ring queue each: " + frames[0] + " + " + frames[1]
                + " frames out and back, 0 bytes allocated in the last round of each");
        }
    }

    // ============================================================================ errors, control

    @Test
    void a_missing_interface_is_reported_with_the_namespace_and_dpdk_s_reason() {
        try (NetNs ns = NetNs.create("dpdk")) {
            String missing = NetNs.uniqueLinkName("bpx");
            DpdkException e = assertThrows(DpdkException.class,
                () -> DpdkDevice.open(eal, DpdkConfig.afPacket(missing).withNetworkNamespace(ns.name())));
            String m = e.getMessage();
            assertTrue(m.contains("rte_dev_probe(net_af_packet_" + missing + ",iface=" + missing + ")"), m);
            assertTrue(m.contains("network namespace " + ns.name()), m);
            assertTrue(m.contains("SIOCGIFINDEX"), "DPDK's own log line: " + m);
        }
    }

    @Test
    void rte_flow_calls_reach_the_pmd_which_says_it_has_no_flow_support() throws Exception {
        try (VethNetwork net = VethNetwork.open(eal)) {
            DpdkDevice nic = net.device();
            DpdkFlowRule rule = DpdkFlowRule.toQueue(DpdkFlowRule.TCP, net.deviceIp(), 80, 0);
            DpdkException e = assertThrows(DpdkException.class, () -> nic.validateFlow(rule));
            assertEquals(38, e.errno(), e.getMessage()); // ENOSYS
            assertTrue(e.getMessage().contains("rte_flow_validate") && e.getMessage().contains("no rte_flow support"),
                e.getMessage());
            assertThrows(DpdkException.class, () -> nic.createFlow(rule));
            DpdkPortInfo info = nic.portInfo();
            assertEquals("net_af_packet", info.driverName());
            assertEquals(0, info.retaSize(), "no RSS redirection table");
            assertTrue(nic.linkUp());
        }
    }

    @Test
    void the_same_port_cannot_be_opened_twice() throws Exception {
        try (VethNetwork net = VethNetwork.open(eal)) {
            DpdkConfig again = DpdkConfig.port(net.device().name()).withNetworkNamespace(net.dpdkSide().name());
            DpdkException e = assertThrows(DpdkException.class, () -> DpdkDevice.open(eal, again));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
        }
    }

    @Test
    void close_is_idempotent_and_the_port_goes_away() throws Exception {
        VethNetwork net = VethNetwork.open(eal);
        DpdkDevice nic = net.device();
        int before = Short.toUnsignedInt(DpdkShim.bp_eth_dev_count_avail());
        net.close();
        nic.close();
        assertFalse(nic.linkUp());
        assertEquals(before - 1, Short.toUnsignedInt(DpdkShim.bp_eth_dev_count_avail()));
        assertThrows(IllegalStateException.class, () -> nic.receive(0, new Frame[1], 1, 0));
    }

    // ================================================================================== helpers

    /** Two DPDK ports over one veth pair, each end in a namespace of its own: a wire between two NICs. */
    private record PortPair(NetNs nsA, NetNs nsB, DpdkDevice a, DpdkDevice b) implements AutoCloseable {
        static PortPair open(DpdkEal eal, int queuesOfB) throws DpdkException {
            return open(eal, queuesOfB, c -> c);
        }

        static PortPair open(DpdkEal eal, int queuesOfB, java.util.function.UnaryOperator<DpdkConfig> configA)
            throws DpdkException {
            NetNs nsA = NetNs.create("dpdka");
            NetNs nsB = NetNs.create("dpdkb");
            DpdkDevice a = null;
            try {
                String linkA = NetNs.uniqueLinkName("bpa");
                String linkB = NetNs.uniqueLinkName("bpb");
                nsA.exec("ip", "link", "add", linkA, "type", "veth", "peer", "name", linkB, "netns", nsB.name())
                    .requireSuccess();
                nsA.sysctl("net.ipv6.conf." + linkA + ".disable_ipv6", "1");
                nsB.sysctl("net.ipv6.conf." + linkB + ".disable_ipv6", "1");
                nsA.linkUp(linkA);
                nsB.linkUp(linkB);
                a = DpdkDevice.open(eal, configA.apply(DpdkConfig.afPacket(linkA).withNetworkNamespace(nsA.name())));
                DpdkDevice b = DpdkDevice.open(eal, DpdkConfig.afPacket(linkB, queuesOfB).withNetworkNamespace(nsB.name()));
                return new PortPair(nsA, nsB, a, b);
            } catch (DpdkException | RuntimeException e) {
                if (a != null) {
                    a.close();
                }
                nsA.close();
                nsB.close();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                a.close();
                b.close();
            } finally {
                nsA.close();
                nsB.close();
            }
        }
    }

    /** An Ethernet frame of {@code length} bytes with the experimental EtherType and a numbered pattern. */
    private static byte[] experimental(long destination, long source, int length, int seed) {
        byte[] f = new byte[length];
        UnsafeBuffer b = new UnsafeBuffer(f);
        new EthernetHeader().wrap(b, 0).destination(destination).source(source).type(ETHERTYPE_EXPERIMENTAL);
        for (int i = EthernetHeader.LENGTH; i < length; i++) {
            f[i] = (byte) (i * 7 + seed);
        }
        return f;
    }

    private static boolean isArp(Frame f, int operation) {
        if (f.length() < EthernetHeader.LENGTH + ArpPacket.LENGTH) {
            return false;
        }
        EthernetHeader eth = new EthernetHeader().wrap(f.buffer(), f.offset());
        return eth.outerType() == EthernetHeader.TYPE_ARP
            && new ArpPacket().wrap(f.buffer(), f.offset() + EthernetHeader.LENGTH).operation() == operation;
    }

    /** The first frame on {@code queue} that matches (the caller releases it); others are released. */
    private static Frame receiveFirst(DpdkDevice nic, int queue, Predicate<Frame> match) {
        Frame[] frames = new Frame[32];
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            int n = nic.receive(queue, frames, frames.length, 0);
            Frame found = null;
            for (int i = 0; i < n; i++) {
                if (found == null && match.test(frames[i])) {
                    found = frames[i];
                } else {
                    frames[i].release();
                }
            }
            if (found != null) {
                return found;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no matching frame on " + nic + " within " + WAIT + ": " + counters(nic));
    }

    /** Exactly {@code count} frames from {@code queue}, in order, as bytes; fails on fewer within the wait. */
    private static List<byte[]> receiveAll(DpdkDevice nic, int queue, int count) {
        List<byte[]> got = new ArrayList<>();
        Frame[] frames = new Frame[32];
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (got.size() < count && System.nanoTime() - deadline < 0) {
            int n = nic.receive(queue, frames, frames.length, 0);
            for (int i = 0; i < n; i++) {
                got.add(Packets.take(frames[i]));
            }
        }
        assertEquals(count, got.size(), () -> "frames received on " + nic + ": " + counters(nic));
        return got;
    }

    /** Releases whatever is waiting on every queue. */
    private static void drain(DpdkDevice nic) {
        Frame[] frames = new Frame[32];
        for (int q = 0; q < nic.capabilities().rxQueues(); q++) {
            int n;
            while ((n = nic.receive(q, frames, frames.length, 0)) > 0) {
                for (int i = 0; i < n; i++) {
                    frames[i].release();
                }
            }
        }
    }

    /** Runs {@code command} in the kernel's namespace and answers ARP and pings until it exits. */
    private static NetNs.Result respondWhile(VethNetwork net, PingResponder responder, String... command) {
        NetNs.Background process = net.kernel().start(command);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!process.hasExited() && System.nanoTime() - deadline < 0) {
            if (responder.poll(System.nanoTime()) == 0) {
                Thread.onSpinWait();
            }
        }
        return process.await(Duration.ofSeconds(1));
    }

    /** Every mbuf back: no frame lent, the mempool full (af_packet keeps no mbufs in rings). */
    private static void assertPoolFull(DpdkDevice nic) {
        DpdkTesting.assertAllMbufsBack(nic);
    }

    /** The one's-complement sum of a frame's IPv4 header: 0xFFFF when the checksum is right. */
    private static int ipHeaderSum(byte[] frame) {
        return Packets.sum(frame, EthernetHeader.LENGTH, Ipv4Header.MIN_LENGTH, 0) & 0xFFFF;
    }

    private static String counters(DpdkDevice nic) {
        StringBuilder sb = new StringBuilder();
        for (DpdkCounter c : DpdkCounter.values()) {
            if (nic.counter(c) != 0) {
                sb.append(c.label()).append('=').append(nic.counter(c)).append(' ');
            }
        }
        return sb.append(nic.portStats()).toString();
    }

    private static String rttLine(NetNs.Result ping) {
        Matcher m = RTT.matcher(ping.stdout());
        return m.find() ? m.group() : "(no rtt line)";
    }
}
