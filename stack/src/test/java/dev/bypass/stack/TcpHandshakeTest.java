package dev.bypass.stack;

import static dev.bypass.stack.TcpFixture.MS;
import static dev.bypass.stack.TcpFixture.OUR_PORT;
import static dev.bypass.stack.TcpFixture.PEER_IP;
import static dev.bypass.stack.TcpFixture.PEER_PORT;
import static dev.bypass.stack.TcpFixture.SECOND;
import static dev.bypass.stack.TcpFixture.assertSegment;
import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.RST;
import static dev.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.counters.Counter;
import dev.bypass.testing.Parsed;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Opening: LISTEN, SYN-SENT, SYN-RECEIVED, simultaneous open, and the handshake's timers. */
class TcpHandshakeTest {

    @Nested
    class Listen {
        final TcpFixture f = new TcpFixture();

        @Test
        void syn_gets_syn_ack_with_mss_window_scale_and_timestamps() {
            f.listen();
            Parsed synAck = f.peerSyn();
            assertEquals("S.", synAck.flags());
            assertEquals(f.peerSeq, synAck.tcp.ack);
            assertEquals(1460, synAck.tcp.mss);
            assertEquals(3, synAck.tcp.windowScale, "256 KiB >> 2 = 65536 does not fit 16 bits: shift 3");
            assertTrue(synAck.tcp.hasTimestamps);
            assertEquals(f.peerTsVal, synAck.tcp.tsEcr, "SYN-ACK echoes the SYN's TSval");
            assertEquals(65535, synAck.tcp.window, "window in a SYN is not scaled");
            assertEquals(1, f.counter(Counter.TCP_PASSIVE_OPENS));
        }

        @Test
        void syn_without_options_gets_syn_ack_without_scaling_or_timestamps() {
            f.listen();
            f.send(f.seg().flags(SYN).ack(0).noTimestamps());
            Parsed synAck = f.recv();
            assertEquals(-1, synAck.tcp.windowScale);
            assertFalse(synAck.tcp.hasTimestamps);
            assertEquals(1460, synAck.tcp.mss);
        }

        @Test
        void ack_completes_the_handshake_and_accept_returns_the_connection() {
            TcpListener l = f.listen();
            f.peerSyn();
            assertNull(l.accept());
            assertEquals(1, l.halfOpen());
            f.send(f.seg().window(512));
            f.recvNothing();
            TcpConnection c = l.accept();
            assertEquals(TcpState.ESTABLISHED, c.state());
            assertEquals(0, l.halfOpen());
            assertEquals(1, f.counter(Counter.TCP_CURR_ESTAB));
            TcpInfo info = c.info(new TcpInfo());
            assertEquals(1460 - 12, info.sendMss, "MSS minus the timestamp option");
            assertEquals(512 << 7, info.peerWindowBytes, "peer window scaled by its shift");
        }

        @Test
        void rst_to_a_listener_is_ignored() {
            f.listen();
            f.send(f.seg().flags(RST).ack(0));
            f.recvNothing();
            assertEquals(1, f.counter(Counter.TCP_DROP_IGNORED));
        }

        @Test
        void ack_to_a_listener_gets_a_reset_at_its_ack_number() {
            f.listen();
            f.send(f.seg().ack(777));
            assertSegment(f.recv(), RST, 777, 0);
            assertEquals(1, f.counter(Counter.TCP_DROP_BAD_ACK));
        }

        @Test
        void syn_fin_is_dropped() {
            f.listen();
            f.send(f.seg().flags(SYN | dev.bypass.stack.wire.TcpHeader.FIN).ack(0));
            f.recvNothing();
        }

        @Test
        void backlog_bounds_half_open_connections() {
            f.stack.tcp().listen(OUR_PORT, 2);
            for (int i = 0; i < 3; i++) {
                f.send(f.seg().flags(SYN).ack(0).ports(PEER_PORT + i, OUR_PORT));
            }
            assertEquals(2, f.recvAll().size(), "two SYN-ACKs");
            assertEquals(1, f.counter(Counter.TCP_DROP_LISTEN_OVERFLOW));
        }
    }

    @Nested
    class SynReceived {
        final TcpFixture f = new TcpFixture();

        @Test
        void syn_ack_is_retransmitted_with_backoff_then_given_up() {
            TcpListener l = f.listen();
            Parsed first = f.peerSyn();
            long[] expectedGaps = {1, 2, 4, 8, 16, 32};
            for (long gap : expectedGaps) {
                f.advance(gap * SECOND - MS);
                f.recvNothing();
                f.advance(MS);
                Parsed again = f.recv();
                assertEquals("S.", again.flags());
                assertEquals(first.tcp.seq, again.tcp.seq);
            }
            f.advance(64 * SECOND);
            f.recvNothing();
            assertEquals(0, l.halfOpen(), "given up after synRetries");
            assertEquals(0, f.stack.tcp().connectionCount());
            assertEquals(1, f.counter(Counter.TCP_ATTEMPT_FAILS));
        }

        @Test
        void a_retransmitted_syn_gets_the_syn_ack_again() {
            f.listen();
            Parsed first = f.peerSyn();
            f.send(f.seg().flags(SYN).seq(f.peerSeq - 1).ack(0).mss(1460).wscale(7));
            Parsed again = f.recv();
            assertSegment(again, SYN | ACK, first.tcp.seq, f.peerSeq);
        }

        @Test
        void an_ack_of_the_wrong_number_gets_a_reset() {
            TcpListener l = f.listen();
            f.peerSyn();
            f.send(f.seg().ack(f.ourSeq + 1000));
            assertSegment(f.recv(), RST, f.ourSeq + 1000, 0);
            assertNull(l.accept());
        }

        @Test
        void a_reset_returns_to_listen_and_frees_the_connection() {
            TcpListener l = f.listen();
            f.peerSyn();
            f.send(f.seg().flags(RST).ack(0));
            f.recvNothing();
            assertEquals(0, l.halfOpen());
            assertEquals(0, f.stack.tcp().connectionCount());
            assertNull(l.accept());
        }

        @Test
        void a_segment_without_ack_is_dropped() {
            TcpListener l = f.listen();
            f.peerSyn();
            f.send(f.seg().flags(0).data(new byte[] {1}));
            assertEquals(1, f.counter(Counter.TCP_DROP_NO_ACK));
            assertNull(l.accept());
        }
    }

    @Nested
    class SynSent {
        final TcpFixture f = new TcpFixture();

        private Parsed connect() {
            f.stack.tcp().connect(PEER_IP, PEER_PORT, OUR_PORT);
            f.poll();
            Parsed syn = f.recv();
            f.ourSeq = syn.tcp.seq + 1;
            return syn;
        }

        @Test
        void connect_sends_syn_with_our_options() {
            Parsed syn = connect();
            assertEquals("S", syn.flags());
            assertEquals(1460, syn.tcp.mss);
            assertEquals(3, syn.tcp.windowScale);
            assertTrue(syn.tcp.hasTimestamps);
            assertEquals(0, syn.tcp.tsEcr);
            assertEquals(1, f.counter(Counter.TCP_ACTIVE_OPENS));
        }

        @Test
        void syn_ack_establishes_acks_and_tells_the_handler() {
            TcpConnection c = f.stack.tcp().connect(PEER_IP, PEER_PORT, OUR_PORT);
            boolean[] connected = new boolean[1];
            c.handler(new TcpHandler() {
                @Override
                public void onConnected(TcpConnection connection) {
                    connected[0] = true;
                }
            });
            f.poll();
            Parsed syn = f.recv();
            f.ourSeq = syn.tcp.seq + 1;
            f.send(f.seg().flags(SYN | ACK).ack(f.ourSeq).mss(1000).wscale(3).ts(77, syn.tcp.tsVal));
            f.peerSeq++;
            Parsed ack = f.recv();
            assertSegment(ack, ACK, f.ourSeq, f.peerSeq);
            assertEquals(77, ack.tcp.tsEcr);
            assertEquals(TcpState.ESTABLISHED, c.state());
            assertTrue(connected[0]);
            TcpInfo info = c.info(new TcpInfo());
            assertEquals(1000 - 12, info.sendMss);
            assertEquals(3, info.sendWindowScale);
            assertTrue(info.srttNs >= 0);
        }

        @Test
        void syn_ack_without_window_scale_turns_scaling_off_both_ways() {
            TcpConnection c = f.stack.tcp().connect(PEER_IP, PEER_PORT, OUR_PORT);
            f.poll();
            Parsed syn = f.recv();
            f.ourSeq = syn.tcp.seq + 1;
            f.send(f.seg().flags(SYN | ACK).ack(f.ourSeq).mss(1460).noTimestamps().window(1000));
            f.peerSeq++;
            Parsed ack = f.recv();
            assertEquals(65535, ack.tcp.window, "unscaled window caps at 65535");
            TcpInfo info = c.info(new TcpInfo());
            assertEquals(0, info.receiveWindowScale);
            assertEquals(1000, info.peerWindowBytes);
            assertFalse(info.timestamps);
        }

        @Test
        void reset_acknowledging_the_syn_refuses_the_connection() {
            TcpConnection c = f.stack.tcp().connect(PEER_IP, PEER_PORT, OUR_PORT);
            f.poll();
            Parsed syn = f.recv();
            f.send(f.seg().flags(RST | ACK).seq(0).ack(syn.tcp.seq + 1));
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(TcpError.REFUSED, c.error());
            assertEquals(1, f.counter(Counter.TCP_ATTEMPT_FAILS));
        }

        @Test
        void reset_without_acceptable_ack_is_ignored() {
            TcpConnection c = f.stack.tcp().connect(PEER_IP, PEER_PORT, OUR_PORT);
            f.poll();
            f.recv();
            f.send(f.seg().flags(RST).seq(0).ack(0));
            assertEquals(TcpState.SYN_SENT, c.state());
        }

        @Test
        void unacceptable_ack_gets_a_reset() {
            Parsed syn = connect();
            f.send(f.seg().flags(SYN | ACK).ack(syn.tcp.seq + 5));
            assertSegment(f.recv(), RST, syn.tcp.seq + 5, 0);
        }

        @Test
        void syn_is_retransmitted_at_one_second_doubling_and_times_out() {
            TcpConnection c = f.stack.tcp().connect(PEER_IP, PEER_PORT, OUR_PORT);
            f.poll();
            Parsed syn = f.recv();
            long gap = SECOND;
            for (int i = 0; i < 6; i++) {
                f.advance(gap - MS);
                f.recvNothing();
                f.advance(MS);
                assertSegment(f.recv(), SYN, syn.tcp.seq, 0);
                gap *= 2;
            }
            f.advance(gap);
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(TcpError.TIMED_OUT, c.error());
        }

        @Test
        void after_a_lost_syn_the_initial_window_is_one_segment_and_rto_three_seconds() {
            TcpConnection c = f.stack.tcp().connect(PEER_IP, PEER_PORT, OUR_PORT);
            f.poll();
            Parsed syn = f.recv();
            f.advance(SECOND);
            f.recv();
            f.ourSeq = syn.tcp.seq + 1;
            f.send(f.seg().flags(SYN | ACK).ack(f.ourSeq).mss(1460).wscale(7).ts(1, 1));
            f.peerSeq++;
            f.recv();
            TcpInfo info = c.info(new TcpInfo());
            assertEquals(info.sendMss, info.cwndBytes, "RFC 5681 3.1");
            assertEquals(3 * SECOND, info.rtoNs, "RFC 6298 5.7");
        }

        @Test
        void simultaneous_open_goes_through_syn_received() {
            TcpConnection c = f.stack.tcp().connect(PEER_IP, PEER_PORT, OUR_PORT);
            f.poll();
            Parsed syn = f.recv();
            f.ourSeq = syn.tcp.seq + 1;
            // The peer's own SYN crosses ours.
            f.send(f.seg().flags(SYN).ack(0).mss(1460).wscale(7).ts(700, 0));
            f.peerSeq++;
            Parsed synAck = f.recv();
            assertSegment(synAck, SYN | ACK, syn.tcp.seq, f.peerSeq);
            assertEquals(700, synAck.tcp.tsEcr, "the SYN-ACK echoes the peer's SYN");
            assertEquals(TcpState.SYN_RECEIVED, c.state());
            // The peer's SYN-ACK for our SYN completes the open by itself (RFC 9293 figure 8).
            f.send(f.seg().flags(SYN | ACK).seq(f.peerSeq - 1).ack(f.ourSeq).ts(800, synAck.tcp.tsVal));
            assertEquals(TcpState.ESTABLISHED, c.state());
            f.poll();
            Parsed ack = f.recv();
            assertSegment(ack, ACK, f.ourSeq, f.peerSeq);
            assertEquals(800, ack.tcp.tsEcr);
            // Data flows both ways from here.
            f.send(f.seg().ack(f.ourSeq).data(new byte[10]));
            assertEquals(10, c.readableBytes());
        }

        @Test
        void a_synack_that_does_not_match_in_syn_received_is_not_an_open() {
            TcpConnection c = f.stack.tcp().connect(PEER_IP, PEER_PORT, OUR_PORT);
            f.poll();
            Parsed syn = f.recv();
            f.ourSeq = syn.tcp.seq + 1;
            f.send(f.seg().flags(SYN).ack(0).mss(1460).wscale(7));
            f.peerSeq++;
            f.recv();
            // A SYN-ACK acknowledging something we never sent: not the simultaneous open's answer.
            f.send(f.seg().flags(SYN | ACK).seq(f.peerSeq - 1).ack(f.ourSeq + 5));
            assertEquals(TcpState.SYN_RECEIVED, c.state());
        }
    }

    @Test
    void a_handler_set_after_the_handshake_still_hears_it_completed() {
        TcpFixture f = new TcpFixture();
        TcpConnection c = f.establishedActive(); // no handler yet: the connected event waits
        int[] connected = new int[1];
        c.handler(new TcpHandler() {
            @Override
            public void onConnected(TcpConnection conn) {
                connected[0]++;
            }
        });
        f.poll();
        assertEquals(1, connected[0]);
        f.poll();
        assertEquals(1, connected[0], "delivered once");
    }
}
