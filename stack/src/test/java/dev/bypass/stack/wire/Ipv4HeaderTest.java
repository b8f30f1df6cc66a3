package dev.bypass.stack.wire;

import static dev.bypass.stack.wire.WireFixtures.ECHO_REQUEST;
import static dev.bypass.stack.wire.WireFixtures.FRAGMENT_HEADER;
import static dev.bypass.stack.wire.WireFixtures.IP_A;
import static dev.bypass.stack.wire.WireFixtures.IP_B;
import static dev.bypass.stack.wire.WireFixtures.PORT_UNREACHABLE;
import static dev.bypass.stack.wire.WireFixtures.RECORD_ROUTE_ECHO;
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

class Ipv4HeaderTest {
    private static final int ETH = EthernetHeader.LENGTH;
    private final Ipv4Header ip = new Ipv4Header();

    @Test
    void reads_every_field_of_a_captured_echo_request_header() {
        ip.wrap(offHeap(ECHO_REQUEST, 0), ETH);
        assertEquals(ETH, ip.offset());
        assertEquals(4, ip.version());
        assertEquals(20, ip.headerLength());
        assertEquals(0, ip.tos());
        assertEquals(52, ip.totalLength());
        assertEquals(0x195c, ip.identification());
        assertEquals(Ipv4Header.FLAG_DONT_FRAGMENT, ip.flagsAndFragment());
        assertTrue(ip.dontFragment());
        assertFalse(ip.moreFragments());
        assertEquals(0, ip.fragmentOffset());
        assertEquals(64, ip.ttl());
        assertEquals(Ipv4Header.PROTOCOL_ICMP, ip.protocol());
        assertEquals(0x9545, ip.checksum());
        assertEquals(IP_A, ip.source());
        assertEquals(IP_B, ip.destination());
        assertTrue(ip.checksumValid());
    }

    @Test
    void reads_tos_of_a_captured_icmp_error() {
        ip.wrap(offHeap(PORT_UNREACHABLE, 0), ETH);
        assertEquals(0xc0, ip.tos(), "Linux sends ICMP errors as CS6");
        assertEquals(0, ip.flagsAndFragment());
        assertEquals(IP_B, ip.source());
        assertTrue(ip.checksumValid());
    }

    @Test
    void reads_the_offset_in_bytes_of_a_captured_last_fragment() {
        ip.wrap(offHeap(FRAGMENT_HEADER, 0), 0);
        assertEquals(0xb9, ip.flagsAndFragment());
        assertEquals(1480, ip.fragmentOffset());
        assertFalse(ip.moreFragments());
        assertFalse(ip.dontFragment());
        assertEquals(148, ip.totalLength());
        assertTrue(ip.checksumValid());
    }

    @Test
    void the_checksum_of_a_captured_header_with_options_covers_the_options() {
        UnsafeBuffer b = offHeap(RECORD_ROUTE_ECHO, 0);
        ip.wrap(b, ETH);
        assertEquals(60, ip.headerLength());
        assertTrue(ip.checksumValid());
        b.putByte(ETH + 50, (byte) 1); // inside the record-route option
        assertFalse(ip.checksumValid());
        ip.updateChecksum();
        assertTrue(ip.checksumValid());
    }

    @Test
    void a_flipped_bit_makes_the_checksum_invalid() {
        UnsafeBuffer b = offHeap(ECHO_REQUEST, 0);
        ip.wrap(b, ETH);
        b.putByte(ETH + Ipv4Header.TTL_OFFSET, (byte) 63);
        assertFalse(ip.checksumValid());
    }

    @Test
    void writes_the_captured_header_into_a_prefilled_buffer() {
        UnsafeBuffer b = prefilled(30);
        ip.wrap(b, 2).write(0, 52, 0x195c, Ipv4Header.FLAG_DONT_FRAGMENT, 64, Ipv4Header.PROTOCOL_ICMP, IP_A, IP_B,
            false);
        assertArrayEquals(slice(ECHO_REQUEST, ETH, ETH + 20), bytes(b, 2, 20));
        assertEquals((byte) 0xA5, b.getByte(1));
        assertEquals((byte) 0xA5, b.getByte(22));
    }

    @Test
    void writes_the_captured_fragment_header_into_a_prefilled_buffer() {
        UnsafeBuffer b = prefilled(20);
        ip.wrap(b, 0).write(0, 148, 0x1db0, 1480 / 8, 64, Ipv4Header.PROTOCOL_ICMP, IP_A, IP_B, false);
        assertArrayEquals(FRAGMENT_HEADER, bytes(b, 0, 20));
    }

    @Test
    void leaves_the_checksum_zero_for_the_device_when_offloaded() {
        UnsafeBuffer b = prefilled(20);
        ip.wrap(b, 0).write(0, 52, 0x195c, Ipv4Header.FLAG_DONT_FRAGMENT, 64, Ipv4Header.PROTOCOL_ICMP, IP_A, IP_B,
            true);
        byte[] expected = slice(ECHO_REQUEST, ETH, ETH + 20);
        expected[10] = 0;
        expected[11] = 0;
        assertArrayEquals(expected, bytes(b, 0, 20));
    }

    @Test
    void setters_change_only_their_field() {
        UnsafeBuffer b = offHeap(ECHO_REQUEST, 0);
        ip.wrap(b, ETH);
        ip.totalLength(1500);
        ip.identification(0xBEEF);
        ip.flagsAndFragment(Ipv4Header.FLAG_MORE_FRAGMENTS | 185);
        ip.ttl(1);
        assertEquals(1500, ip.totalLength());
        assertEquals(0xBEEF, ip.identification());
        assertTrue(ip.moreFragments());
        assertEquals(1480, ip.fragmentOffset());
        assertEquals(1, ip.ttl());
        assertEquals(IP_A, ip.source());
        assertEquals(IP_B, ip.destination());
        assertEquals(Ipv4Header.PROTOCOL_ICMP, ip.protocol());
    }

    @Test
    void reports_an_impossible_ihl_as_is_for_the_caller_to_refuse() {
        // The view does not judge: Ipv4.input compares the length with 20 and with the packet.
        byte[] h = slice(ECHO_REQUEST, ETH, ETH + 20);
        h[0] = 0x43;
        ip.wrap(offHeap(h, 0), 0);
        assertEquals(4, ip.version());
        assertEquals(12, ip.headerLength());
        h[0] = 0x60;
        ip.wrap(offHeap(h, 0), 0);
        assertEquals(6, ip.version());
        assertEquals(0, ip.headerLength());
    }
}
