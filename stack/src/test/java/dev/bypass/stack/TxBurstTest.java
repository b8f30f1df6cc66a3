package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.FramePool;
import dev.bypass.stack.device.NetworkDevice;
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
    private static final int PEER = IpAddress.ofV4(198, 18, 0, 1).v4();

    /** A device that remembers the most frames queued between two flushes. */
    private static final class QueueDepth implements NetworkDevice {
        final TestDevice inner = new TestDevice(OUR_MAC, 1500, DeviceCapabilities.NONE, 1024, 2048);
        int queued;
        int deepest;
        int sent;

        @Override
        public void transmit(int queue, Frame frame, long nowNs) {
            deepest = Math.max(deepest, ++queued);
            sent++;
            inner.transmit(queue, frame, nowNs);
        }

        @Override
        public int flush(int queue, long nowNs) {
            int n = queued;
            queued = 0;
            return n;
        }

        @Override
        public String name() {
            return "queue-depth";
        }

        @Override
        public long macAddress() {
            return OUR_MAC;
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public boolean linkUp() {
            return true;
        }

        @Override
        public DeviceCapabilities capabilities() {
            return DeviceCapabilities.NONE;
        }

        @Override
        public FramePool pool() {
            return inner.pool();
        }

        @Override
        public int receive(int queue, Frame[] frames, int max, long nowNs) {
            return inner.receive(queue, frames, max, nowNs);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void a_hundred_datagrams_sent_at_once_reach_the_device_in_bursts_of_at_most_tx_burst() {
        QueueDepth device = new QueueDepth();
        NetworkStack stack = new NetworkStack(StackConfig.builder().name("tx").address("198.18.0.2/24")
            .gratuitousArp(false).txBurst(32).build(), device);
        // The peer asks for us: its MAC goes into the cache (RFC 826 merge), so nothing waits for ARP.
        device.inner.inject(Packets.ethernet(MacAddress.BROADCAST, PEER_MAC, EthernetHeader.TYPE_ARP,
            Packets.arp(ArpPacket.OPERATION_REQUEST, PEER_MAC, PEER, 0, IpAddress.ofV4(198, 18, 0, 2).v4())));
        stack.poll(0);
        assertTrue(stack.arpLookup(PEER) != -1, "the peer is in the ARP cache");

        UdpSocket socket = stack.udp().open(4000);
        UnsafeBuffer data = new UnsafeBuffer(new byte[100]);
        int before = device.sent;
        for (int i = 0; i < 100; i++) {
            assertTrue(socket.send(PEER, 5000, data, 0, data.capacity()), "datagram " + i);
        }
        stack.poll(1);

        assertEquals(100, device.sent - before);
        assertEquals(32, device.deepest, "frames queued on the device between two flushes");
    }
}
