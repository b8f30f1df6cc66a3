package dev.bypass.stack;

import static dev.bypass.stack.StackFixture.GATEWAY_IP;
import static dev.bypass.stack.StackFixture.GATEWAY_MAC;
import static dev.bypass.stack.StackFixture.OTHER_IP;
import static dev.bypass.stack.StackFixture.OTHER_MAC;
import static dev.bypass.stack.StackFixture.OUR_IP;
import static dev.bypass.stack.StackFixture.OUR_MAC;
import static dev.bypass.stack.StackFixture.PEER_IP;
import static dev.bypass.stack.StackFixture.PEER_MAC;
import static dev.bypass.stack.StackFixture.SECOND;
import static dev.bypass.stack.StackFixture.arpFrame;
import static dev.bypass.stack.StackFixture.assertArp;
import static dev.bypass.stack.StackFixture.config;
import static dev.bypass.stack.wire.ArpPacket.OPERATION_REPLY;
import static dev.bypass.stack.wire.ArpPacket.OPERATION_REQUEST;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ARP (RFC 826, RFC 5227 announcements, RFC 1122 2.3.2 cache rules): answering, resolving, the cache. */
class ArpTest {
    private static final long REACHABLE_NS = 30 * SECOND;

    private static byte[] requestForUs(long senderMac, int senderIp) {
        return arpFrame(OPERATION_REQUEST, MacAddress.BROADCAST, senderMac, senderIp, 0, OUR_IP);
    }

    private static byte[] replyToUs(long senderMac, int senderIp) {
        return arpFrame(OPERATION_REPLY, OUR_MAC, senderMac, senderIp, OUR_MAC, OUR_IP);
    }

    /** A UDP datagram to {@code destination} whose one data byte is {@code marker}. */
    private static void sendMarked(StackFixture f, UdpSocket socket, int destination, int marker) {
        assertTrue(f.send(socket, destination, 9, new byte[] {(byte) marker}));
    }

    /** Datagrams marked 1 to {@code count} to the peer. */
    private static void sendMarkedToPeer(StackFixture f, UdpSocket socket, int count) {
        for (int i = 1; i <= count; i++) {
            sendMarked(f, socket, PEER_IP, i);
        }
    }

    /** {@code frames} are the datagrams marked 1 to {@code count}, in order, to the peer's MAC. */
    private static void assertMarkedInOrder(List<Parsed> frames, int count) {
        assertEquals(count, frames.size());
        for (int i = 0; i < count; i++) {
            assertMarked(frames.get(i), PEER_MAC, PEER_IP, i + 1);
        }
    }

    private static void assertMarked(Parsed p, long mac, int destination, int marker) {
        assertEquals(mac, p.destinationMac, "Ethernet destination of " + p);
        assertEquals(destination, p.ipDestination);
        assertArrayEquals(new byte[] {(byte) marker}, p.payload);
    }

    @Nested
    class Announcement {
        @Test
        void the_first_poll_announces_our_address_with_a_gratuitous_request() {
            StackFixture f = StackFixture.unstarted(config());
            f.poll();
            Parsed p = f.sentOne();
            assertArp(p, OPERATION_REQUEST, MacAddress.BROADCAST, OUR_IP, 0);
            assertEquals(p.arpSenderIp, p.arpTargetIp, "RFC 5227 announcement: sender and target are our address");
            assertEquals(1, f.counter(Counter.ARP_TX_REQUESTS));
            f.advance(SECOND);
            f.sentNothing();
        }

        @Test
        void no_announcement_when_turned_off() {
            StackFixture f = StackFixture.unstarted(config().gratuitousArp(false));
            f.poll();
            f.sentNothing();
        }
    }

    @Nested
    class Input {
        final StackFixture f = StackFixture.started();

        @Test
        void a_request_for_our_address_gets_a_reply_to_the_sender() {
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(requestForUs(PEER_MAC, PEER_IP)));
            assertArp(f.sentOne(), OPERATION_REPLY, PEER_MAC, PEER_IP, PEER_MAC);
            assertEquals(1, f.counter(Counter.ARP_RX_REQUESTS));
            assertEquals(1, f.counter(Counter.ARP_TX_REPLIES));
        }

        @Test
        void a_request_for_our_address_caches_the_sender() {
            f.receive(requestForUs(PEER_MAC, PEER_IP));
            f.sent();
            assertEquals(PEER_MAC, f.stack.arpLookup(PEER_IP));
            UdpSocket socket = f.stack.udp().open(5000);
            sendMarked(f, socket, PEER_IP, 1);
            assertMarked(f.sentOne(), PEER_MAC, PEER_IP, 1);
        }

        @Test
        void a_request_for_another_address_is_not_answered_and_not_cached() {
            byte[] frame = arpFrame(OPERATION_REQUEST, MacAddress.BROADCAST, PEER_MAC, PEER_IP, 0, OTHER_IP);
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(frame));
            f.sentNothing();
            assertEquals(-1, f.stack.arpLookup(PEER_IP), "RFC 826: only a packet for us adds its sender");
        }

        @Test
        void an_unsolicited_reply_from_an_unknown_host_is_not_cached() {
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(arpFrame(OPERATION_REPLY, OUR_MAC, PEER_MAC, PEER_IP, 0,
                OTHER_IP)));
            assertEquals(-1, f.stack.arpLookup(PEER_IP));
            assertEquals(1, f.counter(Counter.ARP_RX_REPLIES));
        }

        @Test
        void a_probe_for_our_address_from_0_0_0_0_is_answered_and_not_cached() {
            f.receive(arpFrame(OPERATION_REQUEST, MacAddress.BROADCAST, PEER_MAC, 0, 0, OUR_IP));
            Parsed reply = f.sentOne();
            assertArp(reply, OPERATION_REPLY, PEER_MAC, 0, PEER_MAC);
            assertEquals(-1, f.stack.arpLookup(0));
        }

        @Test
        void a_padded_request_is_answered() {
            byte[] padded = Arrays.copyOf(requestForUs(PEER_MAC, PEER_IP), 60);
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(padded));
            assertEquals(1, f.sent().size());
        }

        @Test
        void another_host_announcing_our_address_is_a_conflict_our_own_announcement_looped_back_is_not() {
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(arpFrame(OPERATION_REQUEST, MacAddress.BROADCAST, OUR_MAC,
                OUR_IP, 0, OUR_IP)));
            assertEquals(0, f.counter(Counter.ARP_ADDRESS_CONFLICTS));
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(arpFrame(OPERATION_REQUEST, MacAddress.BROADCAST, PEER_MAC,
                OUR_IP, 0, OUR_IP)));
            assertEquals(1, f.counter(Counter.ARP_ADDRESS_CONFLICTS));
            f.sentNothing();
            assertEquals(-1, f.stack.arpLookup(OUR_IP), "our own address is never cached");
        }

        @Test
        void a_packet_shorter_than_28_bytes_is_malformed() {
            byte[] arp = Packets.arp(OPERATION_REQUEST, PEER_MAC, PEER_IP, 0, OUR_IP);
            byte[] frame = Packets.ethernet(MacAddress.BROADCAST, PEER_MAC, EthernetHeader.TYPE_ARP,
                Arrays.copyOf(arp, 27));
            assertEquals(Counter.ARP_DROP_MALFORMED, f.outcome(frame));
            f.sentNothing();
        }

        @Test
        void a_hardware_type_other_than_ethernet_is_malformed() {
            byte[] frame = requestForUs(PEER_MAC, PEER_IP);
            frame[EthernetHeader.LENGTH + 1] = 6; // IEEE 802
            assertEquals(Counter.ARP_DROP_MALFORMED, f.outcome(frame));
            f.sentNothing();
        }

        @ParameterizedTest(name = "operation {0}")
        @ValueSource(ints = {0, 3, 4, 8, 0x0101})
        void an_operation_other_than_request_or_reply_is_malformed(int operation) {
            byte[] frame = requestForUs(PEER_MAC, PEER_IP);
            frame[EthernetHeader.LENGTH + ArpPacket.OPERATION_OFFSET] = (byte) (operation >>> 8);
            frame[EthernetHeader.LENGTH + ArpPacket.OPERATION_OFFSET + 1] = (byte) operation;
            assertEquals(Counter.ARP_DROP_MALFORMED, f.outcome(frame));
            f.sentNothing();
        }

        @ParameterizedTest(name = "sender MAC {0}")
        @ValueSource(longs = {0x01_00_5E_00_00_01L, 0xFFFF_FFFF_FFFFL, 0L})
        void a_multicast_broadcast_or_zero_sender_mac_is_refused(long senderMac) {
            assertEquals(Counter.ARP_DROP_BAD_SENDER, f.outcome(requestForUs(senderMac, PEER_IP)));
            f.sentNothing();
            assertEquals(-1, f.stack.arpLookup(PEER_IP));
        }

        @ParameterizedTest(name = "sender IP {0}")
        @ValueSource(strings = {"224.0.0.1", "255.255.255.255", "127.0.0.1", "240.0.0.1"})
        void a_sender_ip_that_is_not_unicast_is_refused(String senderIp) {
            assertEquals(Counter.ARP_DROP_BAD_SENDER, f.outcome(requestForUs(PEER_MAC, StackFixture.ip(senderIp))));
            f.sentNothing();
        }
    }

    @Nested
    class Resolution {
        final StackFixture f = StackFixture.started(config().arpPendingPerEntry(4));
        final UdpSocket socket = f.stack.udp().open(5000);

        @Test
        void sending_to_an_unknown_neighbour_broadcasts_a_request_and_holds_the_packet() {
            sendMarked(f, socket, PEER_IP, 1);
            assertArp(f.sentOne(), OPERATION_REQUEST, MacAddress.BROADCAST, PEER_IP, 0);
            assertEquals(2, f.counter(Counter.ARP_TX_REQUESTS), "the announcement and this request");
            assertEquals(-1, f.stack.arpLookup(PEER_IP), "incomplete entries are not answers");
        }

        @Test
        void more_packets_wait_without_another_request() {
            sendMarked(f, socket, PEER_IP, 1);
            f.sent();
            sendMarked(f, socket, PEER_IP, 2);
            f.sentNothing();
        }

        @Test
        void the_reply_sends_the_waiting_packets_in_order() {
            sendMarkedToPeer(f, socket, 3);
            f.sent();
            assertEquals(Counter.STACK_RX_ACCEPTED, f.outcome(replyToUs(PEER_MAC, PEER_IP)));
            assertMarkedInOrder(f.sent(), 3);
            assertEquals(PEER_MAC, f.stack.arpLookup(PEER_IP));
            sendMarked(f, socket, PEER_IP, 4);
            assertMarked(f.sentOne(), PEER_MAC, PEER_IP, 4);
            f.assertPoolFull();
        }

        @Test
        void the_waiting_queue_is_bounded_and_overflow_counted() {
            sendMarkedToPeer(f, socket, 6);
            f.sent();
            assertEquals(2, f.counter(Counter.ARP_PENDING_DROPPED));
            f.receive(replyToUs(PEER_MAC, PEER_IP));
            assertMarkedInOrder(f.sent(), 4); // arpPendingPerEntry
            f.assertPoolFull();
        }

        @Test
        void the_request_is_repeated_every_second_until_arp_retries_requests_are_out() {
            sendMarked(f, socket, PEER_IP, 1);
            f.sent();
            for (int retry = 1; retry < 3; retry++) {
                f.advance(SECOND - 1);
                f.sentNothing();
                f.advance(1);
                assertArp(f.sentOne(), OPERATION_REQUEST, MacAddress.BROADCAST, PEER_IP, 0);
            }
            assertEquals(1 + 3, f.counter(Counter.ARP_TX_REQUESTS),
                "the announcement, then arpRetries (3) requests in all");
            assertEquals(0, f.counter(Counter.ARP_RESOLUTION_FAILED));
        }

        @Test
        void resolution_fails_a_second_after_the_last_request_and_the_waiting_packets_are_dropped() {
            sendMarked(f, socket, PEER_IP, 1);
            sendMarked(f, socket, PEER_IP, 2);
            f.advance(SECOND);
            f.advance(SECOND);
            assertEquals(3, f.sent().size(), "the request and two repeats");
            f.advance(SECOND - 1);
            assertEquals(0, f.counter(Counter.ARP_RESOLUTION_FAILED));
            f.advance(1);
            f.sentNothing();
            assertEquals(1, f.counter(Counter.ARP_RESOLUTION_FAILED));
            assertEquals(2, f.counter(Counter.ARP_PENDING_DROPPED));
            f.assertPoolFull();
            assertEquals(Long.MAX_VALUE, f.stack.nextDeadlineNs(), "no ARP timer left");
        }

        @Test
        void after_a_failure_the_next_packet_starts_a_new_resolution() {
            sendMarked(f, socket, PEER_IP, 1);
            for (int s = 0; s < 3; s++) {
                f.advance(SECOND);
            }
            f.sent();
            assertEquals(1, f.counter(Counter.ARP_RESOLUTION_FAILED));
            sendMarked(f, socket, PEER_IP, 2);
            assertArp(f.sentOne(), OPERATION_REQUEST, MacAddress.BROADCAST, PEER_IP, 0);
        }

        @Test
        void a_reply_from_the_resolved_neighbour_to_another_host_still_resolves_it() {
            // RFC 826 merge: the entry exists (incomplete), so any packet from the sender fills it.
            sendMarked(f, socket, PEER_IP, 1);
            f.sent();
            f.receive(arpFrame(OPERATION_REQUEST, MacAddress.BROADCAST, PEER_MAC, PEER_IP, 0, OTHER_IP));
            assertMarked(f.sentOne(), PEER_MAC, PEER_IP, 1);
        }

        @Test
        void when_every_entry_waits_for_resolution_a_new_neighbour_gets_no_entry_and_its_packet_is_dropped() {
            StackFixture small = StackFixture.started(config().arpCacheEntries(2));
            UdpSocket s = small.stack.udp().open(5000);
            sendMarked(small, s, OTHER_IP, 1);
            sendMarked(small, s, GATEWAY_IP, 2);
            assertEquals(2, small.sent().size(), "two requests");
            sendMarked(small, s, PEER_IP, 3);
            small.sentNothing();
            assertEquals(1, small.counter(Counter.ARP_PENDING_DROPPED));
            assertEquals(0, small.counter(Counter.ARP_CACHE_EVICTIONS), "waiting entries are never evicted");
            small.receive(requestForUs(PEER_MAC, PEER_IP));
            assertArp(small.sentOne(), OPERATION_REPLY, PEER_MAC, PEER_IP, PEER_MAC);
            assertEquals(-1, small.stack.arpLookup(PEER_IP), "answered but not cached: no room");
        }

        @Test
        void an_echo_request_waits_for_arp_like_any_packet() {
            f.stack.icmp().sendEchoRequest(OTHER_IP, 7, 1, 8, f.now);
            assertArp(f.sentOne(), OPERATION_REQUEST, MacAddress.BROADCAST, OTHER_IP, 0);
            f.receive(replyToUs(OTHER_MAC, OTHER_IP));
            Parsed echo = f.sentOne();
            assertEquals(OTHER_MAC, echo.destinationMac);
            assertEquals(8, echo.icmpType);
        }
    }

    @Nested
    class Cache {
        final StackFixture f = StackFixture.peerKnown(config().arpCacheEntries(3));
        final UdpSocket socket = f.stack.udp().open(5000);
        final long learnedAt = f.now;

        @Test
        void a_known_neighbour_is_used_without_a_request() {
            sendMarked(f, socket, PEER_IP, 1);
            assertMarked(f.sentOne(), PEER_MAC, PEER_IP, 1);
        }

        @Test
        void a_packet_from_a_known_host_updates_its_mac() {
            long moved = 0x02_00_00_00_00_22L;
            f.receive(arpFrame(OPERATION_REQUEST, MacAddress.BROADCAST, moved, PEER_IP, 0, OTHER_IP));
            assertEquals(moved, f.stack.arpLookup(PEER_IP));
            f.sentNothing();
        }

        @Test
        void the_entry_is_used_as_is_until_arp_reachable_ns() {
            f.now = learnedAt + REACHABLE_NS - 1;
            f.poll();
            sendMarked(f, socket, PEER_IP, 1);
            assertMarked(f.sentOne(), PEER_MAC, PEER_IP, 1);
        }

        @Test
        void a_stale_entry_sends_a_unicast_probe_and_still_uses_the_old_mac() {
            f.now = learnedAt + REACHABLE_NS;
            f.poll();
            sendMarked(f, socket, PEER_IP, 1);
            List<Parsed> out = f.sent();
            assertEquals(2, out.size(), "probe and datagram: " + out);
            assertArp(out.get(0), OPERATION_REQUEST, PEER_MAC, PEER_IP, PEER_MAC);
            assertMarked(out.get(1), PEER_MAC, PEER_IP, 1);
            sendMarked(f, socket, PEER_IP, 2);
            assertMarked(f.sentOne(), PEER_MAC, PEER_IP, 2);
        }

        /** The entry gone stale and used once: a unicast probe is out (the frames taken away). */
        private void probeSent() {
            f.now = learnedAt + REACHABLE_NS;
            f.poll();
            sendMarked(f, socket, PEER_IP, 1);
            f.sent();
        }

        @Test
        void an_answered_probe_makes_the_entry_reachable_again() {
            probeSent();
            f.receive(replyToUs(PEER_MAC, PEER_IP));
            f.advance(10 * SECOND);
            f.sentNothing();
            assertEquals(PEER_MAC, f.stack.arpLookup(PEER_IP));
            assertEquals(0, f.counter(Counter.ARP_RESOLUTION_FAILED));
        }

        @Test
        void an_unanswered_probe_is_repeated_unicast_then_the_entry_removed() {
            probeSent();
            for (int retry = 1; retry < 3; retry++) {
                f.advance(SECOND - 1);
                f.sentNothing();
                f.advance(1);
                assertArp(f.sentOne(), OPERATION_REQUEST, PEER_MAC, PEER_IP, PEER_MAC);
            }
            f.advance(SECOND - 1);
            assertEquals(PEER_MAC, f.stack.arpLookup(PEER_IP));
            f.advance(1);
            assertEquals(-1, f.stack.arpLookup(PEER_IP));
            assertEquals(1, f.counter(Counter.ARP_RESOLUTION_FAILED));
            sendMarked(f, socket, PEER_IP, 2);
            assertArp(f.sentOne(), OPERATION_REQUEST, MacAddress.BROADCAST, PEER_IP, 0);
        }

        @Test
        void a_full_cache_evicts_the_least_recently_used_entry_and_counts_it() {
            f.advance(SECOND);
            f.receive(requestForUs(OTHER_MAC, OTHER_IP));
            f.advance(SECOND);
            f.receive(requestForUs(GATEWAY_MAC, GATEWAY_IP));
            f.sent();
            sendMarked(f, socket, PEER_IP, 1); // the peer is now the most recently used
            f.sent();
            assertEquals(0, f.counter(Counter.ARP_CACHE_EVICTIONS));
            long fourthMac = 0x02_00_00_00_00_04L;
            int fourth = StackFixture.ip("198.18.0.4");
            f.receive(requestForUs(fourthMac, fourth));
            assertEquals(1, f.counter(Counter.ARP_CACHE_EVICTIONS));
            assertEquals(-1, f.stack.arpLookup(OTHER_IP), "least recently used");
            assertEquals(PEER_MAC, f.stack.arpLookup(PEER_IP));
            assertEquals(GATEWAY_MAC, f.stack.arpLookup(GATEWAY_IP));
            assertEquals(fourthMac, f.stack.arpLookup(fourth));
            assertEquals(3, f.stack.arp().entries());
        }
    }
}
