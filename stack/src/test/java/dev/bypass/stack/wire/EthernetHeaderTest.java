package dev.bypass.stack.wire;

import static dev.bypass.stack.wire.WireFixtures.ARP_REQUEST;
import static dev.bypass.stack.wire.WireFixtures.ECHO_REQUEST;
import static dev.bypass.stack.wire.WireFixtures.MAC_A;
import static dev.bypass.stack.wire.WireFixtures.MAC_B;
import static dev.bypass.stack.wire.WireFixtures.bytes;
import static dev.bypass.stack.wire.WireFixtures.hex;
import static dev.bypass.stack.wire.WireFixtures.offHeap;
import static dev.bypass.stack.wire.WireFixtures.prefilled;
import static dev.bypass.stack.wire.WireFixtures.slice;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bypass.stack.addr.MacAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class EthernetHeaderTest {
    /** The captured ARP request with an 802.1Q tag (PCP 5, VLAN 100) inserted: hand-made. */
    static final byte[] TAGGED_ARP = hex("ffffffffffff02000000000a 8100 a064 0806");
    /** QinQ: an 802.1ad outer tag (VLAN 200) then an 802.1Q tag (VLAN 100): hand-made. */
    static final byte[] QINQ_ARP = hex("ffffffffffff02000000000a 88a8 00c8 8100 0064 0806");
    /** Three tags: more than the view skips. */
    static final byte[] TRIPLE_TAGGED = hex("ffffffffffff02000000000a 88a8 00c8 8100 0064 8100 0065 0806");

    private final EthernetHeader header = new EthernetHeader();

    @Test
    void reads_every_field_of_a_captured_broadcast_arp_frame() {
        header.wrap(offHeap(ARP_REQUEST, 3), 3);
        assertEquals(MacAddress.BROADCAST, header.destination());
        assertEquals(MAC_A, header.source());
        assertEquals(EthernetHeader.TYPE_ARP, header.outerType());
        assertEquals(14, header.headerLength(ARP_REQUEST.length));
        assertEquals(EthernetHeader.TYPE_ARP, header.payloadType(14));
        assertEquals(-1, header.vlanId(14));
    }

    @Test
    void reads_a_captured_unicast_ipv4_frame() {
        header.wrap(offHeap(ECHO_REQUEST, 0), 0);
        assertEquals(MAC_B, header.destination());
        assertEquals(MAC_A, header.source());
        assertEquals(EthernetHeader.TYPE_IPV4, header.payloadType(header.headerLength(ECHO_REQUEST.length)));
    }

    @Test
    void writes_the_captured_header_into_a_prefilled_buffer() {
        UnsafeBuffer b = prefilled(40);
        header.wrap(b, 5).destination(MacAddress.BROADCAST).source(MAC_A).type(EthernetHeader.TYPE_ARP);
        assertArrayEquals(slice(ARP_REQUEST, 0, 14), bytes(b, 5, 14));
        assertEquals((byte) 0xA5, b.getByte(4), "nothing written before the header");
        assertEquals((byte) 0xA5, b.getByte(19), "nothing written after the header");
    }

    @Test
    void skips_an_802_1q_tag_and_reads_the_vlan_id_without_the_priority_bits() {
        header.wrap(offHeap(TAGGED_ARP, 0), 0);
        assertEquals(EthernetHeader.TYPE_VLAN, header.outerType());
        assertEquals(18, header.headerLength(TAGGED_ARP.length));
        assertEquals(EthernetHeader.TYPE_ARP, header.payloadType(18));
        assertEquals(100, header.vlanId(18));
    }

    @Test
    void skips_a_qinq_outer_and_inner_tag_and_reads_the_inner_vlan_id() {
        header.wrap(offHeap(QINQ_ARP, 0), 0);
        assertEquals(EthernetHeader.TYPE_QINQ, header.outerType());
        assertEquals(22, header.headerLength(QINQ_ARP.length));
        assertEquals(EthernetHeader.TYPE_ARP, header.payloadType(22));
        assertEquals(100, header.vlanId(22));
    }

    @Test
    void stops_after_two_tags_so_a_third_tag_reads_as_the_payload_type() {
        header.wrap(offHeap(TRIPLE_TAGGED, 0), 0);
        assertEquals(22, header.headerLength(TRIPLE_TAGGED.length));
        assertEquals(EthernetHeader.TYPE_VLAN, header.payloadType(22));
    }

    @Test
    void header_length_is_minus_one_when_the_frame_cannot_hold_the_header_or_its_tags() {
        header.wrap(offHeap(ARP_REQUEST, 0), 0);
        assertEquals(-1, header.headerLength(13), "untagged, one byte short");
        assertEquals(14, header.headerLength(14), "untagged, header only");
        header.wrap(offHeap(TAGGED_ARP, 0), 0);
        assertEquals(-1, header.headerLength(17), "tag cut short");
        assertEquals(18, header.headerLength(18));
        header.wrap(offHeap(QINQ_ARP, 0), 0);
        assertEquals(-1, header.headerLength(18), "outer tag in, inner tag missing");
        assertEquals(-1, header.headerLength(21));
        assertEquals(22, header.headerLength(22));
    }
}
