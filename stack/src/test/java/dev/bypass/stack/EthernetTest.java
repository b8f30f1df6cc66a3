package dev.bypass.stack;

import static dev.bypass.stack.StackFixture.OUR_IP;
import static dev.bypass.stack.StackFixture.OUR_MAC;
import static dev.bypass.stack.StackFixture.PEER_IP;
import static dev.bypass.stack.StackFixture.PEER_MAC;
import static dev.bypass.stack.StackFixture.arpFrame;
import static dev.bypass.stack.StackFixture.assertArp;
import static dev.bypass.stack.StackFixture.udpFrame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Ethernet input (addressing, VLAN tags, EtherTypes, length) and output padding. */
class EthernetTest {
    private final StackFixture f = StackFixture.started();

    /** {@code frame} with tags (TPID, TCI pairs) inserted after the source MAC. */
    private static byte[] tagged(byte[] frame, int... tpidAndTci) {
        byte[] out = new byte[frame.length + 2 * tpidAndTci.length];
        System.arraycopy(frame, 0, out, 0, 12);
        for (int i = 0; i < tpidAndTci.length; i++) {
            out[12 + 2 * i] = (byte) (tpidAndTci[i] >>> 8);
            out[13 + 2 * i] = (byte) tpidAndTci[i];
        }
        System.arraycopy(frame, 12, out, 12 + 2 * tpidAndTci.length, frame.length - 12);
        return out;
    }

    private static byte[] arpRequestForUs(long ethernetDestination) {
        return arpFrame(ArpPacket.OPERATION_REQUEST, ethernetDestination, PEER_MAC, PEER_IP, 0, OUR_IP);
    }

    @Test
    void a_frame_to_another_mac_is_dropped_and_counted() {
        assertEquals(Counter.ETH_DROP_NOT_FOR_US, f.outcome(arpRequestForUs(0x02_00_00_00_00_99L)));
        f.sentNothing();
        assertEquals(-1, f.stack.arpLookup(PEER_IP), "not looked at");
    }

    @Test
    void a_multicast_frame_of_a_group_we_did_not_join_is_not_for_us() {
        assertEquals(Counter.ETH_DROP_NOT_FOR_US, f.outcome(arpRequestForUs(0x01_00_5E_01_02_03L)));
        f.sentNothing();
    }

    @Test
    void a_broadcast_frame_is_accepted() {
        assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(arpRequestForUs(MacAddress.BROADCAST)));
        assertArp(f.sentOne(), ArpPacket.OPERATION_REPLY, PEER_MAC, PEER_IP, PEER_MAC);
    }

    @Test
    void a_frame_to_our_mac_is_accepted() {
        assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(arpRequestForUs(OUR_MAC)));
        assertEquals(1, f.sent().size());
    }

    @Test
    void an_802_1q_tagged_arp_request_gets_a_reply() {
        byte[] frame = tagged(arpRequestForUs(MacAddress.BROADCAST), EthernetHeader.TYPE_VLAN, 0xA064);
        assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frame));
        assertArp(f.sentOne(), ArpPacket.OPERATION_REPLY, PEER_MAC, PEER_IP, PEER_MAC);
    }

    @Test
    void a_qinq_tagged_arp_request_gets_a_reply() {
        byte[] frame = tagged(arpRequestForUs(MacAddress.BROADCAST), EthernetHeader.TYPE_QINQ, 200,
            EthernetHeader.TYPE_VLAN, 100);
        assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frame));
        assertArp(f.sentOne(), ArpPacket.OPERATION_REPLY, PEER_MAC, PEER_IP, PEER_MAC);
    }

    @Test
    void a_tagged_udp_datagram_is_delivered() {
        UdpSocket socket = f.stack.udp().open(7000);
        byte[] datagram = udpFrame(PEER_IP, OUR_IP, 1234, 7000, Packets.ascii("tagged"));
        byte[] frame = tagged(datagram, EthernetHeader.TYPE_VLAN, 5);
        assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frame));
        assertArrayEquals(Packets.ascii("tagged"), StackFixture.read(socket));
    }

    @Test
    void a_third_tag_is_an_unknown_ethertype() {
        byte[] frame = tagged(arpRequestForUs(MacAddress.BROADCAST), EthernetHeader.TYPE_QINQ, 200,
            EthernetHeader.TYPE_VLAN, 100, EthernetHeader.TYPE_VLAN, 101);
        assertEquals(Counter.ETH_DROP_UNKNOWN_TYPE, f.outcome(frame));
        f.sentNothing();
    }

    @Test
    void a_frame_shorter_than_the_header_is_dropped_as_too_short() {
        byte[] frame = Arrays.copyOf(arpRequestForUs(OUR_MAC), 13);
        assertEquals(Counter.ETH_DROP_TOO_SHORT, f.outcome(frame));
        assertEquals(Counter.ETH_DROP_TOO_SHORT, f.outcome(new byte[0]));
    }

    @Test
    void a_frame_cut_inside_its_vlan_tag_is_dropped_as_too_short() {
        byte[] frame = tagged(arpRequestForUs(OUR_MAC), EthernetHeader.TYPE_VLAN, 100);
        assertEquals(Counter.ETH_DROP_TOO_SHORT, f.outcome(Arrays.copyOf(frame, 17)));
    }

    @Test
    void ipv6_is_an_unknown_ethertype() {
        byte[] frame = Packets.ethernet(OUR_MAC, PEER_MAC, EthernetHeader.TYPE_IPV6, new byte[40]);
        assertEquals(Counter.ETH_DROP_UNKNOWN_TYPE, f.outcome(frame));
        assertEquals(Counter.ETH_DROP_UNKNOWN_TYPE, f.outcome(tagged(frame, EthernetHeader.TYPE_VLAN, 100)));
        f.sentNothing();
    }

    @Test
    void a_header_alone_with_a_known_ethertype_reaches_the_protocol_and_is_too_short_there() {
        assertEquals(Counter.ARP_DROP_MALFORMED, f.outcome(Packets.ethernet(OUR_MAC, PEER_MAC, EthernetHeader.TYPE_ARP,
            new byte[0])));
        assertEquals(Counter.IP_DROP_TOO_SHORT, f.outcome(Packets.ethernet(OUR_MAC, PEER_MAC, EthernetHeader.TYPE_IPV4,
            new byte[0])));
    }

    @Test
    void a_short_reply_is_padded_with_zeros_to_60_bytes() {
        f.receive(arpRequestForUs(MacAddress.BROADCAST));
        Parsed reply = f.sentOne();
        assertEquals(EthernetHeader.MIN_FRAME_LENGTH, reply.bytes.length);
        assertArrayEquals(new byte[60 - 42], Arrays.copyOfRange(reply.bytes, 42, 60));
    }

    @Test
    void a_short_udp_datagram_is_padded_to_60_bytes() {
        StackFixture known = StackFixture.peerKnown();
        UdpSocket socket = known.stack.udp().open(7000);
        known.send(socket, PEER_IP, 9, new byte[] {42});
        Parsed p = known.sentOne();
        assertEquals(60, p.bytes.length);
        assertEquals(29, p.ipTotalLength, "the IP packet stays 29 bytes; the rest is padding");
        assertArrayEquals(new byte[] {42}, p.payload);
    }

    @Test
    void every_frame_is_counted_as_received() {
        f.receive(arpRequestForUs(MacAddress.BROADCAST));
        f.receive(new byte[3]);
        assertEquals(2, f.counter(Counter.ETH_RX_FRAMES));
        assertEquals(f.counter(Counter.ETH_RX_FRAMES), f.counter(Counter.STACK_RX_ACCEPTED)
            + f.stack.counters().totalDrops());
    }
}
