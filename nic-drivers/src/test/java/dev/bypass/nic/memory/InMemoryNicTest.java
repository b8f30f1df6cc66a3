package dev.bypass.nic.memory;

import static dev.bypass.nic.memory.InMemoryNetworkTest.receiveAll;
import static dev.bypass.nic.memory.InMemoryNetworkTest.send;
import static dev.bypass.nic.testing.Packets.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.offload.SoftwareOffload;
import dev.bypass.nic.testing.Packets;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.Toeplitz;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.Ipv4Header;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InMemoryNicTest {
    private static final MacAddress MAC_A = MacAddress.local(0xA);
    private static final MacAddress MAC_B = MacAddress.local(0xB);

    private final InMemoryNetwork network = new InMemoryNetwork(2);
    private final List<InMemoryNic> nics = new ArrayList<>();

    @AfterEach
    void close() {
        nics.forEach(InMemoryNic::close);
    }

    private InMemoryNic nic(InMemoryNicConfig.Builder config) {
        InMemoryNic nic = network.connect(config.build());
        nics.add(nic);
        return nic;
    }

    private static Packets aToB() {
        return Packets.between(MAC_A.bits(), MAC_B.bits());
    }

    private static int ip(String dotted) {
        return IpAddress.parse(dotted).v4();
    }

    /** Frames received on each queue of {@code nic}: index = queue. */
    private static List<List<Frame>> receivePerQueue(InMemoryNic nic) {
        List<List<Frame>> perQueue = new ArrayList<>();
        Frame[] burst = new Frame[64];
        for (int q = 0; q < nic.capabilities().rxQueues(); q++) {
            List<Frame> frames = new ArrayList<>();
            int n;
            while ((n = nic.receive(q, burst, burst.length, 0)) > 0) {
                frames.addAll(Arrays.asList(burst).subList(0, n));
            }
            perQueue.add(frames);
        }
        return perQueue;
    }

    // ---- RSS

    @Test
    void rss_picks_the_queue_of_the_specification_hash_for_known_tuples() {
        InMemoryNic a = nic(InMemoryNicConfig.builder("a", MAC_A));
        InMemoryNic b = nic(InMemoryNicConfig.builder("b", MAC_B).rxQueues(4).rssKey(Toeplitz.MICROSOFT_KEY));
        // (source, destination, source port, destination port, hash) from the RSS specification's suite.
        Object[][] suite = {
            {"66.9.149.187", "161.142.100.80", 2794, 1766, 0x51ccc178},
            {"199.92.111.2", "65.69.140.83", 14230, 4739, 0xc626b0ea},
            {"24.19.198.95", "12.22.207.184", 12898, 38024, 0x5c2b394a},
            {"38.27.205.30", "209.142.163.6", 48228, 2217, 0xafc7327f},
            {"153.39.163.191", "202.188.127.2", 44251, 1303, 0x10e828a2},
        };
        for (Object[] row : suite) {
            Packets p = aToB();
            p.sourceIp = ip((String) row[0]);
            p.destinationIp = ip((String) row[1]);
            p.sourcePort = (int) row[2];
            p.destinationPort = (int) row[3];
            int hash = (int) row[4];
            send(a, p.tcp(payload(10, 1)));

            List<List<Frame>> got = receivePerQueue(b);

            int queue = Toeplitz.queueOf(hash, 4);
            assertEquals(1, got.get(queue).size(), "tuple " + Arrays.toString(row) + " on queue " + queue);
            Frame f = got.get(queue).get(0);
            assertEquals(hash, f.rssHash());
            assertEquals(Frame.RX_RSS_HASH, f.rxFlags() & Frame.RX_RSS_HASH);
            assertEquals(queue, f.queue());
            f.release();
        }
        assertTrue(b.capabilities().has(DeviceCapabilities.OFFLOAD_RX_RSS_HASH), "RSS advertised with several queues");
    }

    @Test
    void rss_hashes_addresses_only_for_fragments_and_other_protocols_and_skips_non_ip() {
        InMemoryNic a = nic(InMemoryNicConfig.builder("a", MAC_A));
        InMemoryNic b = nic(InMemoryNicConfig.builder("b", MAC_B).rxQueues(8).rssKey(Toeplitz.MICROSOFT_KEY));
        Packets p = aToB();
        p.sourceIp = ip("66.9.149.187");
        p.destinationIp = ip("161.142.100.80");
        p.ipFlagsAndFragment = Ipv4Header.FLAG_MORE_FRAGMENTS; // first fragment: has ports, still a 2-tuple
        send(a, p.udp(payload(20, 1)));
        byte[] arp = p.arp();
        System.arraycopy(new byte[] {0x02, 0, 0, 0, 0, 0x0B}, 0, arp, 0, 6);
        send(a, arp);

        List<List<Frame>> got = receivePerQueue(b);

        int twoTupleHash = 0x323e8fc2; // the specification's hash of the addresses alone
        Frame fragment = got.get(Toeplitz.queueOf(twoTupleHash, 8)).get(0);
        assertEquals(twoTupleHash, fragment.rssHash());
        Frame nonIp = got.get(0).stream().filter(f -> f.length() == 42).findFirst().orElseThrow();
        assertEquals(0, nonIp.rxFlags() & Frame.RX_RSS_HASH, "no hash for ARP");
        got.forEach(q -> q.forEach(Frame::release));
    }

    @Test
    void with_the_symmetric_key_both_directions_of_a_flow_land_on_the_same_queue() {
        InMemoryNic a = nic(InMemoryNicConfig.builder("a", MAC_A).rxQueues(4));
        InMemoryNic b = nic(InMemoryNicConfig.builder("b", MAC_B).rxQueues(4));
        Toeplitz toeplitz = new Toeplitz(Toeplitz.SYMMETRIC_KEY);
        SplittableRandom random = new SplittableRandom(7);
        int[] queuesSeen = new int[4];
        for (int i = 0; i < 200; i++) {
            Packets forward = aToB();
            forward.sourceIp = random.nextInt();
            forward.destinationIp = random.nextInt();
            forward.sourcePort = random.nextInt(65536);
            forward.destinationPort = random.nextInt(65536);
            Packets reverse = forward.copy();
            reverse.sourceMac = MAC_B.bits();
            reverse.destinationMac = MAC_A.bits();
            reverse.sourceIp = forward.destinationIp;
            reverse.destinationIp = forward.sourceIp;
            reverse.sourcePort = forward.destinationPort;
            reverse.destinationPort = forward.sourcePort;
            send(a, forward.tcp(payload(1, i)));
            send(b, reverse.tcp(payload(1, i)));

            Frame atB = single(receivePerQueue(b));
            Frame atA = single(receivePerQueue(a));

            int expected = toeplitz.hash(forward.sourceIp, forward.destinationIp, forward.sourcePort, forward.destinationPort);
            assertEquals(expected, atB.rssHash());
            assertEquals(expected, atA.rssHash());
            assertEquals(atB.queue(), atA.queue());
            queuesSeen[atB.queue()]++;
            atA.release();
            atB.release();
        }
        for (int q = 0; q < 4; q++) {
            assertTrue(queuesSeen[q] > 20, "flows spread over every queue: " + Arrays.toString(queuesSeen));
        }
    }

    private static Frame single(List<List<Frame>> perQueue) {
        List<Frame> all = perQueue.stream().flatMap(List::stream).toList();
        assertEquals(1, all.size());
        return all.get(0);
    }

    @Test
    void one_queue_without_the_rss_offload_delivers_no_hash() {
        InMemoryNic a = nic(InMemoryNicConfig.builder("a", MAC_A));
        InMemoryNic b = nic(InMemoryNicConfig.builder("b", MAC_B));
        send(a, aToB().tcp(payload(10, 1)));

        Frame f = single(receivePerQueue(b));

        assertEquals(0, f.rxFlags());
        assertEquals(0, b.capabilities().offloads());
        f.release();
    }

    // ---- bounded resources

    @Test
    void an_empty_receive_pool_drops_and_counts_and_the_nic_recovers() {
        InMemoryNic a = nic(InMemoryNicConfig.builder("a", MAC_A));
        InMemoryNic b = nic(InMemoryNicConfig.builder("b", MAC_B).poolFrames(8));
        for (int i = 0; i < 20; i++) {
            send(a, aToB().udp(payload(10, i)));
        }
        Frame[] burst = new Frame[32];

        int first = b.receive(0, burst, 32, 0);

        assertEquals(8, first);
        assertEquals(12, b.rxNoBuffer());
        assertEquals(12, b.rxDropped());
        for (int i = 0; i < first; i++) {
            burst[i].release();
        }
        send(a, aToB().udp(payload(10, 99)));
        List<byte[]> after = receiveAll(b, 0);
        assertEquals(1, after.size(), "recovered once frames came back");
        assertArrayEquals(aToB().udp(payload(10, 99)), after.get(0));
        assertEquals(8, b.pool().available());
    }

    @Test
    void a_full_receive_ring_drops_and_counts() {
        InMemoryNic a = nic(InMemoryNicConfig.builder("a", MAC_A));
        InMemoryNic b = nic(InMemoryNicConfig.builder("b", MAC_B).rxRingBytes(16 * 1024));
        byte[] bytes = aToB().udp(payload(1000, 1)); // 1042-byte frame: a 1056-byte ring record
        for (int i = 0; i < 20; i++) {
            send(a, bytes);
        }

        List<byte[]> got = receiveAll(b, 0);

        int fits = 16 * 1024 / 1056;
        assertEquals(fits, got.size());
        assertEquals(20 - fits, b.rxRingFull());
        assertEquals(20 - fits, b.rxDropped());
        assertEquals(20, a.txFrames(), "the sender put every frame on the wire");
        send(a, bytes); // wraps to the start of the ring behind a padding record
        Frame[] burst = new Frame[4];
        assertEquals(1, b.receive(0, burst, 4, 0), "room again once read, and one burst reads across the wrap");
        assertArrayEquals(bytes, Packets.take(burst[0]));
    }

    @Test
    void a_full_transmit_queue_drops_and_counts() {
        InMemoryNic a = nic(InMemoryNicConfig.builder("a", MAC_A).txQueueFrames(4));
        InMemoryNic b = nic(InMemoryNicConfig.builder("b", MAC_B));
        for (int i = 0; i < 6; i++) {
            a.transmit(0, Packets.frame(a.pool(), aToB().udp(payload(10, i))), 0);
        }

        assertEquals(4, a.flush(0, 0));

        assertEquals(2, a.txQueueFull());
        assertEquals(2, a.txDropped());
        assertEquals(4, receiveAll(b, 0).size());
        assertEquals(a.pool().size(), a.pool().available());
    }

    @Test
    void while_the_link_is_down_frames_both_ways_are_dropped_and_counted() {
        InMemoryNic a = nic(InMemoryNicConfig.builder("a", MAC_A));
        InMemoryNic b = nic(InMemoryNicConfig.builder("b", MAC_B));

        b.linkUp(false);
        send(a, aToB().udp(payload(10, 1)));
        send(b, Packets.between(MAC_B.bits(), MAC_A.bits()).udp(payload(10, 2)));

        assertEquals(1, b.rxLinkDown());
        assertEquals(1, b.txLinkDown());
        assertEquals(0, receiveAll(a, 0).size());
        b.linkUp(true);
        send(a, aToB().udp(payload(10, 3)));
        assertEquals(1, receiveAll(b, 0).size());
        assertEquals(b.pool().size(), b.pool().available());
    }

    // ---- offloads on the wire

    @Test
    void offloads_are_completed_before_the_wire_which_carries_only_plain_frames() {
        int maxTso = 9000;
        InMemoryNic a = nic(InMemoryNicConfig.builder("a", MAC_A)
            .offloads(DeviceCapabilities.OFFLOAD_TSO | DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM
                | DeviceCapabilities.OFFLOAD_TX_UDP_CHECKSUM | DeviceCapabilities.OFFLOAD_TX_IP_CHECKSUM)
            .maxTsoBytes(maxTso).frameCapacityBytes(maxTso + 128));
        InMemoryNic b = nic(InMemoryNicConfig.builder("b", MAC_B));
        Packets p = aToB();
        byte[] payload = payload(8000, 5);
        byte[] superSegment = p.tcp(payload);
        Frame tso = Packets.offloaded(a.pool(), superSegment, Packets.TSO, 1460);

        a.transmit(0, tso, 0);
        assertEquals(6, a.flush(0, 0));

        List<byte[]> got = receiveAll(b, 0);
        assertEquals(6, got.size());
        byte[] reassembled = new byte[0];
        for (byte[] wire : got) {
            assertTrue(wire.length <= 1514, "wire frame " + wire.length + " bytes");
            UnsafeBuffer buffer = new UnsafeBuffer(wire);
            Ipv4Header ip = new Ipv4Header().wrap(buffer, 14);
            assertTrue(ip.checksumValid());
            int l4 = ip.totalLength() - 20;
            assertTrue(Checksum.isValid(Checksum.add(Checksum.pseudoHeaderV4(ip.source(), ip.destination(), 6, l4),
                Checksum.sum(buffer, 34, l4))));
            reassembled = Packets.concat(reassembled, Arrays.copyOfRange(wire, 54, wire.length));
        }
        assertArrayEquals(payload, reassembled);
        assertEquals(a.pool().size(), a.pool().available(), "super-frame and segments all released");
    }

    @Test
    void a_frame_longer_than_the_mtu_is_not_put_on_the_wire() {
        InMemoryNic a = nic(InMemoryNicConfig.builder("a", MAC_A).mtu(1000));
        InMemoryNic b = nic(InMemoryNicConfig.builder("b", MAC_B));

        send(a, aToB().udp(payload(1000 - 28 + 1, 1))); // one byte over the MTU
        send(a, aToB().udp(payload(1000 - 28, 1))); // exactly the MTU

        assertEquals(1, a.txOversize());
        assertEquals(1, receiveAll(b, 0).size());
    }

    @Test
    void a_frame_larger_than_the_receivers_mtu_is_dropped_there() {
        InMemoryNic a = nic(InMemoryNicConfig.builder("a", MAC_A).mtu(9000).frameCapacityBytes(9200));
        InMemoryNic b = nic(InMemoryNicConfig.builder("b", MAC_B));

        send(a, aToB().udp(payload(3000, 1)));

        assertEquals(1, b.rxOversize());
        assertEquals(0, receiveAll(b, 0).size());
    }

    @Test
    void the_segment_array_is_sized_for_the_pool_frames() {
        assertEquals(43, SoftwareOffload.maxSegments(2048));
    }

    // ---- misuse

    @Test
    void bad_configuration_is_refused_naming_the_value() {
        IllegalArgumentException mtu = assertThrows(IllegalArgumentException.class,
            () -> InMemoryNicConfig.builder("x", MAC_A).mtu(20).build());
        assertTrue(mtu.getMessage().contains("mtu = 20"), mtu.getMessage());
        IllegalArgumentException tso = assertThrows(IllegalArgumentException.class,
            () -> InMemoryNicConfig.builder("x", MAC_A).offloads(DeviceCapabilities.OFFLOAD_TSO).maxTsoBytes(65_000).build());
        assertTrue(tso.getMessage().contains("frameCapacityBytes = 2048"), tso.getMessage());
        IllegalArgumentException rx = assertThrows(IllegalArgumentException.class,
            () -> InMemoryNicConfig.builder("x", MAC_A).offloads(DeviceCapabilities.OFFLOAD_RX_CHECKSUM).build());
        assertTrue(rx.getMessage().contains("rx-csum"), rx.getMessage());
        IllegalArgumentException ring = assertThrows(IllegalArgumentException.class,
            () -> InMemoryNicConfig.builder("x", MAC_A).rxRingBytes(100_000).build());
        assertTrue(ring.getMessage().contains("rxRingBytes = 100000"), ring.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InMemoryNicConfig.builder("x", new MacAddress(MacAddress.BROADCAST)));
    }

    @Test
    void a_queue_that_does_not_exist_is_refused() {
        InMemoryNic a = nic(InMemoryNicConfig.builder("a", MAC_A).rxQueues(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.receive(2, new Frame[4], 4, 0));
        assertTrue(e.getMessage().contains("receive queue 2 does not exist"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.flush(1, 0));
    }

    @Test
    void a_closed_nic_refuses_calls_and_frees_its_port() {
        InMemoryNic a = network.connect(InMemoryNicConfig.builder("a", MAC_A).build());
        a.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.flush(0, 0));
        assertTrue(e.getMessage().contains("'a' is closed"));
        assertEquals(null, network.nicAt(0));
    }
}
