package dev.bypass.stack;

import static dev.bypass.stack.StackFixture.OUR_IP;
import static dev.bypass.stack.StackFixture.PEER_IP;
import static dev.bypass.stack.StackFixture.PEER_MAC;
import static dev.bypass.stack.StackFixture.config;
import static dev.bypass.stack.StackFixture.ipFrame;
import static dev.bypass.stack.StackFixture.read;
import static dev.bypass.stack.StackFixture.udpFrame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.IcmpHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.UdpHeader;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import dev.bypass.testing.TestDevice;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** UDP (RFC 768, RFC 1122 4.1): input checks, sockets and their queues, output checksums and ports. */
class UdpTest {
    private static final int PORT = 7000;
    private static final int UDP = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;

    /** The UDP length field of a frame set to {@code length} (the checksum left as it was). */
    private static byte[] withUdpLength(byte[] frame, int length) {
        new UnsafeBuffer(frame).putShort(UDP + UdpHeader.LENGTH_OFFSET, (short) length, java.nio.ByteOrder.BIG_ENDIAN);
        return frame;
    }

    /** Rewrites the UDP checksum of a frame after an edit. */
    private static byte[] withUdpChecksum(byte[] frame, int udpLength) {
        UnsafeBuffer b = new UnsafeBuffer(frame);
        UdpHeader h = new UdpHeader().wrap(b, UDP);
        h.checksum(0);
        int c = Checksum.finish(Checksum.add(Checksum.pseudoHeaderV4(PEER_IP, OUR_IP, Ipv4Header.PROTOCOL_UDP,
            udpLength), Checksum.sum(b, UDP, udpLength)));
        h.checksum(c == 0 ? 0xFFFF : c);
        return frame;
    }

    /** Two data bytes that make the one's complement sum all ones, so the computed checksum is 0. */
    private static byte[] dataSummingToZeroChecksum(int source, int destination, int sourcePort, int destinationPort) {
        byte[] data = new byte[2];
        byte[] probe = Packets.udp(source, destination, sourcePort, destinationPort, data);
        UnsafeBuffer b = new UnsafeBuffer(probe);
        new UdpHeader().wrap(b, 0).checksum(0);
        int sum = Checksum.add(Checksum.pseudoHeaderV4(source, destination, Ipv4Header.PROTOCOL_UDP, probe.length),
            Checksum.sum(b, 0, probe.length));
        int word = ~sum & 0xFFFF;
        data[0] = (byte) (word >>> 8);
        data[1] = (byte) word;
        return data;
    }

    @Nested
    class Receiving {
        final StackFixture f = StackFixture.peerKnown();
        final UdpSocket socket = f.stack.udp().open(PORT);

        @Test
        void a_datagram_to_a_bound_port_is_queued_with_its_sender() {
            assertFalse(socket.readable());
            assertEquals(Counter.STACK_RX_ACCEPTED,
                f.outcome(udpFrame(PEER_IP, OUR_IP, 4321, PORT, Packets.ascii("hi"))));
            assertTrue(socket.readable());
            assertArrayEquals(Packets.ascii("hi"), read(socket));
            assertEquals(PEER_IP, socket.lastSourceAddress());
            assertEquals(4321, socket.lastSourcePort());
            assertEquals(new Endpoint(IpAddress.ofV4(PEER_IP), 4321), socket.lastSource());
            assertEquals(1, f.counter(Counter.UDP_IN_DATAGRAMS));
            assertFalse(socket.readable());
            assertNull(read(socket), "receive returns -1 when nothing waits");
            f.sentNothing();
        }

        @Test
        void datagrams_are_read_in_arrival_order_one_per_receive() {
            f.receive(udpFrame(PEER_IP, OUR_IP, 1, PORT, Packets.ascii("one")));
            f.receive(udpFrame(PEER_IP, OUR_IP, 2, PORT, Packets.ascii("two")));
            assertArrayEquals(Packets.ascii("one"), read(socket));
            assertEquals(1, socket.lastSourcePort());
            assertArrayEquals(Packets.ascii("two"), read(socket));
            assertEquals(2, socket.lastSourcePort());
        }

        @Test
        void receive_cuts_a_datagram_longer_than_the_buffer_and_drops_the_rest() {
            f.receive(udpFrame(PEER_IP, OUR_IP, 1, PORT, Packets.ascii("abcdef")));
            f.receive(udpFrame(PEER_IP, OUR_IP, 1, PORT, Packets.ascii("next")));
            byte[] b = new byte[3];
            assertEquals(3, socket.receive(new UnsafeBuffer(b), 0, 3));
            assertArrayEquals(Packets.ascii("abc"), b);
            assertArrayEquals(Packets.ascii("next"), read(socket), "the cut part is gone, as with recvfrom");
        }

        @Test
        void an_empty_datagram_is_delivered() {
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(udpFrame(PEER_IP, OUR_IP, 1, PORT, new byte[0])));
            assertArrayEquals(new byte[0], read(socket));
        }

        @Test
        void a_checksum_of_zero_means_none_and_is_accepted() {
            byte[] frame = udpFrame(PEER_IP, OUR_IP, 1, PORT, Packets.ascii("no sum"));
            frame[UDP + UdpHeader.CHECKSUM_OFFSET] = 0;
            frame[UDP + UdpHeader.CHECKSUM_OFFSET + 1] = 0;
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frame));
            assertArrayEquals(Packets.ascii("no sum"), read(socket));
        }

        @Test
        void a_wrong_checksum_is_dropped() {
            byte[] frame = udpFrame(PEER_IP, OUR_IP, 1, PORT, Packets.ascii("data"));
            frame[frame.length - 1] ^= 0x10;
            assertEquals(Counter.UDP_DROP_BAD_CHECKSUM, f.outcome(frame));
            assertFalse(socket.readable());
            f.sentNothing();
        }

        @Test
        void a_checksum_sent_as_ffff_for_a_computed_zero_is_accepted() {
            byte[] data = dataSummingToZeroChecksum(PEER_IP, OUR_IP, 1, PORT);
            byte[] frame = udpFrame(PEER_IP, OUR_IP, 1, PORT, data);
            assertEquals(0xFFFF, new UdpHeader().wrap(new UnsafeBuffer(frame), UDP).checksum(),
                "RFC 768: zero sent as ones");
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frame));
            assertArrayEquals(data, read(socket));
        }

        @Test
        void a_payload_shorter_than_the_udp_header_is_a_bad_length() {
            byte[] frame = ipFrame(PEER_IP, OUR_IP, Ipv4Header.PROTOCOL_UDP, new byte[7]);
            assertEquals(Counter.UDP_DROP_BAD_LENGTH, f.outcome(frame));
        }

        @Test
        void a_length_field_below_8_is_a_bad_length() {
            byte[] frame = withUdpLength(udpFrame(PEER_IP, OUR_IP, 1, PORT, new byte[4]), 7);
            assertEquals(Counter.UDP_DROP_BAD_LENGTH, f.outcome(frame));
        }

        @Test
        void a_length_field_past_the_ip_payload_is_a_bad_length() {
            byte[] frame = withUdpLength(udpFrame(PEER_IP, OUR_IP, 1, PORT, new byte[4]), 13);
            assertEquals(Counter.UDP_DROP_BAD_LENGTH, f.outcome(frame));
            f.sentNothing();
        }

        @Test
        void a_length_field_shorter_than_the_ip_payload_delimits_the_data() {
            byte[] frame = withUdpChecksum(withUdpLength(udpFrame(PEER_IP, OUR_IP, 1, PORT, Packets.ascii("keep|drop")),
                8 + 4), 12);
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frame));
            assertArrayEquals(Packets.ascii("keep"), read(socket));
        }

        @Test
        void a_closed_port_is_counted_and_answered_with_port_unreachable() {
            assertEquals(Counter.UDP_DROP_NO_PORT, f.outcome(udpFrame(PEER_IP, OUR_IP, 1, PORT + 1, new byte[4])));
            Parsed error = f.sentOne();
            assertEquals(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, error.icmpType);
            assertEquals(IcmpHeader.CODE_PORT_UNREACHABLE, error.icmpCode);
        }

        @Test
        void the_handler_is_called_once_after_the_input_of_a_poll() {
            List<String> calls = new ArrayList<>();
            socket.handler(s -> calls.add("readable " + s.readable() + " at " + f.counter(Counter.ETH_RX_FRAMES)));
            f.device.inject(udpFrame(PEER_IP, OUR_IP, 1, PORT, Packets.ascii("a")));
            f.device.inject(udpFrame(PEER_IP, OUR_IP, 1, PORT, Packets.ascii("b")));
            assertTrue(calls.isEmpty());
            f.poll();
            assertEquals(List.of("readable true at 3"), calls, "after both frames (the ARP of peerKnown was frame 1)");
            f.poll();
            assertEquals(1, calls.size(), "not called again without new datagrams");
            read(socket);
            read(socket);
            f.receive(udpFrame(PEER_IP, OUR_IP, 1, PORT, Packets.ascii("c")));
            assertEquals(2, calls.size());
        }

        @Test
        void a_handler_that_does_not_read_is_called_again_only_for_new_datagrams() {
            List<Integer> calls = new ArrayList<>();
            socket.handler(s -> calls.add(1));
            f.receive(udpFrame(PEER_IP, OUR_IP, 1, PORT, Packets.ascii("a")));
            f.poll();
            f.poll();
            assertEquals(1, calls.size());
            assertTrue(socket.readable());
            assertEquals(Long.MAX_VALUE, f.stack.nextDeadlineNs(), "an unread socket is no work for the poll loop");
            f.receive(udpFrame(PEER_IP, OUR_IP, 1, PORT, Packets.ascii("b")));
            assertEquals(2, calls.size());
        }
    }

    @Nested
    class Queue {
        final StackFixture f = StackFixture.peerKnown(config().udpReceiveQueueBytes(1024));
        final UdpSocket socket = f.stack.udp().open(PORT);

        @Test
        void a_full_queue_drops_and_counts_until_the_application_reads() {
            byte[] frame = udpFrame(PEER_IP, OUR_IP, 1, PORT, new byte[100]);
            int queued = 0;
            while (f.outcome(frame) == Counter.STACK_RX_ACCEPTED) {
                queued++;
                assertTrue(queued < 100, "the queue must be bounded");
            }
            assertTrue(queued >= 5, "1024 bytes hold several 100-byte datagrams: " + queued);
            assertEquals(1, f.counter(Counter.UDP_DROP_QUEUE_FULL));
            assertEquals(queued, f.counter(Counter.UDP_IN_DATAGRAMS));
            f.sentNothing();
            for (int i = 0; i < queued; i++) {
                assertEquals(100, read(socket).length);
            }
            assertNull(read(socket), "the dropped datagram was not queued");
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frame), "room again once read");
        }
    }

    @Test
    void the_largest_datagram_reassembles_into_a_socket_whose_queue_holds_it() {
        // The receive ring takes records of at most 1/8 of its size (Agrona): 512 KiB for 65507 bytes.
        StackFixture f = StackFixture.peerKnown(config().udpReceiveQueueBytes(512 * 1024));
        UdpSocket socket = f.stack.udp().open(PORT);
        byte[] data = Packets.pattern(65535 - 28, 13);
        byte[] l4 = Packets.udp(PEER_IP, OUR_IP, 1, PORT, data);
        for (byte[] frame : StackFixture.fragments(l4, Ipv4Header.PROTOCOL_UDP, 9, 1480)) {
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frame));
        }
        assertArrayEquals(data, read(socket));
    }

    @Nested
    class Sockets {
        final StackFixture f = StackFixture.peerKnown(config().udpMaxSockets(3));

        @Test
        void a_port_in_use_is_refused_with_the_port_and_address() {
            f.stack.udp().open(53);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.stack.udp().open(53));
            assertEquals("UDP port 53 is already in use on 198.18.0.2", e.getMessage());
        }

        @Test
        void the_socket_limit_is_refused_with_the_setting_to_change() {
            for (int i = 0; i < 3; i++) {
                f.stack.udp().open(1000 + i);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.stack.udp().open(2000));
            assertTrue(e.getMessage().contains("StackConfig.udpMaxSockets"), e.getMessage());
            assertTrue(e.getMessage().contains("3 sockets"), e.getMessage());
        }

        @Test
        void a_port_out_of_range_is_refused() {
            assertThrows(IllegalArgumentException.class, () -> f.stack.udp().open(65536));
            assertThrows(IllegalArgumentException.class, () -> f.stack.udp().open(-1));
        }

        @Test
        void port_0_picks_ephemeral_ports_in_turn_skipping_those_in_use() {
            int first = f.stack.config().tcp().ephemeralPortFirst();
            f.stack.udp().open(first + 1);
            UdpSocket a = f.stack.udp().open(0);
            UdpSocket b = f.stack.udp().open(0);
            assertEquals(first, a.port());
            assertEquals(first + 2, b.port(), "first + 1 is taken");
            assertEquals(new Endpoint(IpAddress.ofV4(OUR_IP), first), a.localEndpoint());
        }

        @Test
        void close_unbinds_the_port() {
            UdpSocket s = f.stack.udp().open(PORT);
            s.close();
            assertTrue(s.isClosed());
            assertEquals(Counter.UDP_DROP_NO_PORT, f.outcome(udpFrame(PEER_IP, OUR_IP, 1, PORT, new byte[4])));
            f.sent();
            UdpSocket again = f.stack.udp().open(PORT);
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(udpFrame(PEER_IP, OUR_IP, 1, PORT, new byte[4])));
            assertTrue(again.readable());
        }

        @Test
        void a_closed_socket_refuses_send_and_receive() {
            UdpSocket s = f.stack.udp().open(PORT);
            s.close();
            s.close();
            assertThrows(IllegalStateException.class, () -> f.send(s, PEER_IP, 9, new byte[1]));
            assertThrows(IllegalStateException.class, () -> read(s));
        }

        @Test
        void close_frees_a_place_under_the_socket_limit() {
            UdpSocket s = f.stack.udp().open(1);
            f.stack.udp().open(2);
            f.stack.udp().open(3);
            s.close();
            assertEquals(4, f.stack.udp().open(4).port());
        }
    }

    @Nested
    class Sending {
        final StackFixture f = StackFixture.peerKnown();
        final UdpSocket socket = f.stack.udp().open(PORT);

        @Test
        void send_builds_a_datagram_with_a_correct_checksum() {
            assertTrue(f.send(socket, PEER_IP, 53, Packets.ascii("query")));
            Parsed p = f.sentOne(); // Parsed verifies the IPv4 and UDP checksums
            assertEquals(PEER_MAC, p.destinationMac);
            assertEquals(OUR_IP, p.ipSource);
            assertEquals(PEER_IP, p.ipDestination);
            assertEquals(Ipv4Header.PROTOCOL_UDP, p.ipProtocol);
            assertEquals(PORT, p.udpSourcePort);
            assertEquals(53, p.udpDestinationPort);
            assertArrayEquals(Packets.ascii("query"), p.payload);
            assertNotEquals(0, new UdpHeader().wrap(new UnsafeBuffer(p.bytes), UDP).checksum(), "always computed");
            assertEquals(1, f.counter(Counter.UDP_OUT_DATAGRAMS));
        }

        @Test
        void send_to_an_endpoint_is_the_same_as_to_address_and_port() {
            socket.send(new Endpoint(IpAddress.ofV4(PEER_IP), 53), new UnsafeBuffer(Packets.ascii("x")), 0, 1);
            assertEquals(53, f.sentOne().udpDestinationPort);
        }

        @Test
        void a_checksum_that_computes_to_zero_is_sent_as_ffff() {
            // Two data bytes chosen so the one's complement sum is 0xFFFF, i.e. the checksum 0 (RFC 768).
            byte[] data = dataSummingToZeroChecksum(OUR_IP, PEER_IP, PORT, 53);
            f.send(socket, PEER_IP, 53, data);
            Parsed p = f.sentOne();
            assertEquals(0xFFFF, new UdpHeader().wrap(new UnsafeBuffer(p.bytes), UDP).checksum());
            assertArrayEquals(data, p.payload);
        }

        @Test
        void a_payload_too_large_for_ipv4_is_refused() {
            assertThrows(IllegalArgumentException.class, () -> f.send(socket, PEER_IP, 53, new byte[65535 - 27]));
            assertThrows(IllegalArgumentException.class, () -> f.send(socket, PEER_IP, 0, new byte[1]));
        }

        @Test
        void the_largest_datagram_leaves_in_45_fragments() {
            assertTrue(f.send(socket, PEER_IP, 53, new byte[65535 - 28]));
            List<Parsed> out = f.sent();
            assertEquals(45, out.size());
            assertEquals(65535 - 20, StackFixture.reassemble(out).length);
        }

        @Test
        void with_checksum_offload_the_field_holds_the_pseudo_header_sum_for_the_device() {
            StackFixture offload = StackFixture.started(config(), new DeviceCapabilities(1, 1,
                DeviceCapabilities.OFFLOAD_TX_UDP_CHECKSUM, 0));
            offload.receive(StackFixture.arpFrame(dev.bypass.stack.wire.ArpPacket.OPERATION_REQUEST,
                dev.bypass.stack.addr.MacAddress.BROADCAST, PEER_MAC, PEER_IP, 0, OUR_IP));
            offload.device.takeSent();
            UdpSocket s = offload.stack.udp().open(PORT);
            offload.send(s, PEER_IP, 53, Packets.ascii("offloaded"));
            List<TestDevice.Sent> sent = offload.device.takeSent();
            assertEquals(1, sent.size());
            assertEquals(Frame.TX_UDP_CHECKSUM, sent.get(0).txFlags() & Frame.TX_UDP_CHECKSUM);
            int field = new UdpHeader().wrap(new UnsafeBuffer(sent.get(0).bytes()), UDP).checksum();
            assertEquals(Checksum.pseudoHeaderV4(OUR_IP, PEER_IP, Ipv4Header.PROTOCOL_UDP, 8 + 9), field);
        }

        @Test
        void the_socket_a_datagram_came_to_can_answer_its_sender() {
            f.receive(udpFrame(PEER_IP, OUR_IP, 4321, PORT, Packets.ascii("ping")));
            read(socket);
            f.send(socket, socket.lastSourceAddress(), socket.lastSourcePort(), Packets.ascii("pong"));
            Parsed p = f.sentOne();
            assertEquals(4321, p.udpDestinationPort);
            assertArrayEquals(Packets.ascii("pong"), p.payload);
        }
    }
}
