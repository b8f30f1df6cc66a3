package dev.bypass.stack.wire;

import static dev.bypass.stack.wire.WireFixtures.UDP_HELLO;
import static dev.bypass.stack.wire.WireFixtures.bytes;
import static dev.bypass.stack.wire.WireFixtures.offHeap;
import static dev.bypass.stack.wire.WireFixtures.prefilled;
import static dev.bypass.stack.wire.WireFixtures.slice;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class UdpHeaderTest {
    private static final int UDP = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;
    private static final int LENGTH = UDP_HELLO.length - UDP;
    private final UdpHeader udp = new UdpHeader();

    private static int sum(UnsafeBuffer b, int offset, int length) {
        return WireFixtures.transportSum(Ipv4Header.PROTOCOL_UDP, b, offset, length);
    }

    @Test
    void reads_every_field_of_a_captured_datagram() {
        UnsafeBuffer b = offHeap(UDP_HELLO, 0);
        udp.wrap(b, UDP);
        assertEquals(44379, udp.sourcePort());
        assertEquals(9999, udp.destinationPort());
        assertEquals(20, udp.length());
        assertEquals(0x14f3, udp.checksum());
        assertTrue(Checksum.isValid(sum(b, UDP, LENGTH)), "checksum over pseudo-header, header and data");
    }

    @Test
    void a_changed_data_byte_breaks_the_checksum() {
        UnsafeBuffer b = offHeap(UDP_HELLO, 0);
        b.putByte(UDP + UdpHeader.LENGTH, (byte) 'H');
        assertFalse(Checksum.isValid(sum(b, UDP, LENGTH)));
    }

    @Test
    void writes_the_captured_datagram_into_a_prefilled_buffer() {
        UnsafeBuffer b = prefilled(LENGTH + 2);
        b.putBytes(1 + UdpHeader.LENGTH, UDP_HELLO, UDP + UdpHeader.LENGTH, LENGTH - UdpHeader.LENGTH);
        udp.wrap(b, 1).write(44379, 9999, LENGTH, 0);
        udp.checksum(Checksum.finish(sum(b, 1, LENGTH)));
        assertArrayEquals(slice(UDP_HELLO, UDP), bytes(b, 1, LENGTH));
        assertEquals((byte) 0xA5, b.getByte(0));
        assertEquals((byte) 0xA5, b.getByte(LENGTH + 1));
    }

    @Test
    void write_puts_the_checksum_as_given() {
        UnsafeBuffer b = prefilled(UdpHeader.LENGTH);
        udp.wrap(b, 0).write(1, 2, 8, 0xFFFF);
        assertArrayEquals(new byte[] {0, 1, 0, 2, 0, 8, (byte) 0xFF, (byte) 0xFF}, bytes(b, 0, 8));
    }

    @Test
    void reads_impossible_length_fields_as_is_for_the_caller_to_refuse() {
        byte[] h = slice(UDP_HELLO, UDP);
        h[4] = 0;
        h[5] = 7;
        udp.wrap(offHeap(h, 0), 0);
        assertEquals(7, udp.length());
        h[4] = (byte) 0xFF;
        h[5] = (byte) 0xFF;
        udp.wrap(offHeap(h, 0), 0);
        assertEquals(65535, udp.length());
    }
}
