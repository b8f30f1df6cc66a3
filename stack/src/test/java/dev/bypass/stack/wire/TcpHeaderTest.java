package dev.bypass.stack.wire;

import static dev.bypass.stack.wire.WireFixtures.TCP_DATA;
import static dev.bypass.stack.wire.WireFixtures.TCP_SYN;
import static dev.bypass.stack.wire.WireFixtures.bytes;
import static dev.bypass.stack.wire.WireFixtures.offHeap;
import static dev.bypass.stack.wire.WireFixtures.prefilled;
import static dev.bypass.stack.wire.WireFixtures.slice;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class TcpHeaderTest {
    private static final int TCP = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;
    private final TcpHeader tcp = new TcpHeader();

    private static int sum(UnsafeBuffer b, int offset, int length) {
        return WireFixtures.transportSum(Ipv4Header.PROTOCOL_TCP, b, offset, length);
    }

    @Test
    void reads_every_field_of_a_captured_syn() {
        UnsafeBuffer b = offHeap(TCP_SYN, 0);
        tcp.wrap(b, TCP);
        assertEquals(59528, tcp.sourcePort());
        assertEquals(8080, tcp.destinationPort());
        assertEquals(0xa7408c91, tcp.sequence());
        assertEquals(0, tcp.acknowledgment());
        assertEquals(40, tcp.headerLength());
        assertEquals(TcpHeader.SYN, tcp.flags());
        assertEquals(64240, tcp.window());
        assertEquals(0x0375, tcp.checksum());
        assertEquals(0, tcp.urgentPointer());
        assertTrue(Checksum.isValid(sum(b, TCP, TCP_SYN.length - TCP)));
    }

    @Test
    void reads_every_field_of_a_captured_data_segment() {
        tcp.wrap(offHeap(TCP_DATA, 0), TCP);
        assertEquals(0xa7408c92, tcp.sequence());
        assertEquals(0x2101afbf, tcp.acknowledgment());
        assertEquals(32, tcp.headerLength());
        assertEquals(TcpHeader.PSH | TcpHeader.ACK, tcp.flags());
        assertEquals(63, tcp.window());
        assertEquals(0x8ff4, tcp.checksum());
    }

    @Test
    void writes_the_captured_syn_with_linux_option_order_into_a_prefilled_buffer() {
        int length = TCP_SYN.length - TCP;
        UnsafeBuffer b = prefilled(length + 2);
        tcp.wrap(b, 1).write(59528, 8080, 0xa7408c91, 0, 40, TcpHeader.SYN, 64240);
        int options = TcpSegment.emitOptions(b, 1 + TcpHeader.MIN_LENGTH, 1460, 10, true, true, 0xbb26c65d, 0, null, 0);
        assertEquals(20, options);
        tcp.checksum(Checksum.finish(sum(b, 1, length)));
        assertArrayEquals(slice(TCP_SYN, TCP), bytes(b, 1, length));
        assertEquals((byte) 0xA5, b.getByte(0));
        assertEquals((byte) 0xA5, b.getByte(length + 1));
    }

    @Test
    void writes_the_captured_data_segment_into_a_prefilled_buffer() {
        int length = TCP_DATA.length - TCP;
        UnsafeBuffer b = prefilled(length);
        tcp.wrap(b, 0).write(59528, 8080, 0xa7408c92, 0x2101afbf, 32, TcpHeader.PSH | TcpHeader.ACK, 63);
        TcpSegment.emitOptions(b, TcpHeader.MIN_LENGTH, -1, -1, false, true, 0xbb26c65d, 0xbabf7620, null, 0);
        b.putBytes(32, TCP_DATA, TCP + 32, 3);
        tcp.checksum(Checksum.finish(sum(b, 0, length)));
        assertArrayEquals(slice(TCP_DATA, TCP), bytes(b, 0, length));
    }

    @Test
    void setters_change_only_their_field() {
        UnsafeBuffer b = offHeap(TCP_DATA, 0);
        tcp.wrap(b, TCP);
        tcp.sequence(7);
        tcp.flags(TcpHeader.FIN | TcpHeader.ACK);
        assertEquals(7, tcp.sequence());
        assertEquals(TcpHeader.FIN | TcpHeader.ACK, tcp.flags());
        assertEquals(0x2101afbf, tcp.acknowledgment());
        assertEquals(32, tcp.headerLength());
        assertEquals(63, tcp.window());
    }

    @Test
    void flags_print_in_tcpdump_style() {
        assertEquals("S.", TcpHeader.flagsToString(TcpHeader.SYN | TcpHeader.ACK));
        assertEquals("FRP.UEW", TcpHeader.flagsToString(0xFF & ~TcpHeader.SYN));
    }
}
