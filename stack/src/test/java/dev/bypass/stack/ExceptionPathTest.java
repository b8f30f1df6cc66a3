package dev.bypass.stack;

import static dev.bypass.stack.StackFixture.OUR_IP;
import static dev.bypass.stack.StackFixture.OUR_MAC;
import static dev.bypass.stack.StackFixture.PEER_IP;
import static dev.bypass.stack.StackFixture.PEER_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.TcpHeader;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** What the exception path takes from the stack and gives it, frame by frame (the kernel is the test). */
class ExceptionPathTest {
    private final StackFixture f = StackFixture.peerKnown();
    private final ExceptionPath path = new ExceptionPath(64 * 1024);

    ExceptionPathTest() {
        f.stack.exceptionPath(path);
    }

    /** The frames the stack handed to the kernel since the last call. */
    private List<byte[]> toKernel() {
        List<byte[]> out = new ArrayList<>();
        path.drainToKernel((type, buffer, index, length) -> {
            byte[] b = new byte[length];
            buffer.getBytes(index, b);
            out.add(b);
        }, 100);
        return out;
    }

    private static byte[] syn(int port) {
        return StackFixture.ipFrame(PEER_IP, OUR_IP, 6, Packets.tcp(PEER_IP, OUR_IP, 40000, port, 1000, 0, TcpHeader.SYN,
            65535, 1460, -1, false, false, 0, 0, new byte[0]));
    }

    @Test
    void a_segment_for_no_socket_goes_to_the_kernel_whole_instead_of_a_reset() {
        byte[] syn = syn(22);
        assertEquals(Counter.EXCEPTION_TO_KERNEL, f.outcome(syn));
        f.sentNothing(); // no reset: the kernel answers
        List<byte[]> frames = toKernel();
        assertEquals(1, frames.size());
        assertArrayEquals(syn, frames.get(0));
        assertEquals(0, f.counter(Counter.TCP_DROP_NO_SOCKET));
    }

    @Test
    void a_segment_for_a_listener_stays_with_the_stack() {
        f.stack.tcp().listen(80);
        assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(syn(80)));
        assertTrue(f.sentOne().tcp.has(TcpHeader.SYN | TcpHeader.ACK));
        assertEquals(0, toKernel().size());
    }

    @Test
    void a_datagram_for_no_socket_goes_to_the_kernel_without_an_icmp_error() {
        byte[] ntp = StackFixture.udpFrame(PEER_IP, OUR_IP, 123, 123, new byte[48]);
        assertEquals(Counter.EXCEPTION_TO_KERNEL, f.outcome(ntp));
        f.sentNothing();
        assertArrayEquals(ntp, toKernel().get(0));
    }

    @Test
    void an_unknown_ethertype_and_multicast_go_to_the_kernel() {
        byte[] ipv6 = Packets.ethernet(OUR_MAC, PEER_MAC, 0x86DD, new byte[40]);
        byte[] lldp = Packets.ethernet(0x0180_C200_000EL, PEER_MAC, 0x88CC, new byte[46]);
        assertEquals(Counter.EXCEPTION_TO_KERNEL, f.outcome(ipv6));
        assertEquals(Counter.EXCEPTION_TO_KERNEL, f.outcome(lldp));
        List<byte[]> frames = toKernel();
        assertArrayEquals(ipv6, frames.get(0));
        assertArrayEquals(lldp, frames.get(1));
        // Unicast for another MAC is still nobody's.
        byte[] other = Packets.ethernet(StackFixture.OTHER_MAC, PEER_MAC, 0x86DD, new byte[40]);
        assertEquals(Counter.ETH_DROP_NOT_FOR_US, f.outcome(other));
    }

    @Test
    void arp_is_answered_by_the_stack_and_copied_to_the_kernel() {
        byte[] request = StackFixture.arpFrame(ArpPacket.OPERATION_REQUEST, -1L & 0xFFFF_FFFF_FFFFL, PEER_MAC, PEER_IP,
            0, OUR_IP);
        assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(request));
        Parsed reply = f.sentOne();
        assertEquals(ArpPacket.OPERATION_REPLY, reply.arpOperation);
        assertArrayEquals(request, toKernel().get(0));
        assertEquals(1, f.counter(Counter.EXCEPTION_COPIED_TO_KERNEL));
    }

    @Test
    void the_kernels_frames_go_out_on_the_nic_as_they_are() {
        byte[] fromKernel = StackFixture.ipFrame(OUR_IP, PEER_IP, 6, Packets.tcp(OUR_IP, PEER_IP, 22, 40000, 5, 1001,
            TcpHeader.SYN | TcpHeader.ACK, 64240, 1460, -1, false, false, 0, 0, new byte[0]));
        // The kernel writes from our MAC to the peer's, as the NIC would.
        System.arraycopy(Packets.ethernet(PEER_MAC, OUR_MAC, EthernetHeader.TYPE_IPV4, new byte[0]), 0, fromKernel, 0,
            EthernetHeader.LENGTH);
        assertTrue(path.offerFromKernel(new UnsafeBuffer(fromKernel), 0, fromKernel.length));
        assertEquals(f.stack.nowNs(), f.stack.nextDeadlineNs(), "a kernel frame makes the next poll due now");
        f.poll();
        Parsed out = f.sentOne();
        byte[] padded = java.util.Arrays.copyOf(fromKernel, Math.max(fromKernel.length, EthernetHeader.MIN_FRAME_LENGTH));
        assertArrayEquals(padded, out.bytes, "the kernel's frame, padded to 60 bytes as a NIC pads");
        assertEquals(1, f.counter(Counter.EXCEPTION_FROM_KERNEL));
        f.assertPoolFull();
    }

    @Test
    void a_full_ring_drops_and_counts_and_a_second_path_is_refused() {
        ExceptionPath tiny = new ExceptionPath(16 * 1024);
        StackFixture g = StackFixture.peerKnown();
        g.stack.exceptionPath(tiny);
        byte[] big = StackFixture.udpFrame(PEER_IP, OUR_IP, 5000, 5001, new byte[1400]);
        int toKernel = 0;
        int full = 0;
        List<Counter> fates = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            Counter fate = g.outcome(big);
            fates.add(fate);
            toKernel += fate == Counter.EXCEPTION_TO_KERNEL ? 1 : 0;
            full += fate == Counter.EXCEPTION_RING_FULL ? 1 : 0;
        }
        assertEquals(15, toKernel + full, fates::toString);
        assertTrue(full > 0 && toKernel > 0, "a 16 KiB ring takes about ten 1.4 KiB frames: " + toKernel + " / " + full);
        // A frame larger than a ring message (an eighth of a 4 KiB ring) is dropped and counted, never thrown.
        StackFixture h = StackFixture.peerKnown();
        h.stack.exceptionPath(new ExceptionPath(4096));
        assertEquals(Counter.EXCEPTION_RING_FULL, h.outcome(big));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.stack.exceptionPath(new ExceptionPath()));
        assertTrue(e.getMessage().contains("has an exception path already"), e.getMessage());
    }
}
