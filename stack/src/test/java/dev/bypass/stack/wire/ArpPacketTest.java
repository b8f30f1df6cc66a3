package dev.bypass.stack.wire;

import static dev.bypass.stack.wire.WireFixtures.ARP_REPLY;
import static dev.bypass.stack.wire.WireFixtures.ARP_REQUEST;
import static dev.bypass.stack.wire.WireFixtures.IP_A;
import static dev.bypass.stack.wire.WireFixtures.IP_B;
import static dev.bypass.stack.wire.WireFixtures.MAC_A;
import static dev.bypass.stack.wire.WireFixtures.MAC_B;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ArpPacketTest {
    private final ArpPacket arp = new ArpPacket();

    @Test
    void reads_every_field_of_a_captured_request() {
        arp.wrap(offHeap(ARP_REQUEST, 0), EthernetHeader.LENGTH);
        assertTrue(arp.isEthernetIpv4());
        assertEquals(ArpPacket.OPERATION_REQUEST, arp.operation());
        assertEquals(MAC_A, arp.senderMac());
        assertEquals(IP_A, arp.senderIp());
        assertEquals(0L, arp.targetMac());
        assertEquals(IP_B, arp.targetIp());
    }

    @Test
    void reads_every_field_of_a_captured_reply() {
        arp.wrap(offHeap(ARP_REPLY, 0), EthernetHeader.LENGTH);
        assertTrue(arp.isEthernetIpv4());
        assertEquals(ArpPacket.OPERATION_REPLY, arp.operation());
        assertEquals(MAC_B, arp.senderMac());
        assertEquals(IP_B, arp.senderIp());
        assertEquals(MAC_A, arp.targetMac());
        assertEquals(IP_A, arp.targetIp());
    }

    @Test
    void writes_the_captured_request_into_a_prefilled_buffer() {
        UnsafeBuffer b = prefilled(ArpPacket.LENGTH + 2);
        arp.wrap(b, 1).write(ArpPacket.OPERATION_REQUEST, MAC_A, IP_A, 0L, IP_B);
        assertArrayEquals(slice(ARP_REQUEST, EthernetHeader.LENGTH), bytes(b, 1, ArpPacket.LENGTH));
        assertEquals((byte) 0xA5, b.getByte(0));
        assertEquals((byte) 0xA5, b.getByte(ArpPacket.LENGTH + 1));
    }

    @Test
    void writes_the_captured_reply_into_a_prefilled_buffer() {
        UnsafeBuffer b = prefilled(ArpPacket.LENGTH);
        arp.wrap(b, 0).write(ArpPacket.OPERATION_REPLY, MAC_B, IP_B, MAC_A, IP_A);
        assertArrayEquals(slice(ARP_REPLY, EthernetHeader.LENGTH), bytes(b, 0, ArpPacket.LENGTH));
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource({
        "0, 1, hardware type 0x0101",
        "1, 6, hardware type 6 (IEEE 802)",
        "2, 134, protocol type 0x8600",
        "4, 8, hardware address length 8",
        "5, 16, protocol address length 16",
    })
    void is_not_ethernet_ipv4_when_a_fixed_field_differs(int index, int value, String what) {
        byte[] p = slice(ARP_REQUEST, EthernetHeader.LENGTH);
        p[index] = (byte) value;
        arp.wrap(offHeap(p, 0), 0);
        assertFalse(arp.isEthernetIpv4(), what);
    }
}
