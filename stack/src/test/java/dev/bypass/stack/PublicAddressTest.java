package dev.bypass.stack;

import static dev.bypass.stack.StackFixture.OUR_IP;
import static dev.bypass.stack.StackFixture.OUR_MAC;
import static dev.bypass.stack.StackFixture.PEER_IP;
import static dev.bypass.stack.StackFixture.PEER_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.IcmpHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.TcpHeader;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The host's public IP as a second local address of one resource's stack: ARP, ICMP echo, TCP and UDP
 * answer from the address they were asked on, and the private address keeps working beside it.
 */
class PublicAddressTest {
    private static final int PUBLIC_IP = StackFixture.ip("198.18.0.100");
    private final StackFixture f = StackFixture.peerKnown(StackFixture.config().publicAddress("198.18.0.100"));

    private static byte[] tcpTo(int destination, int port, int flags) {
        return StackFixture.ipFrame(PEER_IP, destination, Ipv4Header.PROTOCOL_TCP, Packets.tcp(PEER_IP, destination, 40000,
            port, 1000, 0, flags, 65535, 1460, -1, false, false, 0, 0, new byte[0]));
    }

    @Test
    void arp_for_the_public_address_is_answered_from_it() {
        f.receive(StackFixture.arpFrame(ArpPacket.OPERATION_REQUEST, MacAddress.BROADCAST, PEER_MAC, PEER_IP, 0,
            PUBLIC_IP));
        Parsed reply = f.sentOne();
        assertEquals(ArpPacket.OPERATION_REPLY, reply.arpOperation);
        assertEquals(PUBLIC_IP, reply.arpSenderIp);
        assertEquals(OUR_MAC, reply.arpSenderMac);
    }

    @Test
    void the_announcement_covers_both_addresses() {
        StackFixture g = StackFixture.unstarted(StackFixture.config().publicAddress("198.18.0.100"));
        g.poll();
        List<Parsed> sent = g.sent();
        assertEquals(2, sent.size(), sent::toString);
        assertEquals(OUR_IP, sent.get(0).arpSenderIp);
        assertEquals(PUBLIC_IP, sent.get(1).arpSenderIp);
        assertEquals(PUBLIC_IP, sent.get(1).arpTargetIp);
    }

    @Test
    void a_ping_to_the_public_address_is_answered_from_it() {
        byte[] echo = StackFixture.echoRequest(7, 1, new byte[32]);
        f.receive(StackFixture.ipFrame(PEER_IP, PUBLIC_IP, Ipv4Header.PROTOCOL_ICMP, echo));
        Parsed reply = f.sentOne();
        assertEquals(PUBLIC_IP, reply.ipSource);
        assertEquals(IcmpHeader.TYPE_ECHO_REPLY, reply.icmpType);
        // and the private address answers too, from itself
        f.receive(StackFixture.ipFrame(PEER_IP, OUR_IP, Ipv4Header.PROTOCOL_ICMP, echo));
        assertEquals(OUR_IP, f.sentOne().ipSource);
    }

    @Test
    void a_listener_accepts_on_both_addresses_and_each_connection_speaks_from_its_own() {
        TcpListener listener = f.stack.tcp().listen(80);
        f.receive(tcpTo(PUBLIC_IP, 80, TcpHeader.SYN));
        Parsed synAck = f.sentOne();
        assertEquals(PUBLIC_IP, synAck.ipSource);
        assertTrue(synAck.tcp.has(TcpHeader.SYN | TcpHeader.ACK));
        f.receive(tcpTo(OUR_IP, 80, TcpHeader.SYN));
        assertEquals(OUR_IP, f.sentOne().ipSource);
        assertEquals(2, listener.halfOpen() + listener.pending());
    }

    @Test
    void a_segment_for_no_socket_on_the_public_address_is_reset_from_it() {
        f.receive(tcpTo(PUBLIC_IP, 81, TcpHeader.SYN));
        Parsed rst = f.sentOne();
        assertEquals(PUBLIC_IP, rst.ipSource);
        assertTrue(rst.tcp.has(TcpHeader.RST));
    }

    @Test
    void udp_replies_come_from_the_address_the_datagram_was_sent_to() {
        UdpSocket socket = f.stack.udp().open(7483);
        f.receive(StackFixture.udpFrame(PEER_IP, PUBLIC_IP, 5000, 7483, new byte[] {1, 2, 3}));
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        assertEquals(3, socket.receive(buffer, 0, 64));
        assertEquals(PUBLIC_IP, socket.lastDestinationAddress());
        assertTrue(socket.reply(buffer, 0, 3));
        f.poll();
        Parsed reply = f.sentOne();
        assertEquals(PUBLIC_IP, reply.ipSource);
        assertEquals(PEER_IP, reply.ipDestination);
        assertEquals(5000, reply.udpDestinationPort);
        // a datagram for no socket on the public address: port unreachable from the public address
        f.receive(StackFixture.udpFrame(PEER_IP, PUBLIC_IP, 5000, 9999, new byte[4]));
        Parsed unreachable = f.sentOne();
        assertEquals(PUBLIC_IP, unreachable.ipSource);
        assertEquals(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, unreachable.icmpType);
    }

    @Test
    void a_reply_to_a_broadcast_comes_from_the_stacks_own_address_and_send_from_picks_either_address() {
        UdpSocket socket = f.stack.udp().open(7484);
        f.receive(StackFixture.udpFrame(PEER_IP, StackFixture.SUBNET_BROADCAST, 5001, 7484, new byte[] {9}));
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        assertEquals(1, socket.receive(buffer, 0, 64));
        assertEquals(StackFixture.SUBNET_BROADCAST, socket.lastDestinationAddress());
        assertTrue(socket.reply(buffer, 0, 1));
        f.poll();
        Parsed reply = f.sentOne();
        assertEquals(OUR_IP, reply.ipSource);
        assertEquals(5001, reply.udpDestinationPort);

        assertTrue(socket.sendFrom(PUBLIC_IP, PEER_IP, 5002, buffer, 0, 1));
        f.poll();
        assertEquals(PUBLIC_IP, f.sentOne().ipSource);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> socket.sendFrom(PEER_IP, PEER_IP, 5002, buffer, 0, 1));
        assertEquals("UDP source 198.18.0.1 is not one of stack 'test''s addresses", e.getMessage());
    }

    @Test
    void a_packet_claiming_the_public_address_as_its_source_is_dropped() {
        byte[] spoofed = StackFixture.udpFrame(PUBLIC_IP, OUR_IP, 5000, 7, new byte[4]);
        assertEquals(Counter.IP_DROP_BAD_SOURCE, f.outcome(spoofed));
    }

    @Test
    void the_public_address_must_differ_from_the_stacks_own() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> StackFixture.config().publicAddress("198.18.0.2").build());
        assertTrue(e.getMessage().contains("must be a unicast address other than the stack's own"), e.getMessage());
    }
}
