package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.testing.Packets;
import dev.bypass.testing.TestDevice;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The stack hands the device at most {@code txBurst} frames between two flushes, however many one poll
 * sends: a device's transmit queue is finite (the TAP driver's holds 256 frames by default) and drops
 * what overflows it.
 */
class TxBurstTest {
    private static final long OUR_MAC = MacAddress.local(2).bits();
    private static final long PEER_MAC = MacAddress.local(1).bits();
    private static final int US = IpAddress.ofV4(198, 18, 0, 2).v4();
    private static final int PEER = IpAddress.ofV4(198, 18, 0, 1).v4();

    @Test
    void a_hundred_datagrams_sent_at_once_reach_the_device_in_bursts_of_at_most_tx_burst() {
        TestDevice device = new TestDevice(OUR_MAC);
        NetworkStack stack = new NetworkStack(StackConfig.builder().name("tx").address("198.18.0.2/24")
            .gratuitousArp(false).txBurst(32).build(), device);
        // The peer asks for us: its MAC goes into the cache (RFC 826 merge), so nothing waits for ARP.
        device.inject(Packets.ethernet(MacAddress.BROADCAST, PEER_MAC, EthernetHeader.TYPE_ARP,
            Packets.arp(ArpPacket.OPERATION_REQUEST, PEER_MAC, PEER, 0, US)));
        stack.poll(0);
        assertTrue(stack.arpLookup(PEER) != -1, "the peer is in the ARP cache");
        device.takeSent();

        UdpSocket socket = stack.udp().open(4000);
        UnsafeBuffer data = new UnsafeBuffer(new byte[100]);
        for (int i = 0; i < 100; i++) {
            assertTrue(socket.send(PEER, 5000, data, 0, data.capacity()), "datagram " + i);
        }
        stack.poll(1);

        assertEquals(100, device.takeSent().size());
        assertEquals(32, device.deepestQueue(), "frames queued on the device between two flushes");
    }
}
