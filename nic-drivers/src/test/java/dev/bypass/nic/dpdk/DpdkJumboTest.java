package dev.bypass.nic.dpdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.testing.Packets;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.DirectFramePool;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.testing.netns.NetNs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Jumbo frames over mbuf chains (issue 5), on a {@code net_ring} port: the one virtual PMD of DPDK 22.11
 * that takes an MTU of 9000 (af_packet and memif report {@code max_rx_pktlen} 1518, tap 1522). Its tx queue
 * q feeds its rx queue q and hands the mbufs over as they are, so a chain sent is a chain received.
 * With the default 2176-byte mbufs, a 9018-byte frame is a chain of five.
 */
class DpdkJumboTest {
    private static final int MTU = 9000;
    private static final int ETHERTYPE_EXPERIMENTAL = 0x88B5;
    /** A decorator's pool (not the port's mbufs): its frames longer than an mbuf go out as chains. */
    private static final int FOREIGN_CAPACITY = 16384;

    private DpdkEal eal;

    @BeforeEach
    void requireDpdk() throws Exception {
        eal = DpdkTesting.requireEal();
    }

    @AfterAll
    static void nothing_is_left_behind() {
        NetNs.assertNothingLeftBehind();
    }

    @Test
    void frames_of_9000_bytes_go_out_as_chains_and_arrive_whole_byte_for_byte() throws Exception {
        try (DpdkDevice ring = DpdkTesting.ringPort(eal, c -> c.withMtu(MTU));
             DirectFramePool foreign = new DirectFramePool("decorator", 16, FOREIGN_CAPACITY)) {
            assertTrue(ring.jumbo(), "9018-byte frames do not fit a 2176-byte mbuf");
            int headroom = eal.mbufLayout().headroom();
            assertEquals(ring.config().jumboDataRoom(headroom), ring.pool().frameCapacity(), "the stack's frames are whole");
            // 60 .. 9018 bytes (MTU + Ethernet header + a VLAN tag); 2048 fits one mbuf, 2049 takes two.
            int[] sizes = {60, 1514, 2048, 2049, 4096, 9014, 9018};
            List<byte[]> sent = new ArrayList<>();
            int chains = 0;
            for (int i = 0; i < sizes.length; i++) {
                byte[] frame = experimental(sizes[i], i);
                sent.add(frame);
                ring.transmit(0, Packets.frame(foreign, frame), 0);
                chains += sizes[i] > DpdkConfig.DEFAULT_MBUF_DATA_ROOM - headroom ? 1 : 0;
            }
            assertEquals(sizes.length, ring.flush(0, 0));
            assertEquals(16, foreign.available(), "each frame was copied and went back to its pool");
            assertEquals(chains, ring.counter(DpdkCounter.TX_CHAINS));
            assertEquals(sizes.length - chains, ring.counter(DpdkCounter.TX_COPIED));

            List<Frame> received = receive(ring, 0, sizes.length);
            for (int i = 0; i < sizes.length; i++) {
                Frame f = received.get(i);
                assertSame(ring.pool(0), f.pool());
                if (sizes[i] > 2048) {
                    assertEquals(ring.config().jumboDataRoom(headroom), f.capacity(), "a chain arrives in one jumbo mbuf");
                }
                assertArrayEquals(sent.get(i), Packets.take(f), "frame " + i + " of " + sizes[i] + " bytes");
            }
            assertEquals(chains, ring.counter(DpdkCounter.RX_CHAINS));
            assertEquals(0, ring.counter(DpdkCounter.RX_DROP_CHAINED));

            // The other way round: the stack's own frames are jumbo mbufs, sent as one segment without a copy.
            byte[] whole = experimental(9018, 99);
            ring.transmit(0, Packets.frame(ring.pool(), whole), 0);
            assertEquals(1, ring.flush(0, 0));
            assertArrayEquals(whole, Packets.take(receive(ring, 0, 1).getFirst()));
            assertEquals(chains, ring.counter(DpdkCounter.RX_CHAINS), "one segment: no chain");
            assertEquals(chains, ring.counter(DpdkCounter.TX_CHAINS));
            assertEquals(0, ring.txDropped() + ring.rxDropped());
            DpdkTesting.assertAllMbufsBack(ring);
            System.out.println("[dpdk-jumbo] net_ring MTU 9000, 2176-byte mbufs: " + sizes.length + " frames of 60.."
                + "9018 bytes byte-exact; dpdk.tx.chains " + ring.counter(DpdkCounter.TX_CHAINS) + ", dpdk.rx.chains "
                + ring.counter(DpdkCounter.RX_CHAINS) + "; a 9018-byte frame of the stack's pool as one segment");
        }
    }

    @Test
    void a_chain_is_built_as_dpdk_wants_it_with_the_header_lengths_on_its_head() throws Exception {
        try (DpdkDevice ring = DpdkTesting.ringPort(eal, c -> c.withMtu(MTU));
             DirectFramePool foreign = new DirectFramePool("decorator", 4, FOREIGN_CAPACITY);
             Arena arena = Arena.ofConfined()) {
            Frame f = Packets.frame(foreign, experimental(5000, 1));
            f.txOffload(0, 14, 20, 20, 0); // no offload asked (net_ring has none), the lengths a NIC would parse
            ring.transmit(0, f, 0);
            assertEquals(1, ring.flush(0, 0));
            // Take the chain off the ring ourselves, before the device would copy it into one mbuf.
            MemorySegment burst = arena.allocate(ValueLayout.JAVA_LONG, 4);
            int n = 0;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (n == 0 && System.nanoTime() < deadline) {
                n = Short.toUnsignedInt(DpdkShim.bp_eth_rx_burst((short) ring.port(), (short) 0, burst.address(), (short) 4));
            }
            assertEquals(1, n);
            long head = burst.getAtIndex(ValueLayout.JAVA_LONG, 0);
            try {
                assertEquals(3, DpdkShim.bp_mbuf_nb_segs(head), "5000 bytes in mbufs of 2048");
                assertEquals(5000, DpdkShim.bp_pktmbuf_pkt_len(head));
                assertEquals(0, DpdkShim.bp_mbuf_ol_flags(head));
                assertEquals(14, DpdkShim.bp_mbuf_l2_len(head));
                assertEquals(20, DpdkShim.bp_mbuf_l3_len(head));
                assertEquals(20, DpdkShim.bp_mbuf_l4_len(head));
                long second = DpdkShim.bp_mbuf_next(head);
                long third = DpdkShim.bp_mbuf_next(second);
                assertEquals(2048, DpdkShim.bp_pktmbuf_data_len(head));
                assertEquals(2048, DpdkShim.bp_pktmbuf_data_len(second));
                assertEquals(904, DpdkShim.bp_pktmbuf_data_len(third));
                assertEquals(0, DpdkShim.bp_mbuf_next(third));
            } finally {
                DpdkShim.bp_pktmbuf_free(head); // the whole chain
            }
            DpdkTesting.assertAllMbufsBack(ring);
        }
    }

    @Test
    void a_port_that_cannot_send_chains_gets_one_jumbo_mbuf_instead() throws Exception {
        try (DpdkDevice ring = DpdkTesting.ringPort(eal, c -> c.withMtu(MTU).withMultiSegmentTx(false));
             DirectFramePool foreign = new DirectFramePool("decorator", 4, FOREIGN_CAPACITY)) {
            byte[] frame = experimental(9014, 3);
            ring.transmit(0, Packets.frame(foreign, frame), 0);
            assertEquals(1, ring.flush(0, 0));
            assertArrayEquals(frame, Packets.take(receive(ring, 0, 1).getFirst()));
            assertEquals(1, ring.counter(DpdkCounter.TX_CHAIN_FALLBACK));
            assertEquals(0, ring.counter(DpdkCounter.TX_CHAINS));
            assertEquals(0, ring.counter(DpdkCounter.RX_CHAINS), "it went as one segment");
            DpdkTesting.assertAllMbufsBack(ring);
        }
    }

    @Test
    void the_jumbo_pool_is_bounded_and_a_chain_without_a_jumbo_mbuf_is_dropped_and_counted() throws Exception {
        try (DpdkDevice ring = DpdkTesting.ringPort(eal, c -> c.withMtu(MTU).withJumboPool(4));
             DirectFramePool foreign = new DirectFramePool("decorator", 8, FOREIGN_CAPACITY)) {
            for (int i = 0; i < 6; i++) {
                ring.transmit(0, Packets.frame(foreign, experimental(9014, i)), 0);
            }
            assertEquals(6, ring.flush(0, 0));
            // Hold every frame received: after four jumbo mbufs, the next two chains find none.
            Frame[] frames = new Frame[32];
            int n = ring.receive(0, frames, frames.length, 0);
            assertEquals(4, n);
            assertEquals(4, ring.counter(DpdkCounter.RX_CHAINS));
            assertEquals(2, ring.counter(DpdkCounter.RX_DROP_CHAINED));
            assertEquals(2, ring.rxDropped());
            for (int i = 0; i < n; i++) {
                assertArrayEquals(experimental(9014, i), Packets.take(frames[i]));
            }
            DpdkTesting.assertAllMbufsBack(ring);
        }
    }

    @Test
    void chains_sent_and_received_allocate_nothing() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (DpdkDevice ring = DpdkTesting.ringPort(eal, c -> c.withMtu(MTU));
             DirectFramePool foreign = new DirectFramePool("decorator", 32, FOREIGN_CAPACITY)) {
            byte[] frame = experimental(9014, 5);
            Frame[] frames = new Frame[32];
            long allocated = -1;
            int round = 0;
            long moved = 0;
            while (allocated != 0 && round < 20) {
                round++;
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 100; i++) {
                    for (int k = 0; k < 16; k++) {
                        Frame f = foreign.allocate();
                        f.buffer().putBytes(f.offset(), frame);
                        f.length(frame.length);
                        ring.transmit(0, f, 0);
                    }
                    ring.flush(0, 0);
                    int n = ring.receive(0, frames, frames.length, 0);
                    for (int k = 0; k < n; k++) {
                        if (frames[k].length() != frame.length) {
                            throw new AssertionError("frame of " + frames[k].length() + " bytes");
                        }
                        frames[k].release();
                    }
                    moved += n;
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertEquals(0, allocated, "bytes allocated over 1600 chains out and back in round " + round);
            assertEquals(moved, ring.counter(DpdkCounter.RX_CHAINS));
            assertEquals(0, ring.txDropped() + ring.rxDropped());
            DpdkTesting.assertAllMbufsBack(ring);
        }
    }

    @Test
    void the_stack_at_mtu_9000_answers_pings_of_up_to_9000_bytes_that_arrive_as_chains() throws Exception {
        // A NetworkStack on one port of a net_ring pair, MTU 9000 over 2176-byte mbufs; the test is the peer
        // on the other port, its requests from a decorator's pool (so they go out as chains, as scatter rx
        // would deliver them from a NIC): "ping -s 8900 -M do" and "-s 8972" (IP 9000), each answered whole.
        try (RingPair wire = RingPair.open(eal, c -> c.withMtu(MTU));
             DirectFramePool peerPool = new DirectFramePool("peer", 8, FOREIGN_CAPACITY)) {
            DpdkDevice peer = wire.a();
            int peerIp = IpAddress.parse("198.18.77.1").v4();
            int stackIp = IpAddress.parse("198.18.77.2").v4();
            NetworkStack stack = new NetworkStack(StackConfig.builder().name("bypass").address("198.18.77.2/24").build(),
                wire.b());
            assertEquals(MTU, stack.device().mtu());
            // net_ring ports have the MAC 0, which ARP refuses as a sender: the peer claims one (the ring does not care).
            Packets p = Packets.between(0x02_62_70_00_00_01L, MacAddress.BROADCAST);
            p.sourceIp = peerIp;
            p.destinationIp = stackIp;
            // The peer asks for the stack's MAC (and the stack learns the peer's from the request).
            peer.transmit(0, Packets.frame(peerPool, p.arp()), 0);
            peer.flush(0, 0);
            awaitFrame(stack, peer, f -> f.length() >= 42 && f.buffer().getShort(f.offset() + 12, java.nio.ByteOrder.BIG_ENDIAN)
                == EthernetHeader.TYPE_ARP && f.buffer().getShort(f.offset() + 20, java.nio.ByteOrder.BIG_ENDIAN) == 2).release();
            p.destinationMac = wire.b().macAddress();
            int seq = 0;
            for (int size : new int[] {8900, 8972}) {
                seq++;
                byte[] data = Packets.payload(size, seq);
                byte[] request = p.icmpEcho(8, 0x4242, seq, data);
                peer.transmit(0, Packets.frame(peerPool, request), 0);
                assertEquals(1, peer.flush(0, 0));
                Frame reply = awaitFrame(stack, peer, f -> f.length() > 1000);
                byte[] got = Packets.take(reply);
                assertEquals(request.length, got.length, "the reply is as long as the request: not fragmented");
                assertEquals(0, got[14 + 20], "echo reply");
                assertEquals(0x4242, Packets.getShort(got, 14 + 24));
                assertEquals(seq, Packets.getShort(got, 14 + 26));
                assertArrayEquals(data, java.util.Arrays.copyOfRange(got, 14 + 28, got.length), size + " bytes of data echoed");
            }
            assertEquals(2, stack.counters().get(Counter.ICMP_OUT_ECHO_REPS), stack.counters()::dumpNonZero);
            assertEquals(0, stack.counters().get(Counter.IP_REASM_OKS) + stack.counters().get(Counter.IP_FRAG_OKS));
            assertEquals(2, peer.counter(DpdkCounter.TX_CHAINS), "the requests went out as chains");
            assertEquals(2, wire.b().counter(DpdkCounter.RX_CHAINS), "and reached the stack's port as chains");
            assertEquals(0, peer.counter(DpdkCounter.RX_CHAINS), "the replies went out as one jumbo mbuf each");
            System.out.println("[dpdk-jumbo] NetworkStack at MTU 9000 on net_ring answered pings of 8900 and 8972 bytes"
                + " (DF) whole: dpdk.tx.chains " + peer.counter(DpdkCounter.TX_CHAINS) + " (peer), dpdk.rx.chains "
                + wire.b().counter(DpdkCounter.RX_CHAINS) + " (stack), replies of " + (14 + 28 + 8900) + " and "
                + (14 + 28 + 8972) + " bytes in one segment");
            stack.close();
            DpdkTesting.assertAllMbufsBack(peer);
        }
    }

    /** Polls the stack until the peer receives a frame that matches (the caller releases it); others are released. */
    private static Frame awaitFrame(NetworkStack stack, DpdkDevice peer, java.util.function.Predicate<Frame> match) {
        Frame[] frames = new Frame[32];
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            stack.poll(System.nanoTime());
            int n = peer.receive(0, frames, frames.length, 0);
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
        }
        throw new AssertionError("no matching frame from the stack: " + stack.counters().dumpNonZero() + " "
            + stack.lastInternalError() + " " + stack.device() + " peer " + peer + " rx " + peer.counter(DpdkCounter.RX_FRAMES)
            + " tx " + ((DpdkDevice) stack.device()).counter(DpdkCounter.TX_FRAMES) + " drops "
            + ((DpdkDevice) stack.device()).txDropped());
    }

    @Test
    void an_mtu_above_the_port_s_largest_is_refused_before_anything_is_set_up() throws Exception {
        DpdkException e = assertThrows(DpdkException.class, () -> VethNetwork.open(eal, c -> c.withMtu(MTU)));
        assertTrue(e.getMessage().contains("MTU 9000 is above the port's largest, 1500 (net_af_packet: max_rx_pktlen 1518"),
            e.getMessage());
        NetNs.assertNothingLeftBehind(); // the failed open removed the vdev; VethNetwork deleted its namespaces
    }

    private static List<Frame> receive(DpdkDevice nic, int queue, int count) {
        List<Frame> got = new ArrayList<>();
        Frame[] frames = new Frame[32];
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (got.size() < count && System.nanoTime() < deadline) {
            int n = nic.receive(queue, frames, Math.min(frames.length, count - got.size()), 0);
            for (int i = 0; i < n; i++) {
                got.add(frames[i]);
            }
        }
        assertEquals(count, got.size(), () -> "frames received on " + nic);
        return got;
    }

    private static byte[] experimental(int length, int seed) {
        byte[] f = new byte[length];
        UnsafeBuffer b = new UnsafeBuffer(f);
        new EthernetHeader().wrap(b, 0).destination(0x02_00_00_00_00_01L).source(0x02_00_00_00_00_02L)
            .type(ETHERTYPE_EXPERIMENTAL);
        for (int i = EthernetHeader.LENGTH; i < length; i++) {
            f[i] = (byte) (i * 31 + seed + (i >> 8));
        }
        return f;
    }
}
