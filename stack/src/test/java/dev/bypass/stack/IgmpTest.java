package dev.bypass.stack;

import static dev.bypass.stack.StackFixture.OUR_IP;
import static dev.bypass.stack.StackFixture.PEER_IP;
import static dev.bypass.stack.StackFixture.PEER_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.testing.Packets;
import java.nio.ByteOrder;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** IGMP on the host side: joins and leaves reported, queries answered in the querier's version, group datagrams delivered. */
class IgmpTest {
    private static final int GROUP = StackFixture.ip("239.1.2.3");
    private static final int OTHER_GROUP = StackFixture.ip("239.1.2.4");
    private final StackFixture f = StackFixture.peerKnown();

    /** The IGMP message of a sent frame, after checking its IPv4 header (options, TTL 1, Router Alert, checksums). */
    private static UnsafeBuffer igmpOf(byte[] frame, int destination) {
        UnsafeBuffer b = new UnsafeBuffer(frame);
        int ip = EthernetHeader.LENGTH;
        assertEquals(0x46, b.getByte(ip) & 0xFF, "IPv4 with one option word");
        assertEquals(1, b.getByte(ip + 8), "TTL 1");
        assertEquals(2, b.getByte(ip + 9), "protocol IGMP");
        assertEquals(OUR_IP, b.getInt(ip + 12, ByteOrder.BIG_ENDIAN));
        assertEquals(destination, b.getInt(ip + 16, ByteOrder.BIG_ENDIAN));
        assertEquals(0x9404_0000, b.getInt(ip + 20, ByteOrder.BIG_ENDIAN), "Router Alert");
        assertTrue(Checksum.isValid(Checksum.sum(b, ip, 24)), "IPv4 header checksum");
        int total = b.getShort(ip + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        assertTrue(Checksum.isValid(Checksum.sum(b, ip + 24, total - 24)), "IGMP checksum");
        assertEquals(Igmp.macOf(destination), dev.bypass.stack.addr.MacAddress.read(b, 0), "Ethernet to the group's MAC");
        return new UnsafeBuffer(frame, ip + 24, total - 24);
    }

    private static byte[] query(int version, int group, int maxResponseTenths) {
        byte[] igmp = new byte[version == 3 ? 12 : 8];
        UnsafeBuffer b = new UnsafeBuffer(igmp);
        b.putByte(0, (byte) Igmp.TYPE_QUERY);
        b.putByte(1, (byte) (version == 1 ? 0 : maxResponseTenths));
        b.putInt(4, group, ByteOrder.BIG_ENDIAN);
        b.putShort(2, (short) Checksum.finish(Checksum.sum(b, 0, igmp.length)), ByteOrder.BIG_ENDIAN);
        byte[] ip = Packets.ipv4(PEER_IP, Igmp.ALL_HOSTS, 2, 1, 0, 1, igmp);
        return Packets.ethernet(Igmp.macOf(Igmp.ALL_HOSTS), PEER_MAC, EthernetHeader.TYPE_IPV4, ip);
    }

    @Test
    void a_join_is_reported_at_once_and_once_more_within_a_second() {
        f.stack.igmp().join(GROUP);
        UnsafeBuffer report = igmpOf(f.sentOne().bytes, Igmp.ALL_V3_ROUTERS);
        assertEquals(Igmp.TYPE_V3_REPORT, report.getByte(0) & 0xFF);
        assertEquals(1, report.getShort(6, ByteOrder.BIG_ENDIAN), "one group record");
        assertEquals(Igmp.CHANGE_TO_EXCLUDE, report.getByte(8), "join: exclude no sources");
        assertEquals(GROUP, report.getInt(12, ByteOrder.BIG_ENDIAN));
        f.advance(StackFixture.SECOND);
        UnsafeBuffer again = igmpOf(f.sentOne().bytes, Igmp.ALL_V3_ROUTERS);
        assertEquals(Igmp.CHANGE_TO_EXCLUDE, again.getByte(8));
        f.advance(5 * StackFixture.SECOND);
        f.sentNothing();
    }

    @Test
    void datagrams_to_a_joined_group_arrive_and_others_do_not() {
        UdpSocket socket = f.stack.udp().open(5000);
        socket.joinGroup(GROUP);
        f.sent();
        byte[] toGroup = Packets.ethernet(Igmp.macOf(GROUP), PEER_MAC, EthernetHeader.TYPE_IPV4,
            Packets.ipv4(PEER_IP, GROUP, 17, 7, 0, 1, Packets.udp(PEER_IP, GROUP, 6000, 5000, new byte[] {1, 2, 3, 4})));
        assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(toGroup));
        assertEquals(4, socket.receive(new UnsafeBuffer(new byte[16]), 0, 16));
        byte[] toOther = Packets.ethernet(Igmp.macOf(OTHER_GROUP), PEER_MAC, EthernetHeader.TYPE_IPV4,
            Packets.ipv4(PEER_IP, OTHER_GROUP, 17, 8, 0, 1, Packets.udp(PEER_IP, OTHER_GROUP, 6000, 5000, new byte[4])));
        assertEquals(Counter.ETH_DROP_NOT_FOR_US, f.outcome(toOther));
        f.sentNothing(); // no ICMP error about a multicast datagram
        socket.leaveGroup(GROUP);
        UnsafeBuffer leave = igmpOf(f.sentOne().bytes, Igmp.ALL_V3_ROUTERS);
        assertEquals(Igmp.CHANGE_TO_INCLUDE, leave.getByte(8), "leave: include no sources");
        assertEquals(Counter.ETH_DROP_NOT_FOR_US, f.outcome(toGroup));
    }

    @Test
    void a_general_v3_query_is_answered_within_its_max_response_time_for_every_group() {
        f.stack.igmp().join(GROUP);
        f.stack.igmp().join(OTHER_GROUP);
        f.advance(2 * StackFixture.SECOND);
        f.sent();
        f.receive(query(3, 0, 20)); // 2 s
        f.advance(2 * StackFixture.SECOND + StackFixture.MS);
        List<dev.bypass.testing.Parsed> reports = f.sent();
        assertEquals(2, reports.size());
        for (dev.bypass.testing.Parsed r : reports) {
            UnsafeBuffer igmp = igmpOf(r.bytes, Igmp.ALL_V3_ROUTERS);
            assertEquals(Igmp.MODE_IS_EXCLUDE, igmp.getByte(8), "current state");
        }
        assertEquals(1, f.counter(Counter.IGMP_QUERIES));
    }

    @Test
    void a_v2_querier_gets_v2_reports_to_the_group_and_a_v2_leave() {
        f.stack.igmp().join(GROUP);
        f.advance(2 * StackFixture.SECOND);
        f.sent();
        f.receive(query(2, 0, 10));
        f.advance(StackFixture.SECOND + StackFixture.MS);
        UnsafeBuffer report = igmpOf(f.sentOne().bytes, GROUP);
        assertEquals(Igmp.TYPE_V2_REPORT, report.getByte(0) & 0xFF);
        assertEquals(GROUP, report.getInt(4, ByteOrder.BIG_ENDIAN));
        f.stack.igmp().leave(GROUP);
        UnsafeBuffer leave = igmpOf(f.sentOne().bytes, Igmp.ALL_ROUTERS);
        assertEquals(Igmp.TYPE_V2_LEAVE, leave.getByte(0) & 0xFF);
    }

    @Test
    void multicast_goes_out_to_the_groups_mac_with_ttl_1() {
        UdpSocket socket = f.stack.udp().open(5001);
        assertTrue(socket.send(GROUP, 5000, new UnsafeBuffer(new byte[8]), 0, 8));
        f.poll();
        dev.bypass.testing.Parsed out = f.sentOne();
        assertEquals(Igmp.macOf(GROUP), out.destinationMac);
        assertEquals(1, out.ipTtl);
        assertEquals(GROUP, out.ipDestination);
    }

    @Test
    void what_cannot_be_joined_is_named_and_bad_messages_are_counted() {
        IllegalArgumentException local = assertThrows(IllegalArgumentException.class,
            () -> f.stack.igmp().join(StackFixture.ip("224.0.0.5")));
        assertTrue(local.getMessage().contains("224.0.0.x is link-local"), local.getMessage());
        assertThrows(IllegalArgumentException.class, () -> f.stack.igmp().join(StackFixture.ip("10.0.0.1")));
        for (int i = 0; i < Igmp.MAX_GROUPS; i++) {
            f.stack.igmp().join(StackFixture.ip("239.2.0." + i));
        }
        IllegalStateException full = assertThrows(IllegalStateException.class, () -> f.stack.igmp().join(GROUP));
        assertTrue(full.getMessage().contains("the most it takes"), full.getMessage());
        byte[] bad = query(3, 0, 10);
        bad[bad.length - 10] ^= 0x55; // the IGMP checksum no longer holds
        assertEquals(Counter.IGMP_DROP_BAD_CHECKSUM, f.outcome(bad));
        assertFalse(f.stack.igmp().joined(OTHER_GROUP));
    }
}
