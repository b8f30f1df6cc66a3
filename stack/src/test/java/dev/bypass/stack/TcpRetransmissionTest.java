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

/**
 * Loss recovery: RTO (RFC 6298, with Linux's estimator: RTO = SRTT + max(4 * mdev, RTO min)) with Karn and
 * backoff, fast retransmit and NewReno (RFC 5681, 6582) with PRR (RFC 6937) when the peer does not SACK.
 */
class TcpRetransmissionTest {
    // NewReno recovery is what these tests check: pin Reno (the default is CUBIC).
    final TcpFixture f = new TcpFixture(TcpConfig.builder().congestionControl("reno").build());

    /** An established connection whose handshake took {@code rttMs}: one RTT sample, SRTT = R, RTTVAR = R/2. */
    private TcpConnection withRtt(long rttMs) {
        return f.established(rttMs * MS);
    }

    @Test
    void rto_after_one_sample_is_srtt_plus_the_200_ms_floor_and_fires_exactly_then() {
        TcpConnection c = withRtt(10);
        TcpInfo info = c.info(new TcpInfo());
        assertEquals(10 * MS, info.srttNs);
        assertEquals(5 * MS, info.rttvarNs);
        assertEquals(210 * MS, info.rtoNs, "srtt + max(4 * rttvar = 20 ms, the 200 ms minimum)");
        f.write(c, Packets.ascii("data"));
        f.poll();
        Parsed first = f.recv();
        f.advance(210 * MS - 1);
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
        long rto = 210 * MS;
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
    void rto_follows_linux_smoothing_over_several_samples() {
        TcpFixture g = new TcpFixture(TcpConfig.builder().rtoMinNs(MS).rtoInitialNs(SECOND).build());
        TcpConnection c = g.established(50 * MS);
        // Linux's tcp_rtt_estimator in microseconds: srtt8 = 8 * SRTT, mdev = 4 * mean deviation; the
        // variation used for the RTO (rttvar) rises at once and decays once per round trip.
        long srtt8 = 8 * 50_000;
        long mdev = 2 * 50_000;
        long rttvar = Math.max(mdev, 1_000);
        long[] samples = {100, 120, 80, 150, 90}; // each below the RTO of the moment (no retransmission, no Karn)
        for (long ms : samples) {
            g.write(c, Packets.ascii("y"));
            g.poll();
            g.recv();
            g.advance(ms * MS);
            g.ourSeq++;
            g.send(g.seg().ack(g.ourSeq));
            long m = ms * 1000 - (srtt8 >> 3);
            srtt8 += m;
            long err = Math.abs(m) - (mdev >> 2);
            if (m < 0 && err > 0) {
                err >>= 3; // a falling RTT moves the variation slowly
            }
            mdev += err;
            long mdevMax = Math.max(mdev, 1_000); // each sample here starts a new round trip
            rttvar = Math.max(rttvar, mdevMax);
            if (mdevMax < rttvar) {
                rttvar -= (rttvar - mdevMax) >> 2;
            }
            TcpInfo info = c.info(new TcpInfo());
            assertEquals((srtt8 >> 3) * 1000, info.srttNs, "sample " + ms + " ms");
            assertEquals((mdev >> 2) * 1000, info.rttvarNs);
            long rtoUs = (srtt8 >> 3) + rttvar;
            assertEquals((rtoUs + 999) / 1000 * MS, info.rtoNs, "RTO = SRTT + RTTVAR in whole milliseconds");
        }
    }

    @Test
    void karn_ignores_the_rtt_of_a_retransmitted_segment() {
        TcpConnection c = withRtt(10);
        f.write(c, Packets.ascii("data"));
        f.poll();
        f.recv();
        f.advance(210 * MS);
        f.recv();
        f.advance(5 * MS);
        f.ourSeq += 4;
        f.send(f.seg().ack(f.ourSeq));
        TcpInfo info = c.info(new TcpInfo());
        assertEquals(10 * MS, info.srttNs, "no sample from the retransmitted segment (the peer sends no timestamps)");
        assertEquals(420 * MS, info.rtoNs, "the backed-off RTO stays until a new sample");
    }

    @Test
    void timeout_shrinks_the_window_to_one_segment_and_goes_back_to_snd_una() {
        TcpConnection c = withRtt(10);
        f.write(c, Packets.pattern(10 * 1448, 1));
        f.poll();
        List<Parsed> flight = f.recvAll();
        assertEquals(10, flight.size());
        f.advance(210 * MS);
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
        // PRR (RFC 6937): 10 in flight, 3 counted delivered by duplicate ACKs, 1 lost: pipe 6 is above ssthresh 5,
        // so the window is pipe + what proportional reduction allows, with at least the fast retransmit.
        assertEquals(7 * 1448, info.cwndBytes, "pipe + the fast retransmit");
        // Partial ACK (segments 1-3 arrive, 4 was lost too): segment 4 is marked lost, but as in Linux (checked
        // with packetdrill against 6.18) PRR holds it: the duplicate ACKs already counted segments 2 and 3 as
        // delivered, so the pipe (5) is at ssthresh.
        f.send(f.seg().ack(una + 3 * 1448));
        assertEquals(List.of(), f.recvAll(), "PRR: pipe = ssthresh, nothing to send yet");
        assertEquals(1, f.counter(Counter.TCP_RECOVERY_PARTIAL_ACKS));
        // The next duplicate ACK (segment 5 arrived) delivers one more: segment 4 goes again.
        f.send(f.seg().ack(una + 3 * 1448));
        Parsed partial = f.recvAll().get(0);
        assertEquals(una + 3 * 1448, partial.tcp.seq);
        // An ACK of exactly the recovery point holds the state without SACK (Linux, against false fast
        // retransmits: RFC 6582 section 4.2); the next ACK beyond it ends recovery with cwnd = ssthresh.
        f.send(f.seg().ack(una + 10 * 1448));
        assertTrue(c.info(new TcpInfo()).inRecovery);
        f.write(c, Packets.pattern(1448, 9));
        f.poll();
        assertEquals(1, f.recvAll().size());
        f.send(f.seg().ack(una + 11 * 1448));
        info = c.info(new TcpInfo());
        assertFalse(info.inRecovery);
        assertEquals(5 * 1448, info.cwndBytes, "cwnd = ssthresh after recovery (RFC 6937)");
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
        f.advance(210 * MS - 1);
        f.recvNothing();
        f.advance(1);
        Parsed probe = f.recv();
        assertSegment(probe, ACK, f.ourSeq - 1, f.peerSeq);
        assertEquals(0, probe.payload.length);
        f.advance(420 * MS);
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
    void after_a_path_mtu_drop_the_whole_flight_gets_through() {
        // A path that carries 1200 bytes: larger segments draw "fragmentation needed" and are lost; the peer
        // ACKs what arrives in order. Everything must get through in smaller segments, without stalling.
        TcpConnection c = withRtt(10);
        int total = 40 * 1448;
        f.write(c, Packets.pattern(total, 9));
        int end = f.ourSeq + total;
        int received = f.ourSeq;
        for (int round = 0; round < 200 && received != end; round++) {
            f.poll();
            List<Parsed> sent = f.recvAll();
            if (sent.isEmpty()) {
                f.advanceToNextDeadline(10 * SECOND);
                continue;
            }
            for (Parsed p : sent) {
                if (p.ipTotalLength > 1200) {
                    byte[] quoted = java.util.Arrays.copyOfRange(p.bytes, 14, 14 + 28);
                    byte[] ip = Packets.ipv4(TcpFixture.PEER_IP, TcpFixture.OUR_IP, 1, 7, 0, 64,
                        Packets.icmp(3, 4, 1200, quoted));
                    f.device.inject(Packets.ethernet(TcpFixture.OUR_MAC, TcpFixture.PEER_MAC, 0x0800, ip));
                } else if (p.tcp.seq == received) {
                    received += p.payload.length;
                }
            }
            f.advance(10 * MS);
            f.send(f.seg().ack(received));
        }
        assertEquals(end, received, "all data delivered: " + c.debugState());
        assertEquals(1200 - 40 - 12, c.info(new TcpInfo()).sendMss);
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
        // Linux's tcp_cwnd_test: at most half the window per super-segment, so two are in flight.
        assertEquals(2, sent.size(), "the initial window as two super-segments of five");
        TestDevice.Sent s = sent.get(0);
        assertTrue((s.txFlags() & Frame.TX_TCP_SEGMENTATION) != 0);
        assertEquals(1448, s.tsoSegmentSize());
        assertEquals(14 + 20 + 32 + 5 * 1448, s.bytes().length);
        assertEquals(10 + 1 /* the SYN-ACK */, g.counter(Counter.TCP_OUT_SEGS), "counted as the segments it becomes");
        long before = g.counter(Counter.TCP_OUT_SEGS);
        g.write(c, Packets.pattern(1448, 7));
        g.send(g.seg().ack(g.ourSeq + 10 * 1448));
        g.device.takeSent();
        assertEquals(before + 1, g.counter(Counter.TCP_OUT_SEGS), "a plain segment counts one");
        assertEquals(2, g.counter(Counter.TCP_TSO_SEGMENTS));
    }
}
