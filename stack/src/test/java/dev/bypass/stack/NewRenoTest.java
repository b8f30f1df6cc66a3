package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Window arithmetic of RFC 5681 (with RFC 3465 byte counting) and RFC 6582. */
class NewRenoTest {
    static final int MSS = 1000;

    @Test
    void slow_start_doubles_per_window_and_counts_at_most_two_segments_per_ack() {
        NewReno cc = new NewReno();
        cc.init(MSS, 10 * MSS);
        for (int i = 0; i < 10; i++) {
            cc.onAck(MSS); // one ACK per segment
        }
        assertEquals(20 * MSS, cc.cwnd());
        cc.onAck(5 * MSS); // a stretch ACK counts at most 2 segments (L = 2)
        assertEquals(22 * MSS, cc.cwnd());
    }

    @Test
    void congestion_avoidance_adds_one_segment_per_window_of_acknowledged_bytes() {
        NewReno cc = new NewReno();
        cc.init(MSS, 10 * MSS);
        cc.onTimeout(20 * MSS); // ssthresh = 10 segments, cwnd = 1
        assertEquals(10 * MSS, cc.ssthresh());
        assertEquals(MSS, cc.cwnd());
        while (cc.cwnd() < cc.ssthresh()) {
            cc.onAck(MSS);
        }
        int start = cc.cwnd();
        for (int i = 0; i < start / MSS - 1; i++) {
            cc.onAck(MSS);
        }
        assertEquals(start, cc.cwnd(), "not yet a whole window");
        cc.onAck(MSS);
        assertEquals(start + MSS, cc.cwnd());
    }

    @Test
    void recovery_halves_inflates_deflates_and_exits() {
        NewReno cc = new NewReno();
        cc.init(MSS, 10 * MSS);
        cc.onEnterRecovery(20 * MSS);
        assertEquals(10 * MSS, cc.ssthresh());
        assertEquals(13 * MSS, cc.cwnd(), "ssthresh + 3 segments");
        cc.onDuplicateAckInRecovery();
        assertEquals(14 * MSS, cc.cwnd());
        cc.onPartialAck(3 * MSS);
        assertEquals(12 * MSS, cc.cwnd(), "deflate by 3, add back 1");
        cc.onExitRecovery(4 * MSS);
        assertEquals(5 * MSS, cc.cwnd(), "min(ssthresh, flight + 1 segment)");
    }

    @Test
    void ssthresh_never_below_two_segments_and_idle_restart_caps_at_the_initial_window() {
        NewReno cc = new NewReno();
        cc.init(MSS, 10 * MSS);
        cc.onTimeout(MSS);
        assertEquals(2 * MSS, cc.ssthresh());
        NewReno big = new NewReno();
        big.init(MSS, 10 * MSS);
        for (int i = 0; i < 50; i++) {
            big.onAck(2 * MSS);
        }
        big.onIdleRestart(10 * MSS);
        assertEquals(10 * MSS, big.cwnd());
    }
}
