package dev.bypass.stack;

import static dev.bypass.stack.StackFixture.MS;
import static dev.bypass.stack.StackFixture.OTHER_IP;
import static dev.bypass.stack.StackFixture.OUR_IP;
import static dev.bypass.stack.StackFixture.OUR_MAC;
import static dev.bypass.stack.StackFixture.PEER_IP;
import static dev.bypass.stack.StackFixture.PEER_MAC;
import static dev.bypass.stack.StackFixture.SECOND;
import static dev.bypass.stack.StackFixture.config;
import static dev.bypass.stack.StackFixture.echoRequest;
import static dev.bypass.stack.StackFixture.fragment;
import static dev.bypass.stack.StackFixture.fragments;
import static dev.bypass.stack.StackFixture.ipFrame;
import static dev.bypass.stack.StackFixture.ipPacketOf;
import static dev.bypass.stack.StackFixture.reassemble;
import static dev.bypass.stack.StackFixture.udpFrame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.IcmpHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.WireFixtures;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** ICMP (RFC 792, RFC 1122 3.2.2, RFC 1191, RFC 1812 4.3.2.8): echo, errors sent, errors received. */
class IcmpTest {
    private static final int ICMP = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;

    /** A frame captured from Linux (198.18.0.1 to 198.18.0.2, our peer and us) re-addressed to our MAC. */
    private static byte[] captured(byte[] frame) {
        byte[] b = frame.clone();
        new EthernetHeader().wrap(new UnsafeBuffer(b), 0).destination(OUR_MAC).source(PEER_MAC);
        return b;
    }

    /** The ICMP message of a frame: from after a 20-byte IPv4 header to the IP total length. */
    private static byte[] icmpOf(byte[] frame) {
        int totalLength = new Ipv4Header().wrap(new UnsafeBuffer(frame), EthernetHeader.LENGTH).totalLength();
        return Arrays.copyOfRange(frame, ICMP, EthernetHeader.LENGTH + totalLength);
    }

    /** An ICMP message from the peer (a router, say) to us. */
    private static byte[] icmpFrame(byte[] icmp) {
        return ipFrame(PEER_IP, OUR_IP, Ipv4Header.PROTOCOL_ICMP, icmp);
    }

    /** The first {@code quoted} bytes of a {@code totalLength}-byte packet we sent to {@code destination}. */
    private static byte[] ourPacket(int destination, int protocol, int totalLength, int quoted) {
        byte[] l4 = protocol == Ipv4Header.PROTOCOL_UDP
            ? Packets.udp(OUR_IP, destination, 5000, 9, new byte[totalLength - 28])
            : Packets.tcp(OUR_IP, destination, 80, 40000, 1, 2, 0x10, 100, -1, -1, false, false, 0, 0,
                new byte[totalLength - 40]);
        byte[] ip = Packets.ipv4(OUR_IP, destination, protocol, 9, Ipv4Header.FLAG_DONT_FRAGMENT, 64, l4);
        return Arrays.copyOf(ip, quoted);
    }

    private static byte[] fragmentationNeeded(int mtu, byte[] quoted) {
        return icmpFrame(Packets.icmp(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, IcmpHeader.CODE_FRAGMENTATION_NEEDED,
            mtu, quoted));
    }

    private static void assertUnreachable(Parsed error, int code, byte[] quoted) {
        assertEquals(PEER_MAC, error.destinationMac);
        assertEquals(OUR_IP, error.ipSource);
        assertEquals(PEER_IP, error.ipDestination);
        assertEquals(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, error.icmpType);
        assertEquals(code, error.icmpCode);
        assertArrayEquals(quoted, error.payload);
    }

    @Nested
    class Echo {
        final StackFixture f = StackFixture.peerKnown();

        @Test
        void an_echo_request_gets_a_reply_with_the_same_identifier_sequence_and_data() {
            byte[] data = Packets.pattern(56, 3);
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(ipFrame(PEER_IP, OUR_IP, Ipv4Header.PROTOCOL_ICMP,
                echoRequest(0x1234, 7, data))));
            Parsed reply = f.sentOne();
            assertEquals(PEER_MAC, reply.destinationMac);
            assertEquals(OUR_IP, reply.ipSource);
            assertEquals(PEER_IP, reply.ipDestination);
            assertEquals(IcmpHeader.TYPE_ECHO_REPLY, reply.icmpType);
            assertEquals(0, reply.icmpCode);
            assertEquals(0x1234_0007, reply.icmpRest);
            assertArrayEquals(data, reply.payload);
            assertEquals(1, f.counter(Counter.ICMP_IN_ECHOS));
            assertEquals(1, f.counter(Counter.ICMP_OUT_ECHO_REPS));
            assertEquals(1, f.counter(Counter.ICMP_OUT_MSGS));
        }

        @Test
        void a_captured_linux_ping_gets_the_icmp_bytes_linux_answered_with() {
            f.receive(captured(WireFixtures.ECHO_REQUEST));
            assertArrayEquals(icmpOf(WireFixtures.ECHO_REPLY), icmpOf(f.sentOne().bytes));
        }

        @Test
        void a_ping_with_the_record_route_option_is_answered_without_options() {
            f.receive(captured(WireFixtures.RECORD_ROUTE_ECHO));
            Parsed reply = f.sentOne();
            assertEquals(IcmpHeader.TYPE_ECHO_REPLY, reply.icmpType);
            assertEquals(0x4f17_0001, reply.icmpRest);
            assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 5, 6, 7}, reply.payload);
            assertEquals(0x45, reply.bytes[EthernetHeader.LENGTH], "we send no IP options");
        }

        @ParameterizedTest(name = "{0} data bytes")
        @ValueSource(ints = {0, 1, 1471})
        void echo_requests_of_any_length_that_fits_are_answered_whole(int length) {
            byte[] data = Packets.pattern(length, length);
            f.receive(ipFrame(PEER_IP, OUR_IP, Ipv4Header.PROTOCOL_ICMP, echoRequest(1, 2, data)));
            assertArrayEquals(data, f.sentOne().payload);
        }

        @Test
        void a_fragmented_echo_request_is_answered_with_a_fragmented_reply() {
            byte[] data = Packets.pattern(3000, 11);
            byte[] request = echoRequest(0x4242, 9, data);
            for (byte[] frame : fragments(request, Ipv4Header.PROTOCOL_ICMP, 500, 1200)) {
                assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frame));
            }
            List<Parsed> out = f.sent();
            assertEquals(3, out.size(), "3008 bytes of ICMP in 1480-byte fragments");
            byte[] reply = reassemble(out);
            assertTrue(Checksum.isValid(Checksum.sum(new UnsafeBuffer(reply), 0, reply.length)), "ICMP checksum");
            assertEquals(IcmpHeader.TYPE_ECHO_REPLY, reply[0]);
            assertArrayEquals(Arrays.copyOfRange(request, 4, request.length),
                Arrays.copyOfRange(reply, 4, reply.length), "same identifier, sequence and data");
            assertEquals(1, f.counter(Counter.IP_FRAG_OKS));
        }

        @ParameterizedTest(name = "to {0}")
        @ValueSource(strings = {"255.255.255.255", "198.18.0.255"})
        void an_echo_request_to_a_broadcast_address_is_ignored(String destination) {
            byte[] frame = ipFrame(PEER_IP, StackFixture.ip(destination), Ipv4Header.PROTOCOL_ICMP, echoRequest(1, 1,
                new byte[8]));
            assertEquals(Counter.ICMP_DROP_BROADCAST_ECHO, f.outcome(frame));
            f.sentNothing();
        }

        @Test
        void a_wrong_checksum_is_dropped() {
            byte[] icmp = echoRequest(1, 1, new byte[8]);
            icmp[10] ^= 0x40;
            assertEquals(Counter.ICMP_DROP_BAD_CHECKSUM,
                f.outcome(ipFrame(PEER_IP, OUR_IP, Ipv4Header.PROTOCOL_ICMP, icmp)));
            f.sentNothing();
        }

        @Test
        void a_message_shorter_than_8_bytes_is_dropped() {
            byte[] icmp = Arrays.copyOf(echoRequest(1, 1, new byte[0]), 7);
            assertEquals(Counter.ICMP_DROP_TOO_SHORT,
                f.outcome(ipFrame(PEER_IP, OUR_IP, Ipv4Header.PROTOCOL_ICMP, icmp)));
            f.sentNothing();
        }

        @ParameterizedTest(name = "type {0}")
        @ValueSource(ints = {5, 9, 10, 13, 17, 42})
        void a_type_the_stack_does_not_act_on_is_dropped_unanswered(int type) {
            byte[] icmp = Packets.icmp(type, 0, 0, new byte[20]);
            assertEquals(Counter.ICMP_DROP_UNHANDLED, f.outcome(icmpFrame(icmp)));
            f.sentNothing();
        }
    }

    @Nested
    class Ping {
        final StackFixture f = StackFixture.peerKnown();
        final List<String> replies = new ArrayList<>();

        @Test
        void send_echo_request_sends_identifier_sequence_and_a_pattern() {
            assertTrue(f.stack.icmp().sendEchoRequest(PEER_IP, 0xBEEF, 3, 16, f.now));
            Parsed p = f.sentOne();
            assertEquals(PEER_MAC, p.destinationMac);
            assertEquals(OUR_IP, p.ipSource);
            assertEquals(PEER_IP, p.ipDestination);
            assertEquals(IcmpHeader.TYPE_ECHO_REQUEST, p.icmpType);
            assertEquals(0xBEEF_0003, p.icmpRest);
            assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, p.payload);
        }

        @Test
        void an_echo_reply_reaches_the_echo_listener() {
            f.stack.icmp().echoListener((source, id, seq, data, offset, length, nowNs) -> {
                byte[] b = new byte[length];
                data.getBytes(offset, b);
                replies.add(dev.bypass.stack.addr.IpAddress.v4ToString(source) + " " + id + " " + seq + " "
                    + Arrays.toString(b) + " " + nowNs);
            });
            byte[] reply = Packets.icmp(IcmpHeader.TYPE_ECHO_REPLY, 0, (77 << 16) | 5, new byte[] {9, 8, 7});
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(icmpFrame(reply)));
            assertEquals(List.of("198.18.0.1 77 5 [9, 8, 7] " + f.now), replies);
            assertEquals(1, f.counter(Counter.ICMP_IN_ECHO_REPS));
            f.sentNothing();
        }

        @Test
        void an_echo_reply_without_a_listener_is_accepted_quietly() {
            byte[] reply = Packets.icmp(IcmpHeader.TYPE_ECHO_REPLY, 0, 1, new byte[4]);
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(icmpFrame(reply)));
            f.sentNothing();
        }
    }

    @Nested
    class ErrorsSent {
        final StackFixture f = StackFixture.peerKnown(config().icmpErrorBurst(3).icmpErrorsPerSecond(10));

        private byte[] toClosedPort(int length) {
            return udpFrame(PEER_IP, OUR_IP, 1234, 9999, new byte[length]);
        }

        @Test
        void udp_to_a_closed_port_gets_port_unreachable_quoting_the_ip_header_and_its_data() {
            byte[] frame = toClosedPort(12);
            assertEquals(Counter.UDP_DROP_NO_PORT, f.outcome(frame));
            assertUnreachable(f.sentOne(), IcmpHeader.CODE_PORT_UNREACHABLE, ipPacketOf(frame));
            assertEquals(1, f.counter(Counter.ICMP_OUT_DEST_UNREACHS));
        }

        @Test
        void the_captured_linux_datagram_to_a_closed_port_gets_the_icmp_bytes_linux_sent() {
            f.receive(captured(WireFixtures.UDP_HELLO));
            assertArrayEquals(icmpOf(WireFixtures.PORT_UNREACHABLE), icmpOf(f.sentOne().bytes));
        }

        @Test
        void the_quote_is_cut_so_the_error_fits_576_bytes() {
            byte[] frame = toClosedPort(1400);
            f.receive(frame);
            Parsed error = f.sentOne();
            assertEquals(576, error.ipTotalLength);
            assertArrayEquals(Arrays.copyOf(ipPacketOf(frame), 576 - 28), error.payload);
        }

        @ParameterizedTest(name = "to {0}")
        @ValueSource(strings = {"255.255.255.255", "198.18.0.255"})
        void udp_to_a_closed_port_at_a_broadcast_address_gets_no_error(String destination) {
            assertEquals(Counter.UDP_DROP_NO_PORT, f.outcome(udpFrame(PEER_IP, StackFixture.ip(destination), 1234, 9999,
                new byte[4])));
            f.sentNothing();
        }

        @Test
        void an_icmp_error_is_never_answered_with_an_icmp_error() {
            byte[] aboutUdp = Packets.icmp(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, IcmpHeader.CODE_PORT_UNREACHABLE, 0,
                ourPacket(PEER_IP, Ipv4Header.PROTOCOL_UDP, 100, 28));
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(icmpFrame(aboutUdp)));
            byte[] timeExceeded = Packets.icmp(IcmpHeader.TYPE_TIME_EXCEEDED, 0, 0,
                ourPacket(PEER_IP, Ipv4Header.PROTOCOL_UDP, 100, 28));
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(icmpFrame(timeExceeded)));
            byte[] notOurs = Packets.ipv4(PEER_IP, OTHER_IP, Ipv4Header.PROTOCOL_UDP, 1, 0, 64, new byte[8]);
            byte[] unmatched = Packets.icmp(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, IcmpHeader.CODE_HOST_UNREACHABLE,
                0, notOurs);
            assertEquals(Counter.ICMP_DROP_UNMATCHED_ERROR, f.outcome(icmpFrame(unmatched)));
            f.sentNothing();
        }

        @Test
        void a_lone_non_initial_fragment_to_a_closed_port_gets_no_error() {
            byte[] l4 = Packets.udp(PEER_IP, OUR_IP, 1234, 9999, new byte[2000]);
            assertEquals(Counter.STACK_RX_ACCEPTED,
                f.outcome(fragment(l4, Ipv4Header.PROTOCOL_UDP, 3, 1000, 1008, false)));
            f.advance(31 * SECOND);
            assertEquals(1, f.counter(Counter.IP_REASM_TIMEOUTS));
            f.sentNothing();
        }

        @Test
        void a_reassembled_datagram_to_a_closed_port_gets_an_error_about_the_whole_datagram() {
            byte[] l4 = Packets.udp(PEER_IP, OUR_IP, 1234, 9999, new byte[2000]);
            List<byte[]> frames = fragments(l4, Ipv4Header.PROTOCOL_UDP, 3, 1000);
            for (int i = 0; i < frames.size() - 1; i++) {
                assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frames.get(i)));
            }
            assertEquals(Counter.UDP_DROP_NO_PORT, f.outcome(frames.get(frames.size() - 1)));
            Parsed error = f.sentOne();
            assertEquals(IcmpHeader.CODE_PORT_UNREACHABLE, error.icmpCode);
            Ipv4Header quoted = new Ipv4Header().wrap(new UnsafeBuffer(error.payload), 0);
            assertEquals(20 + 2008, quoted.totalLength(), "the header describes the reassembled datagram");
            assertEquals(0,
                quoted.flagsAndFragment() & (Ipv4Header.FLAG_MORE_FRAGMENTS | Ipv4Header.FRAGMENT_OFFSET_MASK));
            assertArrayEquals(Arrays.copyOf(l4, 548 - 20), Arrays.copyOfRange(error.payload, 20, 548));
        }

        @Test
        void errors_are_rate_limited_to_a_burst_then_one_per_interval() {
            for (int i = 0; i < 3; i++) {
                f.receive(toClosedPort(4));
            }
            assertEquals(3, f.sent().size(), "the burst");
            f.receive(toClosedPort(4));
            f.sentNothing();
            assertEquals(1, f.counter(Counter.ICMP_OUT_RATE_LIMITED));
            long start = f.now;
            f.now = start + 100 * MS - 1;
            f.receive(toClosedPort(4));
            f.sentNothing();
            assertEquals(2, f.counter(Counter.ICMP_OUT_RATE_LIMITED), "1/10 s has not passed");
            f.now = start + 100 * MS;
            f.receive(toClosedPort(4));
            assertEquals(1, f.sent().size(), "one token refilled");
            f.receive(toClosedPort(4));
            f.sentNothing();
            assertEquals(3, f.counter(Counter.ICMP_OUT_RATE_LIMITED));
        }

        @Test
        void a_long_silence_refills_the_burst_and_no_more() {
            for (int i = 0; i < 3; i++) {
                f.receive(toClosedPort(4));
            }
            f.sent();
            f.advance(3600 * SECOND);
            for (int i = 0; i < 5; i++) {
                f.receive(toClosedPort(4));
            }
            assertEquals(3, f.sent().stream().filter(p -> !p.isArp()).count(),
                "an ARP probe goes too: the peer is stale");
            assertEquals(2, f.counter(Counter.ICMP_OUT_RATE_LIMITED));
        }
    }

    @Nested
    class ErrorsReceived {
        final StackFixture f = StackFixture.peerKnown();

        @Test
        void fragmentation_needed_lowers_the_path_mtu_of_the_quoted_destination() {
            assertEquals(1500, f.stack.pathMtu(OTHER_IP));
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(fragmentationNeeded(1200,
                ourPacket(OTHER_IP, Ipv4Header.PROTOCOL_UDP, 1500, 28))));
            assertEquals(1200, f.stack.pathMtu(OTHER_IP));
            assertEquals(1500, f.stack.pathMtu(PEER_IP), "other destinations keep the link MTU");
            assertEquals(1, f.counter(Counter.ICMP_PMTU_UPDATES));
            assertEquals(1, f.counter(Counter.ICMP_IN_DEST_UNREACHS));
            f.sentNothing();
        }

        @ParameterizedTest(name = "next-hop MTU {0} -> {1}")
        @CsvSource({"300, 576", "68, 576", "576, 576", "577, 577"})
        void a_path_mtu_below_576_is_clamped_to_576(int nextHopMtu, int expected) {
            f.receive(fragmentationNeeded(nextHopMtu, ourPacket(OTHER_IP, Ipv4Header.PROTOCOL_UDP, 1500, 28)));
            assertEquals(expected, f.stack.pathMtu(OTHER_IP));
        }

        @ParameterizedTest(name = "quoted length {0} -> plateau {1}")
        @CsvSource({"1500, 1492", "1492, 1006", "1400, 1006", "1006, 576"})
        void a_next_hop_mtu_of_0_takes_the_plateau_below_the_quoted_length(int quotedLength, int expected) {
            f.receive(fragmentationNeeded(0, ourPacket(OTHER_IP, Ipv4Header.PROTOCOL_UDP, quotedLength, 28)));
            assertEquals(expected, f.stack.pathMtu(OTHER_IP), "RFC 1191 section 7, clamped at 576");
        }

        @Test
        void a_higher_mtu_does_not_raise_the_path_mtu() {
            f.receive(fragmentationNeeded(1200, ourPacket(OTHER_IP, Ipv4Header.PROTOCOL_UDP, 1500, 28)));
            f.receive(fragmentationNeeded(1400, ourPacket(OTHER_IP, Ipv4Header.PROTOCOL_UDP, 1500, 28)));
            assertEquals(1200, f.stack.pathMtu(OTHER_IP));
            assertEquals(1, f.counter(Counter.ICMP_PMTU_UPDATES));
        }

        @Test
        void the_lowered_path_mtu_expires_after_pmtu_expiry_ns() {
            long start = f.now;
            f.receive(fragmentationNeeded(1200, ourPacket(OTHER_IP, Ipv4Header.PROTOCOL_UDP, 1500, 28)));
            f.now = start + 600 * SECOND - 1;
            f.poll();
            assertEquals(1200, f.stack.pathMtu(OTHER_IP));
            f.now = start + 600 * SECOND;
            f.poll();
            assertEquals(1500, f.stack.pathMtu(OTHER_IP));
        }

        @Test
        void an_error_that_does_not_quote_our_address_is_unmatched() {
            byte[] notOurs = Packets.ipv4(PEER_IP, OTHER_IP, Ipv4Header.PROTOCOL_UDP, 1, 0, 64, new byte[8]);
            assertEquals(Counter.ICMP_DROP_UNMATCHED_ERROR, f.outcome(fragmentationNeeded(1200, notOurs)));
            assertEquals(1500, f.stack.pathMtu(OTHER_IP));
        }

        @Test
        void time_exceeded_quoting_a_packet_of_ours_is_accepted() {
            byte[] icmp = Packets.icmp(IcmpHeader.TYPE_TIME_EXCEEDED, 0, 0, ourPacket(OTHER_IP, Ipv4Header.PROTOCOL_UDP,
                100, 28));
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(icmpFrame(icmp)));
        }

        @Test
        void time_exceeded_or_parameter_problem_not_quoting_our_address_is_unmatched() {
            byte[] notOurs = Packets.ipv4(PEER_IP, OTHER_IP, Ipv4Header.PROTOCOL_UDP, 1, 0, 64, new byte[8]);
            assertEquals(Counter.ICMP_DROP_UNMATCHED_ERROR,
                f.outcome(icmpFrame(Packets.icmp(IcmpHeader.TYPE_TIME_EXCEEDED, 0, 0, notOurs))));
            assertEquals(Counter.ICMP_DROP_UNMATCHED_ERROR, f.outcome(icmpFrame(Packets.icmp(
                IcmpHeader.TYPE_PARAMETER_PROBLEM, 0, 0, notOurs))));
        }

        @Test
        void an_error_about_a_tcp_segment_of_no_connection_is_unmatched() {
            byte[] quoted = ourPacket(OTHER_IP, Ipv4Header.PROTOCOL_TCP, 1500, 28);
            assertEquals(Counter.ICMP_DROP_UNMATCHED_ERROR, f.outcome(fragmentationNeeded(1200, quoted)));
            assertEquals(1500, f.stack.pathMtu(OTHER_IP));
        }

        @Test
        void an_error_quoting_less_than_the_header_and_8_bytes_is_too_short() {
            byte[] quoted = ourPacket(OTHER_IP, Ipv4Header.PROTOCOL_UDP, 1500, 27);
            assertEquals(Counter.ICMP_DROP_TOO_SHORT, f.outcome(fragmentationNeeded(1200, quoted)));
            byte[] timeExceeded = Packets.icmp(IcmpHeader.TYPE_TIME_EXCEEDED, 0, 0, quoted);
            assertEquals(Counter.ICMP_DROP_TOO_SHORT, f.outcome(icmpFrame(timeExceeded)));
            byte[] badIhl = ourPacket(OTHER_IP, Ipv4Header.PROTOCOL_UDP, 1500, 28);
            badIhl[0] = 0x44;
            assertEquals(Counter.ICMP_DROP_TOO_SHORT, f.outcome(fragmentationNeeded(1200, badIhl)));
            assertEquals(1500, f.stack.pathMtu(OTHER_IP));
        }
    }
}
