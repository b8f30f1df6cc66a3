package dev.bypass.stack;

import static dev.bypass.stack.StackFixture.FAR_IP;
import static dev.bypass.stack.StackFixture.GATEWAY_IP;
import static dev.bypass.stack.StackFixture.GATEWAY_MAC;
import static dev.bypass.stack.StackFixture.MS;
import static dev.bypass.stack.StackFixture.OTHER_IP;
import static dev.bypass.stack.StackFixture.OUR_IP;
import static dev.bypass.stack.StackFixture.OUR_MAC;
import static dev.bypass.stack.StackFixture.PEER_IP;
import static dev.bypass.stack.StackFixture.PEER_MAC;
import static dev.bypass.stack.StackFixture.SECOND;
import static dev.bypass.stack.StackFixture.SUBNET_BROADCAST;
import static dev.bypass.stack.StackFixture.arpFrame;
import static dev.bypass.stack.StackFixture.assertArp;
import static dev.bypass.stack.StackFixture.config;
import static dev.bypass.stack.StackFixture.ethernetFrame;
import static dev.bypass.stack.StackFixture.fragment;
import static dev.bypass.stack.StackFixture.fragments;
import static dev.bypass.stack.StackFixture.ip;
import static dev.bypass.stack.StackFixture.ipPacketOf;
import static dev.bypass.stack.StackFixture.read;
import static dev.bypass.stack.StackFixture.reassemble;
import static dev.bypass.stack.StackFixture.udpFrame;
import static dev.bypass.stack.StackFixture.withIpChecksum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.IcmpHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import dev.bypass.testing.TestDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** IPv4 (RFC 791, RFC 1122 3.2.1): input checks, options, routing, fragmentation and reassembly. */
class Ipv4Test {
    private static final int ETH = EthernetHeader.LENGTH;
    private static final int PORT = 7000;
    private static final byte[] DATA = Packets.ascii("payload!");

    private static byte[] datagram() {
        return udpFrame(PEER_IP, OUR_IP, 1234, PORT, DATA);
    }

    /** A valid UDP packet whose IPv4 header carries {@code options} (a multiple of 4 bytes). */
    private static byte[] datagramWithOptions(byte[] options) {
        return withIpOptions(datagram(), options);
    }

    /** {@code frame} (an untagged IPv4 frame with a 20-byte header) with {@code options} added to its header. */
    private static byte[] withIpOptions(byte[] frame, byte[] options) {
        byte[] plain = ipPacketOf(frame);
        byte[] p = new byte[plain.length + options.length];
        System.arraycopy(plain, 0, p, 0, 20);
        System.arraycopy(options, 0, p, 20, options.length);
        System.arraycopy(plain, 20, p, 20 + options.length, plain.length - 20);
        p[0] = (byte) (0x40 | (20 + options.length) / 4);
        new UnsafeBuffer(p).putShort(Ipv4Header.TOTAL_LENGTH_OFFSET, (short) p.length, java.nio.ByteOrder.BIG_ENDIAN);
        return withIpChecksum(ethernetFrame(p));
    }

    private static void setTotalLength(byte[] frame, int totalLength) {
        new Ipv4Header().wrap(new UnsafeBuffer(frame), ETH).totalLength(totalLength);
    }

    @Nested
    class Input {
        final StackFixture f = StackFixture.peerKnown();
        final UdpSocket socket = f.stack.udp().open(PORT);

        @Test
        void a_valid_datagram_is_delivered() {
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(datagram()));
            assertArrayEquals(DATA, read(socket));
            assertEquals(1, f.counter(Counter.IP_IN_RECEIVES));
            assertEquals(1, f.counter(Counter.IP_IN_DELIVERS));
        }

        @Test
        void a_packet_shorter_than_20_bytes_is_too_short() {
            byte[] frame = Arrays.copyOf(datagram(), ETH + 19);
            assertEquals(Counter.IP_DROP_TOO_SHORT, f.outcome(frame));
        }

        @ParameterizedTest(name = "version {0}")
        @ValueSource(ints = {0, 5, 6, 15})
        void a_version_other_than_4_is_refused(int version) {
            byte[] frame = datagram();
            frame[ETH] = (byte) (version << 4 | 5);
            assertEquals(Counter.IP_DROP_BAD_VERSION, f.outcome(withIpChecksum(frame)));
        }

        @ParameterizedTest(name = "IHL {0}")
        @ValueSource(ints = {0, 1, 4})
        void an_ihl_below_5_is_refused(int ihl) {
            byte[] frame = datagram();
            frame[ETH] = (byte) (0x40 | ihl);
            assertEquals(Counter.IP_DROP_BAD_HEADER_LENGTH, f.outcome(frame));
        }

        @ParameterizedTest(name = "IHL {0}")
        @ValueSource(ints = {10, 15})
        void an_ihl_past_the_packet_is_refused(int ihl) {
            byte[] frame = datagram(); // 36 bytes of IP
            frame[ETH] = (byte) (0x40 | ihl);
            assertEquals(Counter.IP_DROP_BAD_HEADER_LENGTH, f.outcome(frame));
        }

        @Test
        void a_total_length_shorter_than_the_header_is_refused() {
            byte[] frame = datagram();
            setTotalLength(frame, 19);
            assertEquals(Counter.IP_DROP_BAD_TOTAL_LENGTH, f.outcome(withIpChecksum(frame)));
        }

        @Test
        void a_total_length_longer_than_the_frame_is_a_truncated_packet() {
            byte[] frame = datagram();
            setTotalLength(frame, frame.length - ETH + 1);
            assertEquals(Counter.IP_DROP_BAD_TOTAL_LENGTH, f.outcome(withIpChecksum(frame)));
            assertEquals(Counter.IP_DROP_BAD_TOTAL_LENGTH, f.outcome(Arrays.copyOf(datagram(), datagram().length - 1)));
        }

        @Test
        void a_wrong_header_checksum_is_refused() {
            byte[] frame = datagram();
            frame[ETH + Ipv4Header.CHECKSUM_OFFSET] ^= 0x01;
            assertEquals(Counter.IP_DROP_BAD_CHECKSUM, f.outcome(frame));
            assertNull(read(socket));
        }

        @ParameterizedTest(name = "source {0}")
        @ValueSource(strings = {"0.0.0.0", "127.0.0.1", "127.9.9.9", "224.0.0.1", "239.255.255.250", "240.0.0.1",
            "255.255.255.255", "198.18.0.2", "198.18.0.255"})
        void a_source_that_no_host_may_use_is_refused(String source) {
            int s = ip(source);
            assertEquals(Counter.IP_DROP_BAD_SOURCE, f.outcome(udpFrame(s, OUR_IP, 1234, PORT, DATA)));
            assertNull(read(socket));
            f.sentNothing();
        }

        @ParameterizedTest(name = "destination {0}")
        @ValueSource(strings = {"198.18.0.3", "198.19.200.1", "239.9.9.9", "198.18.0.0", "0.0.0.0"})
        void a_packet_for_another_address_is_not_for_us(String destination) {
            int d = ip(destination);
            assertEquals(Counter.IP_DROP_NOT_FOR_US, f.outcome(udpFrame(PEER_IP, d, 1234, PORT, DATA)));
            f.sentNothing();
        }

        @ParameterizedTest(name = "destination {0}")
        @ValueSource(strings = {"255.255.255.255", "198.18.0.255"})
        void a_broadcast_datagram_is_delivered(String destination) {
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(udpFrame(PEER_IP, ip(destination), 1234, PORT, DATA)));
            assertArrayEquals(DATA, read(socket));
        }

        @Test
        void ethernet_padding_after_the_total_length_is_ignored() {
            byte[] frame = Arrays.copyOf(datagram(), datagram().length + 20);
            Arrays.fill(frame, datagram().length, frame.length, (byte) 0x5A);
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frame));
            assertArrayEquals(DATA, read(socket), "the padding is not data");
        }

        @Test
        void a_router_alert_option_is_skipped() {
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(datagramWithOptions(new byte[] {(byte) 0x94, 4, 0, 0})));
            assertArrayEquals(DATA, read(socket));
        }

        @Test
        void forty_bytes_of_options_are_skipped() {
            byte[] options = new byte[40];
            Arrays.fill(options, (byte) 1); // NOPs
            options[39] = 0; // EOL
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(datagramWithOptions(options)));
            assertArrayEquals(DATA, read(socket));
        }

        @Test
        void ttl_0_and_1_are_delivered_since_a_host_does_not_forward() {
            // RFC 1122 3.2.1.7: a host MUST NOT discard a datagram just because its TTL is below 2.
            for (int ttl = 0; ttl <= 1; ttl++) {
                byte[] frame = datagram();
                frame[ETH + Ipv4Header.TTL_OFFSET] = (byte) ttl;
                assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(withIpChecksum(frame)));
                assertArrayEquals(DATA, read(socket));
            }
        }

        @Test
        void an_unknown_protocol_gets_protocol_unreachable_quoting_the_packet() {
            byte[] frame = StackFixture.ipFrame(PEER_IP, OUR_IP, 253, Packets.ascii("experimental"));
            assertEquals(Counter.IP_DROP_UNKNOWN_PROTOCOL, f.outcome(frame));
            Parsed error = f.sentOne();
            assertEquals(PEER_MAC, error.destinationMac);
            assertEquals(OUR_IP, error.ipSource);
            assertEquals(PEER_IP, error.ipDestination);
            assertEquals(Ipv4Header.PROTOCOL_ICMP, error.ipProtocol);
            assertEquals(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, error.icmpType);
            assertEquals(IcmpHeader.CODE_PROTOCOL_UNREACHABLE, error.icmpCode);
            assertEquals(0, error.icmpRest);
            assertArrayEquals(ipPacketOf(frame), error.payload, "the IP header and more than 8 bytes of data");
            assertEquals(1, f.counter(Counter.ICMP_OUT_DEST_UNREACHS));
        }

        @Test
        void an_unknown_protocol_sent_to_broadcast_gets_no_error() {
            byte[] frame = StackFixture.ipFrame(PEER_IP, SUBNET_BROADCAST, 253, Packets.ascii("experimental"));
            assertEquals(Counter.IP_DROP_UNKNOWN_PROTOCOL, f.outcome(frame));
            f.sentNothing();
        }
    }

    @Nested
    class Routing {
        final StackFixture f = StackFixture.started(config()
            .gateway("198.18.0.254")
            .route("198.19.0.0/16", "198.18.0.253")
            .route("198.19.7.0/24", "198.18.0.252")
            .route("198.20.0.0/24", null)
            .route("198.21.0.0/16", "198.20.0.1"));
        final UdpSocket socket = f.stack.udp().open(5000);

        @ParameterizedTest(name = "{0} via {1}")
        @CsvSource({
            "198.19.7.9, 198.18.0.252",   // the /24 is longer than the /16
            "198.19.8.9, 198.18.0.253",   // the /16
            "198.22.0.1, 198.18.0.254",   // only the default route matches
            "198.18.0.77, 198.18.0.77",   // our prefix is on-link: beats the default
            "198.20.0.5, 198.20.0.5",     // a configured on-link route
            "198.21.3.4, 198.20.0.1",     // a gateway on the configured on-link prefix
        })
        void the_longest_matching_prefix_picks_the_next_hop_that_arp_resolves(String destination, String nextHop) {
            assertTrue(f.send(socket, ip(destination), 9, DATA));
            assertArp(f.sentOne(), ArpPacket.OPERATION_REQUEST, MacAddress.BROADCAST, ip(nextHop), 0);
        }

        @Test
        void a_packet_via_the_default_gateway_goes_to_the_gateway_mac_with_the_far_destination() {
            int far = ip("198.22.0.1");
            f.send(socket, far, 9, DATA);
            f.sent();
            f.receive(arpFrame(ArpPacket.OPERATION_REPLY, OUR_MAC, GATEWAY_MAC, GATEWAY_IP, OUR_MAC, OUR_IP));
            Parsed p = f.sentOne();
            assertEquals(GATEWAY_MAC, p.destinationMac);
            assertEquals(far, p.ipDestination);
            assertEquals(OUR_IP, p.ipSource);
            assertEquals(64, p.ipTtl, "default TTL");
            assertEquals(-1, f.stack.arpLookup(far), "the far host is never resolved");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"255.255.255.255", "198.18.0.255"})
        void a_broadcast_goes_to_the_broadcast_mac_without_arp(String destination) {
            assertTrue(f.send(socket, ip(destination), 9, DATA));
            Parsed p = f.sentOne();
            assertEquals(MacAddress.BROADCAST, p.destinationMac);
            assertEquals(ip(destination), p.ipDestination);
        }

        @Test
        void without_a_matching_route_nothing_is_sent_and_the_send_fails() {
            StackFixture noGateway = StackFixture.started();
            UdpSocket s = noGateway.stack.udp().open(5000);
            assertFalse(noGateway.send(s, FAR_IP, 9, DATA), "no route: the datagram did not go out");
            assertFalse(noGateway.send(s, FAR_IP, 9, new byte[4000]), "nor a datagram that needs fragments");
            assertFalse(noGateway.stack.icmp().sendEchoRequest(FAR_IP, 1, 1, 8, noGateway.now));
            noGateway.sentNothing();
            assertEquals(3, noGateway.counter(Counter.IP_OUT_NO_ROUTES));
            assertEquals(0, noGateway.counter(Counter.UDP_OUT_DATAGRAMS));
            assertEquals(0, noGateway.counter(Counter.ICMP_OUT_MSGS));
            noGateway.assertPoolFull();
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"127.0.0.1", "0.0.0.0", "0.1.2.3", "240.0.0.1"})
        void non_unicast_destinations_have_no_route_even_via_the_default_gateway(String destination) {
            // RFC 1122 3.2.1.3: 0/8 and 127/8 never leave a host; class E is not routed. (Multicast goes on the
            // link to its group's Ethernet address: IgmpTest.)
            assertFalse(f.send(socket, ip(destination), 9, DATA));
            assertFalse(f.stack.icmp().sendEchoRequest(ip(destination), 1, 1, 8, f.now));
            f.sentNothing();
            assertEquals(2, f.counter(Counter.IP_OUT_NO_ROUTES));
        }

        @Test
        void a_gateway_off_every_on_link_prefix_is_refused_with_its_name() {
            StackConfig bad = config().gateway("198.19.0.1").build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NetworkStack(bad, new TestDevice(OUR_MAC)));
            assertTrue(e.getMessage().contains("gateway 198.19.0.1"), e.getMessage());
            assertTrue(e.getMessage().contains("0.0.0.0/0 via 198.19.0.1"), e.getMessage());
            assertTrue(e.getMessage().contains("not on any on-link prefix"), e.getMessage());
        }

        @Test
        void a_route_without_a_prefix_length_is_refused_with_the_text() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config().route("198.19.0.0", "198.18.0.1"));
            assertTrue(e.getMessage().contains("'198.19.0.0'"), e.getMessage());
        }
    }

    @Nested
    class Fragmentation {
        final StackFixture f = StackFixture.peerKnown();
        final UdpSocket socket = f.stack.udp().open(5000);

        private byte[] udpOf(byte[] l4) {
            return Arrays.copyOfRange(l4, 8, l4.length);
        }

        private void assertUdpChecksum(byte[] l4) {
            int sum = Checksum.add(Checksum.pseudoHeaderV4(OUR_IP, PEER_IP, Ipv4Header.PROTOCOL_UDP, l4.length),
                Checksum.sum(new UnsafeBuffer(l4), 0, l4.length));
            assertTrue(Checksum.isValid(sum), "UDP checksum of the reassembled datagram");
        }

        @Test
        void a_datagram_filling_the_mtu_exactly_is_not_fragmented() {
            f.send(socket, PEER_IP, 9, Packets.pattern(1500 - 28, 1));
            Parsed p = f.sentOne();
            assertEquals(1500, p.ipTotalLength);
            assertEquals(0, p.ipFlagsAndFragment);
        }

        @Test
        void a_4000_byte_datagram_leaves_in_three_fragments_that_reassemble() {
            byte[] data = Packets.pattern(4000, 7);
            assertTrue(f.send(socket, PEER_IP, 9, data));
            List<Parsed> out = f.sent();
            assertEquals(3, out.size());
            int[] sizes = {1480, 1480, 4008 - 2960};
            for (int i = 0; i < 3; i++) {
                Parsed p = out.get(i);
                assertEquals(20 + sizes[i], p.ipTotalLength);
                assertEquals(i * 185, p.ipFlagsAndFragment & Ipv4Header.FRAGMENT_OFFSET_MASK, "offset in 8-byte units");
                assertEquals(PEER_MAC, p.destinationMac);
                assertEquals(Ipv4Header.PROTOCOL_UDP, p.ipProtocol);
            }
            byte[] l4 = reassemble(out);
            assertEquals(4008, l4.length);
            assertArrayEquals(data, udpOf(l4));
            assertUdpChecksum(l4);
            assertEquals(1, f.counter(Counter.IP_FRAG_OKS));
            assertEquals(3, f.counter(Counter.IP_FRAG_CREATES));
            assertEquals(1, f.counter(Counter.UDP_OUT_DATAGRAMS));
        }

        @Test
        void a_smaller_mtu_gives_smaller_fragments_of_multiples_of_8() {
            StackFixture small = StackFixture.peerKnown(config().mtu(576));
            UdpSocket s = small.stack.udp().open(5000);
            byte[] data = Packets.pattern(2000, 3);
            small.send(s, PEER_IP, 9, data);
            List<Parsed> out = small.sent();
            assertEquals(4, out.size(), "2008 bytes in 552-byte pieces");
            for (Parsed p : out) {
                assertTrue(p.ipTotalLength <= 576);
            }
            assertEquals(552, out.get(0).payload.length);
            assertArrayEquals(data, udpOf(reassemble(out)));
        }

        @Test
        void each_datagram_gets_its_own_identification() {
            f.send(socket, PEER_IP, 9, new byte[2000]); // two fragments each
            f.send(socket, PEER_IP, 9, new byte[2000]);
            List<Parsed> out = f.sent();
            assertEquals(4, out.size());
            assertEquals(out.get(0).ipId, out.get(1).ipId);
            assertNotEquals(out.get(0).ipId, out.get(2).ipId);
        }

        @Test
        void fragments_waiting_for_arp_leave_in_order_after_the_reply() {
            StackFixture fresh = StackFixture.started();
            UdpSocket s = fresh.stack.udp().open(5000);
            byte[] data = Packets.pattern(4000, 9);
            fresh.send(s, PEER_IP, 9, data);
            assertArp(fresh.sentOne(), ArpPacket.OPERATION_REQUEST, MacAddress.BROADCAST, PEER_IP, 0);
            fresh.receive(arpFrame(ArpPacket.OPERATION_REPLY, OUR_MAC, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP));
            List<Parsed> out = fresh.sent();
            assertEquals(3, out.size());
            for (int i = 0; i < 3; i++) {
                assertEquals(i * 185, out.get(i).ipFlagsAndFragment & Ipv4Header.FRAGMENT_OFFSET_MASK);
            }
            assertArrayEquals(data, udpOf(reassemble(out)));
        }
    }

    @Nested
    class Reassembly {
        final StackFixture f = StackFixture.peerKnown(config().reassemblySlots(2).reassemblyMaxFragments(8));
        final UdpSocket socket = f.stack.udp().open(PORT);
        final byte[] data = Packets.pattern(3000 - 8, 5);
        final byte[] l4 = Packets.udp(PEER_IP, OUR_IP, 1234, PORT, data);
        final List<byte[]> pieces = fragments(l4, Ipv4Header.PROTOCOL_UDP, 77, 1000); // 3 x 1000 bytes

        private void receiveAll(List<byte[]> frames) {
            for (byte[] frame : frames) {
                assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frame));
            }
        }

        @Test
        void fragments_in_order_deliver_the_datagram_once() {
            receiveAll(pieces.subList(0, 2));
            assertNull(read(socket), "nothing before the last fragment");
            receiveAll(pieces.subList(2, 3));
            assertArrayEquals(data, read(socket));
            assertNull(read(socket));
            assertEquals(3, f.counter(Counter.IP_REASM_REQDS));
            assertEquals(1, f.counter(Counter.IP_REASM_OKS));
            assertEquals(0, f.counter(Counter.IP_REASM_FAILS));
            assertEquals(1, f.counter(Counter.UDP_IN_DATAGRAMS));
        }

        @Test
        void fragments_in_reverse_order_deliver_the_datagram() {
            List<byte[]> reversed = new ArrayList<>(pieces);
            Collections.reverse(reversed);
            receiveAll(reversed);
            assertArrayEquals(data, read(socket));
        }

        @ParameterizedTest(name = "seed {0}")
        @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
        void fragments_of_random_sizes_in_random_order_deliver_the_datagram(long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            byte[] big = new byte[1 + random.nextInt(20000)];
            random.nextBytes(big);
            byte[] udp = Packets.udp(PEER_IP, OUR_IP, 1234, PORT, big);
            List<byte[]> frames = new ArrayList<>();
            int offset = 0;
            while (offset < udp.length) {
                int len = Math.min(8 * (1 + random.nextInt(180)), udp.length - offset);
                boolean more = offset + len < udp.length;
                frames.add(fragment(udp, Ipv4Header.PROTOCOL_UDP, 1000 + (int) seed, offset, len, more));
                offset += len;
            }
            StackFixture many = StackFixture.peerKnown(config().reassemblyMaxFragments(64));
            UdpSocket s = many.stack.udp().open(PORT);
            Collections.shuffle(frames, new Random(seed));
            for (byte[] frame : frames) {
                assertEquals(Counter.STACK_RX_ACCEPTED, many.outcome(frame), "seed " + seed);
            }
            assertArrayEquals(big, read(s), "seed " + seed + ", " + frames.size() + " fragments");
            assertNull(read(s));
        }

        @Test
        void an_exact_duplicate_is_dropped_alone() {
            receiveAll(pieces.subList(0, 1));
            assertEquals(Counter.IP_DROP_BAD_FRAGMENT, f.outcome(pieces.get(0)));
            receiveAll(pieces.subList(1, 3));
            assertArrayEquals(data, read(socket));
            assertEquals(0, f.counter(Counter.IP_REASM_FAILS));
        }

        @Test
        void a_duplicate_inside_merged_fragments_is_dropped_alone() {
            receiveAll(pieces.subList(0, 2));
            assertEquals(Counter.IP_DROP_BAD_FRAGMENT, f.outcome(pieces.get(1)));
            receiveAll(pieces.subList(2, 3));
            assertArrayEquals(data, read(socket));
        }

        @Test
        void an_overlapping_fragment_drops_the_whole_datagram() {
            receiveAll(pieces.subList(0, 1));
            byte[] overlap = fragment(l4, Ipv4Header.PROTOCOL_UDP, 77, 992, 16, true);
            assertEquals(Counter.IP_DROP_BAD_FRAGMENT, f.outcome(overlap));
            assertEquals(1, f.counter(Counter.IP_REASM_FAILS));
            receiveAll(pieces.subList(1, 3));
            assertNull(read(socket), "the first fragment was given up with the datagram");
        }

        @Test
        void the_same_range_with_other_bytes_drops_the_whole_datagram() {
            receiveAll(pieces.subList(0, 1));
            byte[] changed = l4.clone();
            changed[500] ^= 1;
            assertEquals(Counter.IP_DROP_BAD_FRAGMENT, f.outcome(fragment(changed, Ipv4Header.PROTOCOL_UDP, 77, 0, 1000,
                true)));
            assertEquals(1, f.counter(Counter.IP_REASM_FAILS));
        }

        @Test
        void a_fragment_ending_at_65515_payload_bytes_is_kept_and_one_past_it_refused() {
            byte[] tail = new byte[65535];
            assertEquals(Counter.STACK_RX_ACCEPTED,
                f.outcome(fragment(tail, Ipv4Header.PROTOCOL_UDP, 5, 65504, 11, false)));
            assertEquals(Counter.IP_DROP_BAD_FRAGMENT,
                f.outcome(fragment(tail, Ipv4Header.PROTOCOL_UDP, 6, 65504, 12, false)));
            assertEquals(Counter.IP_DROP_BAD_FRAGMENT,
                f.outcome(fragment(tail, Ipv4Header.PROTOCOL_UDP, 7, 8189 * 8, 40, false)));
        }

        /**
         * A UDP datagram of {@code ipPayload} bytes in 1800-byte fragments, the first carrying 40 bytes of
         * options (NOPs), the others none.
         */
        private List<byte[]> fragmentsWithOptionsInTheFirst(int ipPayload) {
            byte[] udp = Packets.udp(PEER_IP, OUR_IP, 1234, PORT, new byte[ipPayload - 8]);
            List<byte[]> frames = new ArrayList<>(fragments(udp, Ipv4Header.PROTOCOL_UDP, 99, 1800));
            byte[] nops = new byte[40];
            Arrays.fill(nops, (byte) 1);
            frames.set(0, withIpOptions(frames.get(0), nops));
            return frames;
        }

        @Test
        void a_reassembled_datagram_may_reach_65535_bytes_with_the_first_fragment_options() {
            StackFixture big = StackFixture.peerKnown(config().udpReceiveQueueBytes(512 * 1024));
            UdpSocket s = big.stack.udp().open(PORT);
            for (byte[] frame : fragmentsWithOptionsInTheFirst(65535 - 60)) {
                assertEquals(Counter.STACK_RX_ACCEPTED, big.outcome(frame));
            }
            assertEquals(65535 - 60 - 8, read(s).length);
        }

        @Test
        void a_reassembled_datagram_past_65535_bytes_with_the_first_fragment_options_is_refused() {
            // Each fragment fits with its own 20-byte header; the whole does not with the first one's 60 (RFC 791).
            StackFixture big = StackFixture.peerKnown(config().udpReceiveQueueBytes(512 * 1024));
            UdpSocket s = big.stack.udp().open(PORT);
            List<byte[]> frames = fragmentsWithOptionsInTheFirst(65535 - 60 + 1);
            for (byte[] frame : frames.subList(0, frames.size() - 1)) {
                assertEquals(Counter.STACK_RX_ACCEPTED, big.outcome(frame));
            }
            assertEquals(Counter.IP_DROP_BAD_FRAGMENT, big.outcome(frames.get(frames.size() - 1)));
            assertEquals(1, big.counter(Counter.IP_REASM_FAILS));
            assertEquals(0, big.counter(Counter.IP_REASM_OKS));
            assertNull(read(s));
        }

        @Test
        void a_non_last_fragment_that_is_not_a_multiple_of_8_is_refused() {
            assertEquals(Counter.IP_DROP_BAD_FRAGMENT,
                f.outcome(fragment(l4, Ipv4Header.PROTOCOL_UDP, 77, 0, 1001, true)));
            assertEquals(0, f.counter(Counter.IP_REASM_FAILS), "refused before it opened a datagram");
        }

        @Test
        void an_empty_fragment_is_refused() {
            assertEquals(Counter.IP_DROP_BAD_FRAGMENT,
                f.outcome(fragment(l4, Ipv4Header.PROTOCOL_UDP, 77, 8, 0, true)));
        }

        @Test
        void two_last_fragments_that_disagree_drop_the_datagram() {
            receiveAll(pieces.subList(2, 3));
            assertEquals(Counter.IP_DROP_BAD_FRAGMENT,
                f.outcome(fragment(l4, Ipv4Header.PROTOCOL_UDP, 77, 2000, 504, false)));
            assertEquals(1, f.counter(Counter.IP_REASM_FAILS));
        }

        @Test
        void data_past_the_last_fragment_drops_the_datagram() {
            receiveAll(pieces.subList(2, 3)); // ends at 3000
            byte[] pastTheEnd = fragment(new byte[4000], Ipv4Header.PROTOCOL_UDP, 77, 3000, 16, true);
            assertEquals(Counter.IP_DROP_BAD_FRAGMENT, f.outcome(pastTheEnd));
            assertEquals(1, f.counter(Counter.IP_REASM_FAILS));
        }

        @Test
        void more_fragments_than_the_limit_drop_the_datagram() {
            List<byte[]> tiny = fragments(l4, Ipv4Header.PROTOCOL_UDP, 78, 8); // 375 fragments
            receiveAll(tiny.subList(0, 8));
            assertEquals(Counter.IP_DROP_BAD_FRAGMENT, f.outcome(tiny.get(8)));
            assertEquals(1, f.counter(Counter.IP_REASM_FAILS));
        }

        @Test
        void an_incomplete_datagram_times_out_after_reassembly_timeout_ns() {
            long start = f.now;
            receiveAll(pieces.subList(0, 2));
            assertEquals(start + 30 * SECOND, f.stack.nextDeadlineNs());
            f.now = start + 30 * SECOND - 1;
            f.poll();
            assertEquals(0, f.counter(Counter.IP_REASM_TIMEOUTS));
            f.advance(1);
            assertEquals(1, f.counter(Counter.IP_REASM_TIMEOUTS));
            assertEquals(1, f.counter(Counter.IP_REASM_FAILS));
            assertEquals(Long.MAX_VALUE, f.stack.nextDeadlineNs());
            receiveAll(pieces.subList(2, 3));
            assertNull(read(socket), "the first fragments were given up");
            f.sentNothing();
        }

        @Test
        void when_every_slot_is_busy_the_oldest_datagram_is_given_up() {
            List<byte[]> a = fragments(l4, Ipv4Header.PROTOCOL_UDP, 1, 1000);
            List<byte[]> b = fragments(l4, Ipv4Header.PROTOCOL_UDP, 2, 1000);
            List<byte[]> c = fragments(l4, Ipv4Header.PROTOCOL_UDP, 3, 1000);
            receiveAll(a.subList(0, 1));
            f.advance(MS);
            receiveAll(b.subList(0, 1));
            f.advance(MS);
            assertEquals(0, f.counter(Counter.IP_REASM_FAILS));
            receiveAll(c.subList(0, 1));
            assertEquals(1, f.counter(Counter.IP_REASM_FAILS), "datagram 1 given up for datagram 3");
            receiveAll(b.subList(1, 3));
            receiveAll(c.subList(1, 3));
            assertArrayEquals(data, read(socket));
            assertArrayEquals(data, read(socket));
            assertNull(read(socket));
            assertEquals(2, f.counter(Counter.IP_REASM_OKS));
        }

        @Test
        void fragments_of_different_datagrams_do_not_mix() {
            byte[] other = Packets.udp(PEER_IP, OUR_IP, 1234, PORT, Packets.pattern(3000 - 8, 99));
            List<byte[]> mine = pieces;
            List<byte[]> theirs = fragments(other, Ipv4Header.PROTOCOL_UDP, 78, 1000);
            receiveAll(List.of(mine.get(0), theirs.get(1), mine.get(1), theirs.get(0), theirs.get(2), mine.get(2)));
            assertArrayEquals(Packets.pattern(3000 - 8, 99), read(socket));
            assertArrayEquals(data, read(socket));
        }
    }
}
