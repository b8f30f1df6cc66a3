package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.testing.Packets;
import dev.bypass.testing.TestDevice;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** UDP delivery into a socket's queue: the largest datagram fits by default; what cannot fit is told apart. */
class UdpReceiveTest {
    private static final long OUR_MAC = MacAddress.local(2).bits();
    private static final long PEER_MAC = MacAddress.local(1).bits();
    private static final int US = IpAddress.ofV4(198, 18, 0, 2).v4();
    private static final int PEER = IpAddress.ofV4(198, 18, 0, 1).v4();
    /** 65,535 - 20 (IPv4 header) - 8 (UDP header). */
    private static final int LARGEST_IPV4_DATAGRAM = 65_507;

    private final TestDevice device = new TestDevice(OUR_MAC, 65_535, DeviceCapabilities.NONE, 64, 66_000);

    @Test
    void the_largest_ipv4_datagram_reaches_a_socket_with_the_default_queue() {
        NetworkStack stack = stack(StackConfig.builder());
        UdpSocket socket = stack.udp().open(5000);
        byte[] data = Packets.pattern(LARGEST_IPV4_DATAGRAM, 7);
        device.inject(frame(data));
        stack.poll(0);

        UnsafeBuffer into = new UnsafeBuffer(new byte[70_000]);
        assertEquals(LARGEST_IPV4_DATAGRAM, socket.receive(into, 0, into.capacity()), stack.counters()::dumpNonZero);
        assertArrayEquals(data, Arrays.copyOf(into.byteArray(), data.length));
        assertEquals(1, stack.counters().get(Counter.UDP_IN_DATAGRAMS));
    }

    @Test
    void a_datagram_longer_than_an_eighth_of_the_queue_is_dropped_as_too_long_not_as_queue_full() {
        // 64 KiB of queue: messages of up to 8 KiB, 16 bytes of which carry the source and destination.
        NetworkStack stack = stack(StackConfig.builder().udpReceiveQueueBytes(64 * 1024));
        UdpSocket socket = stack.udp().open(5000);
        device.inject(frame(new byte[8 * 1024 - 16 + 1]));
        device.inject(frame(new byte[8 * 1024 - 16]));
        stack.poll(0);

        assertEquals(1, stack.counters().get(Counter.UDP_DROP_TOO_LONG), stack.counters()::dumpNonZero);
        assertEquals(0, stack.counters().get(Counter.UDP_DROP_QUEUE_FULL));
        assertEquals(8 * 1024 - 16, socket.receive(new UnsafeBuffer(new byte[10_000]), 0, 10_000));
        assertFalse(socket.readable());
    }

    @Test
    void every_queued_datagram_is_received_across_the_rings_wrap() {
        // 1000-byte datagrams take 1016 bytes of ring: 64 KiB wraps with a padding record every 64 or so.
        NetworkStack stack = stack(StackConfig.builder().udpReceiveQueueBytes(64 * 1024));
        UdpSocket socket = stack.udp().open(5000);
        UnsafeBuffer into = new UnsafeBuffer(new byte[2000]);
        for (int i = 0; i < 300; i++) {
            device.inject(frame(Packets.pattern(1000, i)));
            stack.poll(0);
            assertTrue(socket.readable());
            assertEquals(1000, socket.receive(into, 0, into.capacity()), "datagram " + i + " (a padding record met)");
            assertEquals(Packets.pattern(1000, i)[999], into.getByte(999));
            assertFalse(socket.readable());
        }
    }

    @Test
    void a_queue_the_application_does_not_read_fills_and_drops_as_queue_full() {
        NetworkStack stack = stack(StackConfig.builder().udpReceiveQueueBytes(64 * 1024));
        stack.udp().open(5000);
        for (int i = 0; i < 80; i++) {
            device.inject(frame(new byte[992]));
        }
        for (int i = 0; i < 4; i++) {
            stack.poll(0);
        }

        long queued = stack.counters().get(Counter.UDP_IN_DATAGRAMS);
        assertEquals(64 * 1024 / 1024, queued, "992 bytes + 16 of source and destination + 8 of ring header, 8-aligned: 1024 each");
        assertEquals(80 - queued, stack.counters().get(Counter.UDP_DROP_QUEUE_FULL));
        assertEquals(0, stack.counters().get(Counter.UDP_DROP_TOO_LONG));
    }

    private NetworkStack stack(StackConfig.Builder config) {
        return new NetworkStack(config.name("udp").address("198.18.0.2/24").gratuitousArp(false).build(), device);
    }

    private static byte[] frame(byte[] data) {
        byte[] udp = Packets.udp(PEER, US, 4000, 5000, data);
        return Packets.ethernet(OUR_MAC, PEER_MAC, EthernetHeader.TYPE_IPV4,
            Packets.ipv4(PEER, US, Ipv4Header.PROTOCOL_UDP, 1, 0, 64, udp));
    }
}
