package dev.bypass.stack.wire;

import static dev.bypass.stack.wire.WireFixtures.ECHO_REPLY;
import static dev.bypass.stack.wire.WireFixtures.ECHO_REQUEST;
import static dev.bypass.stack.wire.WireFixtures.PORT_UNREACHABLE;
import static dev.bypass.stack.wire.WireFixtures.bytes;
import static dev.bypass.stack.wire.WireFixtures.hex;
import static dev.bypass.stack.wire.WireFixtures.offHeap;
import static dev.bypass.stack.wire.WireFixtures.prefilled;
import static dev.bypass.stack.wire.WireFixtures.slice;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class IcmpHeaderTest {
    private static final int ICMP = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;
    /**
     * RFC 1191 section 4 "fragmentation needed" with next-hop MTU 1400 about a 1500-byte packet: hand-made,
     * checksum worked out by hand (0x0304 + 0x0578 + 0x4500 + 0x05dc + 0x4000 + 0x4011 + 0xc612 + 0x0002
     * + 0xc612 + 0x0001 = 0x25f90, folded 0x5f92, complemented 0xa06d).
     */
    static final byte[] FRAGMENTATION_NEEDED = hex("0304 a06d 0000 0578"
        + "4500 05dc 0000 4000 4011 0000 c6120002 c6120001");

    private final IcmpHeader icmp = new IcmpHeader();

    @Test
    void reads_every_field_of_a_captured_echo_request() {
        UnsafeBuffer b = offHeap(ECHO_REQUEST, 0);
        icmp.wrap(b, ICMP);
        assertEquals(IcmpHeader.TYPE_ECHO_REQUEST, icmp.type());
        assertEquals(0, icmp.code());
        assertEquals(0x31a2, icmp.checksum());
        assertEquals(0x4e10, icmp.identifier());
        assertEquals(1, icmp.sequence());
        assertTrue(Checksum.isValid(Checksum.sum(b, ICMP, ECHO_REQUEST.length - ICMP)));
    }

    @Test
    void reads_every_field_of_the_captured_echo_reply() {
        UnsafeBuffer b = offHeap(ECHO_REPLY, 0);
        icmp.wrap(b, ICMP);
        assertEquals(IcmpHeader.TYPE_ECHO_REPLY, icmp.type());
        assertEquals(0, icmp.code());
        assertEquals(0x39a2, icmp.checksum());
        assertEquals(0x4e10, icmp.identifier());
        assertEquals(1, icmp.sequence());
        assertTrue(Checksum.isValid(Checksum.sum(b, ICMP, ECHO_REPLY.length - ICMP)));
    }

    @Test
    void reads_type_and_code_of_a_captured_port_unreachable() {
        icmp.wrap(offHeap(PORT_UNREACHABLE, 0), ICMP);
        assertEquals(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, icmp.type());
        assertEquals(IcmpHeader.CODE_PORT_UNREACHABLE, icmp.code());
        assertEquals(0x894a, icmp.checksum());
        assertEquals(0, icmp.nextHopMtu());
    }

    @Test
    void reads_the_next_hop_mtu_of_fragmentation_needed() {
        UnsafeBuffer b = offHeap(FRAGMENTATION_NEEDED, 0);
        icmp.wrap(b, 0);
        assertEquals(IcmpHeader.CODE_FRAGMENTATION_NEEDED, icmp.code());
        assertEquals(1400, icmp.nextHopMtu());
        assertTrue(Checksum.isValid(Checksum.sum(b, 0, FRAGMENTATION_NEEDED.length)), "hand-made checksum right");
    }

    @Test
    void writes_the_captured_echo_request_into_a_prefilled_buffer() {
        int length = ECHO_REQUEST.length - ICMP;
        UnsafeBuffer b = prefilled(length + 2);
        b.putBytes(1 + IcmpHeader.LENGTH, ECHO_REQUEST, ICMP + IcmpHeader.LENGTH, length - IcmpHeader.LENGTH);
        icmp.wrap(b, 1).type(IcmpHeader.TYPE_ECHO_REQUEST).code(0).rest(0x4e10_0001);
        icmp.updateChecksum(length);
        assertArrayEquals(slice(ECHO_REQUEST, ICMP), bytes(b, 1, length));
        assertEquals((byte) 0xA5, b.getByte(0));
        assertEquals((byte) 0xA5, b.getByte(length + 1));
    }

    @Test
    void writes_the_captured_port_unreachable_into_a_prefilled_buffer() {
        int length = PORT_UNREACHABLE.length - ICMP;
        UnsafeBuffer b = prefilled(length);
        b.putBytes(IcmpHeader.LENGTH, PORT_UNREACHABLE, ICMP + IcmpHeader.LENGTH, length - IcmpHeader.LENGTH);
        icmp.wrap(b, 0).type(IcmpHeader.TYPE_DESTINATION_UNREACHABLE).code(IcmpHeader.CODE_PORT_UNREACHABLE).rest(0);
        icmp.updateChecksum(length);
        assertArrayEquals(slice(PORT_UNREACHABLE, ICMP), bytes(b, 0, length));
    }

    @Test
    void writes_fragmentation_needed_with_its_mtu() {
        UnsafeBuffer b = prefilled(FRAGMENTATION_NEEDED.length);
        b.putBytes(IcmpHeader.LENGTH, FRAGMENTATION_NEEDED, IcmpHeader.LENGTH,
            FRAGMENTATION_NEEDED.length - IcmpHeader.LENGTH);
        icmp.wrap(b, 0).type(IcmpHeader.TYPE_DESTINATION_UNREACHABLE).code(IcmpHeader.CODE_FRAGMENTATION_NEEDED)
            .rest(1400);
        icmp.updateChecksum(FRAGMENTATION_NEEDED.length);
        assertArrayEquals(FRAGMENTATION_NEEDED, bytes(b, 0, FRAGMENTATION_NEEDED.length));
    }

    @Test
    void checksum_of_an_odd_length_message_pads_with_zero() {
        byte[] odd = {8, 0, 0, 0, 0, 1, 0, 2, 0x7F};
        UnsafeBuffer b = offHeap(odd, 0);
        icmp.wrap(b, 0).updateChecksum(odd.length);
        // 0x0800 + 0x0001 + 0x0002 + 0x7f00 = 0x8703, complemented 0x78fc.
        assertEquals(0x78fc, icmp.checksum());
        assertTrue(Checksum.isValid(Checksum.sum(b, 0, odd.length)));
    }
}
