package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.IcmpHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import dev.bypass.testing.TestDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One stack (198.18.0.2/24) on a {@link TestDevice}, with scripted neighbours on its subnet: the peer
 * (198.18.0.1), another host (198.18.0.3) and a gateway (198.18.0.254). For the protocols below TCP: a
 * test feeds one frame, asserts the counter it ended in ({@link #outcome}) and exactly the frames the
 * stack sent, on a virtual clock.
 *
 * <p>One factory per state: {@link #unstarted}, {@link #started} (announced, nothing learned) and
 * {@link #peerKnown} (the peer's MAC cached).
 */
final class StackFixture {
    static final long OUR_MAC = 0x02_00_00_00_00_01L;
    static final long PEER_MAC = 0x02_00_00_00_00_02L;
    static final long OTHER_MAC = 0x02_00_00_00_00_03L;
    static final long GATEWAY_MAC = 0x02_00_00_00_00_FEL;
    static final int OUR_IP = ip("198.18.0.2");
    static final int PEER_IP = ip("198.18.0.1");
    static final int OTHER_IP = ip("198.18.0.3");
    static final int GATEWAY_IP = ip("198.18.0.254");
    static final int SUBNET_BROADCAST = ip("198.18.0.255");
    /** Off our subnet: reachable only through a gateway. */
    static final int FAR_IP = ip("198.19.200.1");
    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    final TestDevice device;
    final NetworkStack stack;
    long now = 1000 * SECOND;

    private StackFixture(StackConfig config, DeviceCapabilities capabilities) {
        device = new TestDevice(OUR_MAC, 1500, capabilities, 256, 2048);
        stack = new NetworkStack(config, device);
    }

    static int ip(String dotted) {
        return IpAddress.parse(dotted).v4();
    }

    /** The configuration every fixture starts from: our address, a fixed secret seed. */
    static StackConfig.Builder config() {
        return StackConfig.builder().name("test").address("198.18.0.2/24").secretSeed(42);
    }

    /** A stack never polled: it has not announced itself yet. */
    static StackFixture unstarted(StackConfig.Builder config) {
        return new StackFixture(config.build(), DeviceCapabilities.NONE);
    }

    /** Started (the announcement taken away), no neighbour known. */
    static StackFixture started() {
        return started(config());
    }

    static StackFixture started(StackConfig.Builder config) {
        return started(config, DeviceCapabilities.NONE);
    }

    static StackFixture started(StackConfig.Builder config, DeviceCapabilities capabilities) {
        StackFixture f = new StackFixture(config.build(), capabilities);
        f.poll();
        f.device.takeSent();
        return f;
    }

    /** Started, and the peer's MAC cached: the peer asked for us and our reply was taken away. */
    static StackFixture peerKnown() {
        return peerKnown(config());
    }

    static StackFixture peerKnown(StackConfig.Builder config) {
        StackFixture f = started(config);
        f.receive(arpFrame(ArpPacket.OPERATION_REQUEST, MacAddress.BROADCAST, PEER_MAC, PEER_IP, 0, OUR_IP));
        f.device.takeSent();
        assertEquals(PEER_MAC, f.stack.arpLookup(PEER_IP));
        return f;
    }

    // ------------------------------------------------------------------------------------------ time

    void poll() {
        stack.poll(now);
    }

    void advance(long ns) {
        now += ns;
        stack.poll(now);
    }

    // ----------------------------------------------------------------------------------- peer -> us

    /** Injects one frame and polls once. */
    void receive(byte[] frame) {
        device.inject(frame);
        stack.poll(now);
    }

    /**
     * Injects one frame, polls, and returns the one counter it ended in ({@link Counter#STACK_RX_ACCEPTED}
     * or a drop), asserting that exactly one such counter moved, by one.
     */
    Counter outcome(byte[] frame) {
        long[] before = snapshot();
        receive(frame);
        long[] after = snapshot();
        assertEquals(before[Counter.ETH_RX_FRAMES.ordinal()] + 1, after[Counter.ETH_RX_FRAMES.ordinal()],
            "one frame taken");
        Counter moved = null;
        for (Counter c : Counter.values()) {
            if (c != Counter.STACK_RX_ACCEPTED && c.kind() != Counter.Kind.DROP && c.kind() != Counter.Kind.PASSED) {
                continue;
            }
            long delta = after[c.ordinal()] - before[c.ordinal()];
            if (delta == 0) {
                continue;
            }
            if (delta != 1 || moved != null) {
                fail("a frame must end in exactly one counter; moved: " + moved + ", " + c + " by " + delta);
            }
            moved = c;
        }
        if (moved == null) {
            fail("the frame ended in no counter");
        }
        return moved;
    }

    private long[] snapshot() {
        long[] v = new long[Counter.count()];
        for (Counter c : Counter.values()) {
            v[c.ordinal()] = stack.counters().get(c);
        }
        return v;
    }

    long counter(Counter c) {
        return stack.counters().get(c);
    }

    // ----------------------------------------------------------------------------------- us -> peer

    /** Every frame sent since the last call, parsed (checksums verified), oldest first. */
    List<Parsed> sent() {
        List<Parsed> out = new ArrayList<>();
        for (TestDevice.Sent s : device.takeSent()) {
            out.add(Parsed.of(s.bytes()));
        }
        return out;
    }

    /** Exactly one frame was sent. */
    Parsed sentOne() {
        List<Parsed> all = sent();
        if (all.size() != 1) {
            fail("expected exactly one frame, got " + all.size() + ": " + all + "\n" + stack.counters().dumpNonZero());
        }
        return all.get(0);
    }

    void sentNothing() {
        List<Parsed> all = sent();
        if (!all.isEmpty()) {
            fail("expected no frame, got " + all);
        }
    }

    /** Every frame given back to the pool: nothing held (ARP queues, leaks). */
    void assertPoolFull() {
        assertEquals(device.pool().size(), device.pool().available(), "frames held or leaked");
    }

    // ----------------------------------------------------------------------------- frame builders

    static byte[] arpFrame(int operation, long ethernetDestination, long senderMac, int senderIp, long targetMac,
                           int targetIp) {
        return Packets.ethernet(ethernetDestination, senderMac, EthernetHeader.TYPE_ARP,
            Packets.arp(operation, senderMac, senderIp, targetMac, targetIp));
    }

    /** An IPv4 packet (header and payload) from the peer's MAC to ours. */
    static byte[] ethernetFrame(byte[] ipPacket) {
        return Packets.ethernet(OUR_MAC, PEER_MAC, EthernetHeader.TYPE_IPV4, ipPacket);
    }

    static byte[] ipFrame(int source, int destination, int protocol, byte[] payload) {
        return ethernetFrame(Packets.ipv4(source, destination, protocol, 1, 0, 64, payload));
    }

    static byte[] udpFrame(int source, int destination, int sourcePort, int destinationPort, byte[] data) {
        return ipFrame(source, destination, Ipv4Header.PROTOCOL_UDP, Packets.udp(source, destination, sourcePort,
            destinationPort, data));
    }

    static byte[] echoRequest(int identifier, int sequence, byte[] data) {
        return Packets.icmp(IcmpHeader.TYPE_ECHO_REQUEST, 0, (identifier << 16) | sequence, data);
    }

    /** The IPv4 packet inside an Ethernet frame (no tags). */
    static byte[] ipPacketOf(byte[] frame) {
        return Arrays.copyOfRange(frame, EthernetHeader.LENGTH, frame.length);
    }

    /** Recomputes the IPv4 header checksum of a frame edited by a test (20-byte header or longer). */
    static byte[] withIpChecksum(byte[] frame) {
        new Ipv4Header().wrap(new UnsafeBuffer(frame), EthernetHeader.LENGTH).updateChecksum();
        return frame;
    }

    /**
     * The peer's fragments of a transport packet {@code l4}: {@code chunk} bytes each (a multiple of 8)
     * but the last, as frames from the peer to us, in order.
     */
    static List<byte[]> fragments(byte[] l4, int protocol, int identification, int chunk) {
        List<byte[]> out = new ArrayList<>();
        for (int done = 0; done < l4.length; done += chunk) {
            int len = Math.min(chunk, l4.length - done);
            boolean more = done + len < l4.length;
            out.add(fragment(l4, protocol, identification, done, len, more));
        }
        return out;
    }

    /** One fragment from the peer: {@code length} bytes of {@code l4} at {@code offset}. */
    static byte[] fragment(byte[] l4, int protocol, int identification, int offset, int length, boolean more) {
        int flags = (more ? Ipv4Header.FLAG_MORE_FRAGMENTS : 0) | (offset / 8);
        return ethernetFrame(Packets.ipv4(PEER_IP, OUR_IP, protocol, identification, flags, 64,
            Arrays.copyOfRange(l4, offset, offset + length)));
    }

    /**
     * Puts emitted fragments back together as a receiver would: one identification, offsets
     * contiguous from 0, every fragment but the last a multiple of 8 bytes with MF set. Returns the
     * transport packet.
     */
    static byte[] reassemble(List<Parsed> fragments) {
        List<Parsed> sorted = new ArrayList<>(fragments);
        sorted.sort((a, b) -> Integer.compare(a.ipFlagsAndFragment & Ipv4Header.FRAGMENT_OFFSET_MASK,
            b.ipFlagsAndFragment & Ipv4Header.FRAGMENT_OFFSET_MASK));
        byte[] whole = new byte[0];
        for (int i = 0; i < sorted.size(); i++) {
            Parsed p = sorted.get(i);
            boolean last = i == sorted.size() - 1;
            assertEquals(sorted.get(0).ipId, p.ipId, "one identification");
            assertEquals(0, p.ipFlagsAndFragment & Ipv4Header.FLAG_DONT_FRAGMENT, "fragments do not carry DF");
            assertEquals(whole.length, (p.ipFlagsAndFragment & Ipv4Header.FRAGMENT_OFFSET_MASK) * 8,
                "contiguous offsets");
            assertEquals(!last, (p.ipFlagsAndFragment & Ipv4Header.FLAG_MORE_FRAGMENTS) != 0, "MF on all but the last");
            if (!last) {
                assertEquals(0, p.payload.length % 8, "non-last fragment a multiple of 8 bytes");
            }
            byte[] grown = Arrays.copyOf(whole, whole.length + p.payload.length);
            System.arraycopy(p.payload, 0, grown, whole.length, p.payload.length);
            whole = grown;
        }
        return whole;
    }

    // ------------------------------------------------------------------------------------- sockets

    /** Sends {@code data} from {@code socket} at the fixture's time; returns what send returned. */
    boolean send(UdpSocket socket, int destination, int port, byte[] data) {
        return socket.send(destination, port, new UnsafeBuffer(data), 0, data.length);
    }

    /** The next datagram of {@code socket}, or null. */
    static byte[] read(UdpSocket socket) {
        byte[] b = new byte[65536];
        int n = socket.receive(new UnsafeBuffer(b), 0, b.length);
        return n < 0 ? null : Arrays.copyOf(b, n);
    }

    static void assertArp(Parsed p, int operation, long ethernetDestination, int targetIp, long targetMac) {
        assertTrue(p.isArp(), "not ARP: " + p);
        assertEquals(operation, p.arpOperation, "operation");
        assertEquals(ethernetDestination, p.destinationMac, "Ethernet destination");
        assertEquals(OUR_MAC, p.sourceMac, "Ethernet source");
        assertEquals(OUR_MAC, p.arpSenderMac, "sender MAC");
        assertEquals(OUR_IP, p.arpSenderIp, "sender IP");
        assertEquals(targetMac, p.arpTargetMac, "target MAC");
        assertEquals(targetIp, p.arpTargetIp, "target IP");
        assertEquals(EthernetHeader.MIN_FRAME_LENGTH, p.bytes.length, "padded to 60 bytes");
    }
}
