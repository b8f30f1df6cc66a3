package dev.bypass.stack;

import static dev.bypass.stack.TcpFixture.MS;
import static dev.bypass.stack.TcpFixture.SECOND;
import static dev.bypass.stack.TcpFixture.assertSegment;
import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.RST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.testing.Parsed;
import org.junit.jupiter.api.Test;

/**
 * Keepalive tuned on an open connection, as Linux's setsockopt does it: SO_KEEPALIVE
 * ({@link TcpConnection#keepAlive(boolean)}), TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT.
 */
class TcpKeepAliveTest {
    private final TcpFixture f = new TcpFixture();

    /** A keepalive probe: no data, SND.NXT - 1 (RFC 9293 3.8.4). */
    private void assertProbe(Parsed p) {
        assertSegment(p, ACK, f.ourSeq - 1, f.peerSeq);
        assertEquals(0, p.payload.length);
    }

    @Test
    void the_settings_start_from_the_config() {
        TcpFixture g = new TcpFixture(TcpConfig.builder().keepAlive(true).keepAliveIdleNs(10 * SECOND)
            .keepAliveIntervalNs(3 * SECOND).keepAliveProbes(4).build());
        TcpConnection c = g.established();
        assertTrue(c.keepAlive());
        assertEquals(10 * SECOND, c.keepAliveIdleNs());
        assertEquals(3 * SECOND, c.keepAliveIntervalNs());
        assertEquals(4, c.keepAliveProbes());
    }

    @Test
    void an_idle_time_with_keepalive_off_arms_nothing() {
        TcpConnection c = f.established();
        assertFalse(c.keepAlive(), "off by default (RFC 1122 4.2.3.6)");
        c.keepAliveIdleNs(SECOND);
        f.advance(100 * SECOND);
        f.recvNothing();
    }

    @Test
    void a_new_idle_time_counts_from_the_last_segment_received() {
        TcpConnection c = f.established(); // the peer's last segment arrives now
        c.keepAlive(true); // the default idle time: two hours
        f.advance(3 * SECOND);
        c.keepAliveIdleNs(5 * SECOND); // Linux tcp_sock_set_keepidle: 5 s from that segment, 2 s from now
        f.advance(2 * SECOND - MS);
        f.recvNothing();
        f.advance(MS);
        assertProbe(f.recv());
    }

    @Test
    void an_idle_time_already_passed_probes_at_once() {
        TcpConnection c = f.established();
        c.keepAlive(true);
        f.advance(10 * SECOND);
        c.keepAliveIdleNs(4 * SECOND);
        f.poll();
        assertProbe(f.recv());
    }

    @Test
    void turning_keepalive_on_arms_one_idle_time_from_now() {
        TcpConnection c = f.established();
        c.keepAliveIdleNs(2 * SECOND);
        f.advance(5 * SECOND);
        c.keepAlive(true); // Linux tcp_set_keepalive: from now, however long the connection was idle
        f.advance(2 * SECOND - MS);
        f.recvNothing();
        f.advance(MS);
        assertProbe(f.recv());
        c.keepAlive(true); // already on: the probe schedule does not change
        f.advance(75 * SECOND - MS);
        f.recvNothing();
        f.advance(MS);
        assertProbe(f.recv());
    }

    @Test
    void turning_keepalive_off_stops_the_probes() {
        TcpConnection c = f.established();
        c.keepAliveIdleNs(2 * SECOND);
        c.keepAlive(true);
        f.advance(2 * SECOND);
        assertProbe(f.recv());
        c.keepAlive(false);
        assertFalse(c.keepAlive());
        f.advance(3600 * SECOND);
        f.recvNothing();
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void interval_and_probe_count_set_on_an_open_connection_time_the_probes_and_the_reset() {
        TcpConnection c = f.established();
        c.keepAliveIntervalNs(3 * SECOND);
        c.keepAliveProbes(2);
        c.keepAliveIdleNs(5 * SECOND);
        c.keepAlive(true);
        f.advance(5 * SECOND);
        assertProbe(f.recv());
        f.advance(3 * SECOND - MS);
        f.recvNothing();
        f.advance(MS);
        assertProbe(f.recv());
        f.advance(3 * SECOND);
        Parsed rst = f.recv();
        assertTrue(rst.tcp.has(RST), "the second unanswered probe is the last: " + rst);
        assertEquals(TcpError.TIMED_OUT, c.error());
    }

    @Test
    void an_answered_probe_restarts_the_idle_time() {
        TcpConnection c = f.established();
        c.keepAliveIdleNs(4 * SECOND);
        c.keepAliveIntervalNs(SECOND);
        c.keepAlive(true);
        f.advance(4 * SECOND);
        assertProbe(f.recv());
        f.send(f.seg());
        f.advance(4 * SECOND - MS);
        f.recvNothing();
        f.advance(MS);
        assertProbe(f.recv());
    }

    @Test
    void values_outside_linuxs_ranges_are_refused_naming_the_option_and_the_range() {
        TcpConnection c = f.established();
        assertRefused("TCP_KEEPIDLE (keepalive idle time) must be 1..32767 s, got 0 ns", () -> c.keepAliveIdleNs(0));
        assertRefused("TCP_KEEPIDLE (keepalive idle time) must be 1..32767 s, got 999999999 ns",
            () -> c.keepAliveIdleNs(SECOND - 1));
        assertRefused("TCP_KEEPIDLE (keepalive idle time) must be 1..32767 s, got 32768000000000 ns",
            () -> c.keepAliveIdleNs(32768 * SECOND));
        assertRefused("TCP_KEEPINTVL (keepalive interval) must be 1..32767 s, got -1 ns",
            () -> c.keepAliveIntervalNs(-1));
        assertRefused("TCP_KEEPINTVL (keepalive interval) must be 1..32767 s, got 32768000000000 ns",
            () -> c.keepAliveIntervalNs(32768 * SECOND));
        assertRefused("TCP_KEEPCNT (keepalive probes) must be 1..127, got 0", () -> c.keepAliveProbes(0));
        assertRefused("TCP_KEEPCNT (keepalive probes) must be 1..127, got 128", () -> c.keepAliveProbes(128));
        assertEquals(7200 * SECOND, c.keepAliveIdleNs(), "a refused value changes nothing");
        assertEquals(75 * SECOND, c.keepAliveIntervalNs());
        assertEquals(9, c.keepAliveProbes());

        c.keepAliveIdleNs(SECOND);
        c.keepAliveIdleNs(TcpConnection.MAX_KEEPALIVE_SECONDS * SECOND);
        c.keepAliveIntervalNs(SECOND);
        c.keepAliveIntervalNs(TcpConnection.MAX_KEEPALIVE_SECONDS * SECOND);
        c.keepAliveProbes(1);
        c.keepAliveProbes(TcpConnection.MAX_KEEPALIVE_PROBES);
        assertEquals(32767 * SECOND, c.keepAliveIdleNs());
        assertEquals(32767 * SECOND, c.keepAliveIntervalNs());
        assertEquals(127, c.keepAliveProbes());
    }

    private static void assertRefused(String message, Runnable setter) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, setter::run);
        assertEquals(message, e.getMessage());
    }
}
