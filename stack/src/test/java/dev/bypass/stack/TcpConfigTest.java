package dev.bypass.stack;

import static dev.bypass.stack.TcpFixture.MS;
import static dev.bypass.stack.TcpFixture.OUR_PORT;
import static dev.bypass.stack.TcpFixture.PEER_IP;
import static dev.bypass.stack.TcpFixture.PEER_PORT;
import static dev.bypass.stack.TcpFixture.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.counters.Counter;
import dev.bypass.testing.Parsed;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Linux profile ({@link TcpConfig#linux()}) against Linux 6.x's defaults, and how the default differs. */
class TcpConfigTest {
    private static final long MS_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long S_NS = TimeUnit.SECONDS.toNanos(1);

    @Test
    void linux_has_linuxs_defaults_knob_by_knob() {
        TcpConfig c = TcpConfig.linux();
        assertEquals(10, c.initialWindowSegments(), "TCP_INIT_CWND");
        assertEquals(1 * S_NS, c.rtoInitialNs(), "TCP_TIMEOUT_INIT");
        assertEquals(200 * MS_NS, c.rtoMinNs(), "TCP_RTO_MIN");
        assertEquals(120 * S_NS, c.rtoMaxNs(), "TCP_RTO_MAX");
        assertEquals(6, c.synRetries(), "tcp_syn_retries");
        assertEquals(15, c.maxRetransmissions(), "tcp_retries2");
        assertTrue(c.delayedAck());
        assertEquals(40 * MS_NS, c.delayedAckNs(), "TCP_ATO_MIN");
        assertEquals(60 * S_NS, c.timeWaitNs(), "TCP_TIMEWAIT_LEN");
        assertEquals(60 * S_NS, c.finWait2TimeoutNs(), "tcp_fin_timeout");
        assertFalse(c.keepAlive(), "SO_KEEPALIVE off");
        assertEquals(7200 * S_NS, c.keepAliveIdleNs(), "tcp_keepalive_time");
        assertEquals(75 * S_NS, c.keepAliveIntervalNs(), "tcp_keepalive_intvl");
        assertEquals(9, c.keepAliveProbes(), "tcp_keepalive_probes");
        assertFalse(c.noDelay(), "Nagle on");
        assertFalse(c.cork(), "TCP_CORK off");
        assertTrue(c.windowScaling(), "tcp_window_scaling");
        assertTrue(c.timestamps(), "tcp_timestamps");
        assertEquals(6291456, c.receiveBufferBytes(), "tcp_rmem[2] up to Linux 6.15");
        assertEquals(4194304, c.sendBufferBytes(), "tcp_wmem[2]");
        assertEquals(4096, c.listenBacklog(), "somaxconn");
        assertEquals(32768, c.ephemeralPortFirst(), "ip_local_port_range");
        assertEquals(60999, c.ephemeralPortLast(), "ip_local_port_range");
        assertEquals(500 * MS_NS, c.challengeAckIntervalNs(), "tcp_invalid_ratelimit");
        assertTrue(c.tso());
        assertEquals("cubic", c.congestionControl(), "tcp_congestion_control");
        assertTrue(c.sack(), "tcp_sack");
        assertTrue(c.dsack(), "tcp_dsack");
        assertTrue(c.rack(), "tcp_recovery");
        assertTrue(c.tailLossProbe(), "tcp_early_retrans");
        assertTrue(c.frto(), "tcp_frto");
        assertEquals(3, c.reordering(), "tcp_reordering");
        assertTrue(c.slowStartAfterIdle(), "tcp_slow_start_after_idle");
        assertEquals(3, c.tsoWinDivisor(), "tcp_tso_win_divisor");
        assertEquals(2, c.minTsoSegments(), "tcp_min_tso_segs");
        assertEquals(0, c.maxSegmentSize(), "no TCP_MAXSEG");
    }

    @Test
    void a_linux_listener_retries_syn_acks_tcp_synack_retries_times() {
        assertEquals(5, TcpConfig.linuxListener().synRetries(), "tcp_synack_retries");
        assertEquals(TcpConfig.linux().toBuilder().synRetries(5).build(), TcpConfig.linuxListener());
    }

    /** What the README says: the default differs from Linux in buffers, backlog and challenge-ACK interval only. */
    @Test
    void the_default_differs_from_linux_in_three_knobs_only() {
        TcpConfig d = TcpConfig.DEFAULT;
        assertEquals(256 * 1024, d.sendBufferBytes());
        assertEquals(256 * 1024, d.receiveBufferBytes());
        assertEquals(128, d.listenBacklog());
        assertEquals(10 * MS_NS, d.challengeAckIntervalNs());
        TcpConfig aligned = d.toBuilder().sendBufferBytes(4194304).receiveBufferBytes(6291456).listenBacklog(4096)
            .challengeAckIntervalNs(500 * MS_NS).build();
        assertEquals(TcpConfig.linux(), aligned);
    }

    @Test
    void linux_offers_window_scale_7_where_the_default_offers_3() {
        TcpFixture linux = new TcpFixture(TcpConfig.linux());
        linux.stack.tcp().connect(PEER_IP, PEER_PORT, OUR_PORT);
        linux.poll();
        Parsed syn = linux.recv();
        assertEquals(7, syn.tcp.windowScale, "6 MiB needs a shift of 7 to fit 16 bits, as Linux picks");
        assertEquals(65535, syn.tcp.window);

        TcpFixture byDefault = new TcpFixture(TcpConfig.DEFAULT);
        byDefault.stack.tcp().connect(PEER_IP, PEER_PORT, OUR_PORT);
        byDefault.poll();
        assertEquals(3, byDefault.recv().tcp.windowScale, "256 KiB needs a shift of 3");
    }

    @Test
    void a_linux_listener_gives_up_after_five_syn_ack_retransmissions() {
        TcpFixture f = new TcpFixture(TcpConfig.linux());
        TcpListener l = f.stack.tcp().listen(OUR_PORT, 16, TcpConfig.linuxListener());
        Parsed first = f.peerSyn();
        for (long gap : new long[] {1, 2, 4, 8, 16}) {
            f.advance(gap * SECOND - MS);
            f.recvNothing();
            f.advance(MS);
            Parsed again = f.recv();
            assertEquals("S.", again.flags());
            assertEquals(first.tcp.seq, again.tcp.seq);
        }
        f.advance(32 * SECOND - MS);
        assertEquals(1, l.halfOpen());
        f.advance(MS);
        f.recvNothing();
        assertEquals(0, l.halfOpen(), "given up 63 s after the first SYN-ACK, as Linux");
        assertEquals(1, f.counter(Counter.TCP_ATTEMPT_FAILS));
    }
}
