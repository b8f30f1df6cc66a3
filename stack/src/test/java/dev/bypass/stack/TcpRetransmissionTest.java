package dev.bypass.stack;

import static dev.bypass.stack.TcpFixture.MS;
import static dev.bypass.stack.TcpFixture.SECOND;
import static dev.bypass.stack.TcpFixture.assertSegment;
import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.PSH;
import static dev.bypass.stack.wire.TcpHeader.RST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import dev.bypass.testing.TestDevice;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Loss recovery: RTO (RFC 6298) with Karn and backoff, fast retransmit and NewReno (RFC 5681, 6582). */
class TcpRetransmissionTest {
    // NewReno recovery is what these tests check: pin Reno (the default is CUBIC).
    final TcpFixture f = new TcpFixture(TcpConfig.builder().congestionControl("reno").build());

    /** An established connection whose handshake took {@code rttMs}: one RTT sample, SRTT = R, RTTVAR = R/2. */
    private TcpConnection withRtt(long rttMs) {
        return f.established(rttMs * MS);
    }

    @Test
    void rto_after_one_sample_is_the_200_ms_floor_and_fires_exactly_then() {
        TcpConnection c = withRtt(10);
        TcpInfo info = c.info(new TcpInfo());
        assertEquals(10 * MS, info.srttNs);
        assertEquals(5 * MS, info.rttvarNs);
        assertEquals(200 * MS, info.rtoNs, "srtt + 4 rttvar = 30 ms, raised to the 200 ms minimum");
        f.write(c, Packets.ascii("data"));
        f.poll();
        Parsed first = f.recv();
        f.advance(200 * MS - 1);
        f.recvNothing();
        f.advance(1);
        Parsed again = f.recv();
        assertSegment(again, PSH | ACK, first.tcp.seq, f.peerSeq);
        assertEquals(1, f.counter(Counter.TCP_TIMEOUTS));
        assertEquals(1, f.counter(Counter.TCP_RETRANS_SEGS));
    }

    @Test
    void rto_backs_off_exponentially() {
        TcpConnection c = withRtt(10);
        f.write(c, Packets.ascii("data"));
        f.poll();
        f.recv();
        long rto = 200 * MS;
        for (int i = 0; i < 5; i++) {
            f.advance(rto - 1);
            f.recvNothing();
            f.advance(1);
            f.recv();
            rto *= 2;
        }
        assertEquals(rto, c.info(new TcpInfo()).rtoNs);
    }

    @Test
    void rto_follows_rfc_6298_smoothing_over_several_samples() {
        TcpFixture g = new TcpFixture(TcpConfig.builder().rtoMinNs(1).rtoInitialNs(SECOND).build());
        TcpConnection c = g.established(50 * MS);
        long srtt = 50 * MS; // the handshake's sample (RFC 6298 2.2)
        long rttvar = 25 * MS;
        long[] samples = {100, 120, 80, 150, 90}; // each below the RTO of the moment (no retransmission, no Karn)
        for (long ms : samples) {
            g.write(c, Packets.ascii("y"));
            g.poll();
            g.recv();
            g.advance(ms * MS);
            g.ourSeq++;
            g.send(g.seg().ack(g.ourSeq));
            long r = ms * MS;
            rttvar = (3 * rttvar + Math.abs(srtt - r)) / 4; // RFC 6298 2.3, RTTVAR first
            srtt = (7 * srtt + r) / 8;
            TcpInfo info = c.info(new TcpInfo());
            assertEquals(srtt, info.srttNs, "sample " + ms + " ms");
            assertEquals(rttvar, info.rttvarNs);
            assertEquals(srtt + 4 * rttvar, info.rtoNs);
        }
    }

    @Test
    void karn_ignores_the_rtt_of_a_retransmitted_segment() {
        TcpConnection c = withRtt(10);
        f.write(c, Packets.ascii("data"));
        f.poll();
        f.recv();
        f.advance(200 * MS);
        f.recv();
        f.advance(5 * MS);
        f.ourSeq += 4;
        f.send(f.seg().ack(f.ourSeq));
        TcpInfo info = c.info(new TcpInfo());
        assertEquals(10 * MS, info.srttNs, "no sample from the retransmitted segment");
        assertEquals(400 * MS, info.rtoNs, "the backed-off RTO stays until a new sample");
    }

    @Test
    void timeout_shrinks_the_window_to_one_segment_and_goes_back_to_snd_una() {
        TcpConnection c = withRtt(10);
        f.write(c, Packets.pattern(10 * 1448, 1));
        f.poll();
        List<Parsed> flight = f.recvAll();
        assertEquals(10, flight.size());
        f.advance(200 * MS);
        Parsed retransmitted = f.recv();
        assertEquals(f.ourSeq, retransmitted.tcp.seq, "one segment, from SND.UNA");
        TcpInfo info = c.info(new TcpInfo());
        assertEquals(1448, info.cwndBytes);
        assertEquals(5 * 1448, info.ssthreshBytes, "FlightSize / 2");
        // Its ACK opens the window to two segments (slow start), which continue after it.
        f.send(f.seg().ack(f.ourSeq + 1448));
        List<Parsed> next = f.recvAll();
        assertEquals(2, next.size());
        assertEquals(f.ourSeq + 1448, next.get(0).tcp.seq);
    }

    @Test
    void too_many_timeouts_reset_the_connection() {
        TcpFixture g = new TcpFixture(TcpConfig.builder().maxRetransmissions(3).build());
        TcpConnection c = g.established();
        g.write(c, Packets.ascii("lost"));
        g.poll();
        g.recv();
        for (int i = 0; i < 3; i++) {
            g.advanceToNextDeadline(10 * SECOND * 60);
            g.recv();
        }
        g.advanceToNextDeadline(10 * SECOND * 60);
        Parsed rst = g.recv();
        assertTrue(rst.tcp.has(RST));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.TIMED_OUT, c.error());
        assertEquals(1, g.counter(Counter.TCP_RETRANSMIT_TIMEOUTS_ABORT));
    }

    @Test
    void three_duplicate_acks_trigger_fast_retransmit_and_newreno_recovery() {
        TcpConnection c = withRtt(10);
        int una = f.ourSeq;
        f.write(c, Packets.pattern(10 * 1448, 2));
        f.poll();
        assertEquals(10, f.recvAll().size());
        // Segment 1 is lost: the peer sends duplicate ACKs for una as segments 2.. arrive.
        f.send(f.seg().ack(una));
        List<Parsed> lt1 = f.recvAll();
        f.send(f.seg().ack(una));
        List<Parsed> lt2 = f.recvAll();
        assertEquals(0, lt1.size() + lt2.size(), "limited transmit: no new data beyond what the buffer holds");
        f.send(f.seg().ack(una));
        Parsed fast = f.recv();
        assertEquals(una, fast.tcp.seq, "fast retransmit of the first unacknowledged segment");
        assertEquals(1, f.counter(Counter.TCP_FAST_RETRANSMITS));
        TcpInfo info = c.info(new TcpInfo());
        assertTrue(info.inRecovery);
        assertEquals(5 * 1448, info.ssthreshBytes);
        assertEquals(8 * 1448, info.cwndBytes, "ssthresh + 3 segments");
        // Partial ACK (segments 1-3 arrive, 4 was lost too): retransmit segment 4 at once.
        f.send(f.seg().ack(una + 3 * 1448));
        Parsed partial = f.recvAll().get(0);
        assertEquals(una + 3 * 1448, partial.tcp.seq);
        assertEquals(1, f.counter(Counter.TCP_RECOVERY_PARTIAL_ACKS));
        // Full ACK ends recovery: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) (RFC 6582 step 3, option 1),
        // nothing left in flight here.
        f.send(f.seg().ack(una + 10 * 1448));
        info = c.info(new TcpInfo());
        assertFalse(info.inRecovery);
        assertEquals(2 * 1448, info.cwndBytes);
    }

    @Test
    void limited_transmit_sends_new_data_on_the_first_two_duplicate_acks() {
        TcpConnection c = withRtt(10);
        int una = f.ourSeq;
        f.write(c, Packets.pattern(20 * 1448, 3));
        f.poll();
        assertEquals(10, f.recvAll().size());
        f.send(f.seg().ack(una));
        List<Parsed> first = f.recvAll();
        assertEquals(1, first.size());
        assertEquals(una + 10 * 1448, first.get(0).tcp.seq);
        f.send(f.seg().ack(una));
        assertEquals(1, f.recvAll().size());
    }

    @Test
    void duplicate_acks_with_a_window_change_are_not_counted() {
        TcpConnection c = withRtt(10);
        int una = f.ourSeq;
        f.write(c, Packets.pattern(10 * 1448, 4));
        f.poll();
        f.recvAll();
        for (int i = 0; i < 3; i++) {
            f.send(f.seg().ack(una).window(512 - i));
        }
        assertEquals(0, f.counter(Counter.TCP_FAST_RETRANSMITS));
        assertFalse(c.info(new TcpInfo()).inRecovery);
    }

    @Test
    void zero_window_is_probed_with_backoff_and_data_resumes_when_it_opens() {
        TcpConnection c = withRtt(10);
        f.send(f.seg().ack(f.ourSeq).window(0));
        f.write(c, Packets.ascii("waiting"));
        f.poll();
        f.recvNothing();
        f.advance(200 * MS - 1);
        f.recvNothing();
        f.advance(1);
        Parsed probe = f.recv();
        assertSegment(probe, ACK, f.ourSeq - 1, f.peerSeq);
        assertEquals(0, probe.payload.length);
        f.advance(400 * MS);
        assertEquals(f.ourSeq - 1, f.recv().tcp.seq, "second probe after twice the interval");
        assertEquals(2, f.counter(Counter.TCP_ZERO_WINDOW_PROBES));
        f.send(f.seg().ack(f.ourSeq).window(512));
        Parsed data = f.recv();
        assertEquals("waiting", new String(data.payload));
    }

    @Test
    void keepalive_probes_then_drops_a_silent_peer() {
        TcpFixture g = new TcpFixture(TcpConfig.builder().keepAlive(true).keepAliveIdleNs(10 * SECOND)
            .keepAliveIntervalNs(SECOND).keepAliveProbes(3).build());
        TcpConnection c = g.established();
        g.advance(10 * SECOND - MS);
        g.recvNothing();
        g.advance(MS);
        Parsed probe = g.recv();
        assertSegment(probe, ACK, g.ourSeq - 1, g.peerSeq);
        // An answer resets the probes; silence afterwards drops the connection.
        g.send(g.seg());
        g.advance(10 * SECOND);
        g.recv();
        g.advance(SECOND);
        g.recv();
        g.advance(SECOND);
        g.recv();
        g.advance(SECOND);
        Parsed rst = g.recv();
        assertTrue(rst.tcp.has(RST));
        assertEquals(TcpError.TIMED_OUT, c.error());
        assertEquals(1, g.counter(Counter.TCP_KEEPALIVE_TIMEOUTS));
        assertEquals(4, g.counter(Counter.TCP_KEEPALIVE_PROBES));
    }

    @Test
    void icmp_fragmentation_needed_lowers_the_mss_and_resends() {
        TcpConnection c = withRtt(10);
        f.write(c, Packets.pattern(3 * 1448, 5));
        f.poll();
        List<Parsed> sent = f.recvAll();
        byte[] quoted = java.util.Arrays.copyOfRange(sent.get(0).bytes, 14, 14 + 28);
        byte[] icmp = Packets.icmp(3, 4, 1200, quoted);
        byte[] ip = Packets.ipv4(TcpFixture.PEER_IP, TcpFixture.OUR_IP, 1, 7, 0, 64, icmp);
        f.device.inject(Packets.ethernet(TcpFixture.OUR_MAC, TcpFixture.PEER_MAC, 0x0800, ip));
        f.poll();
        List<Parsed> resent = f.recvAll();
        assertEquals(1200 - 40 - 12, c.info(new TcpInfo()).sendMss);
        assertFalse(resent.isEmpty());
        for (Parsed p : resent) {
            assertTrue(p.ipTotalLength <= 1200, "segment fits the new path MTU: " + p.ipTotalLength);
        }
        assertEquals(1200, f.stack.pathMtu(TcpFixture.PEER_IP));
        assertEquals(1, f.counter(Counter.TCP_PMTU_REDUCTIONS));
    }

    @Test
    void icmp_error_quoting_a_sequence_outside_the_window_is_ignored() {
        TcpConnection c = withRtt(10);
        byte[] tcpQuote = Packets.tcp(TcpFixture.OUR_IP, TcpFixture.PEER_IP, TcpFixture.OUR_PORT, TcpFixture.PEER_PORT,
            f.ourSeq + 100_000, 0, ACK, 0, -1, -1, false, false, 0, 0, new byte[0]);
        byte[] quoted = Packets.ipv4(TcpFixture.OUR_IP, TcpFixture.PEER_IP, 6, 1, 0, 64, tcpQuote);
        byte[] icmp = Packets.icmp(3, 4, 600, java.util.Arrays.copyOf(quoted, 28));
        byte[] ip = Packets.ipv4(TcpFixture.PEER_IP, TcpFixture.OUR_IP, 1, 7, 0, 64, icmp);
        f.device.inject(Packets.ethernet(TcpFixture.OUR_MAC, TcpFixture.PEER_MAC, 0x0800, ip));
        f.poll();
        assertEquals(1448, c.info(new TcpInfo()).sendMss);
        assertEquals(1, f.counter(Counter.ICMP_DROP_UNMATCHED_ERROR));
    }

    @Test
    void a_tso_device_gets_super_segments_cut_at_the_mss() {
        // TSO alone: the handshake's segments keep software checksums, so the fixture can check them.
        DeviceCapabilities tso = new DeviceCapabilities(1, 1, DeviceCapabilities.OFFLOAD_TSO, 65536);
        TcpFixture g = new TcpFixture(TcpConfig.DEFAULT, tso);
        TcpConnection c = g.established();
        g.write(c, Packets.pattern(10 * 1448, 6));
        g.poll();
        List<TestDevice.Sent> sent = g.device.takeSent();
        assertEquals(1, sent.size(), "the initial window as one super-segment");
        TestDevice.Sent s = sent.get(0);
        assertTrue((s.txFlags() & Frame.TX_TCP_SEGMENTATION) != 0);
        assertEquals(1448, s.tsoSegmentSize());
        assertEquals(14 + 20 + 32 + 10 * 1448, s.bytes().length);
        assertEquals(10 + 1 /* the SYN-ACK */, g.counter(Counter.TCP_OUT_SEGS), "counted as the segments it becomes");
        long before = g.counter(Counter.TCP_OUT_SEGS);
        g.write(c, Packets.pattern(1448, 7));
        g.send(g.seg().ack(g.ourSeq + 10 * 1448));
        g.device.takeSent();
        assertEquals(before + 1, g.counter(Counter.TCP_OUT_SEGS), "a plain segment counts one");
        assertEquals(1, g.counter(Counter.TCP_TSO_SEGMENTS));
    }
}
