package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Reno's window as Linux's tcp_reno_* functions (RFC 5681), in packets. */
class RenoTest {
    private final Reno reno = new Reno();
    private final CongestionWindow w = new CongestionWindow();

    private void start(int initialCwnd) {
        w.reset(initialCwnd);
        w.cwndLimited = true;
        reno.init(w, 0);
    }

    @Test
    void ssthresh_is_half_the_window_with_a_floor_of_2() {
        start(10);
        int[][] cases = {{100, 50}, {11, 5}, {4, 2}, {3, 2}, {1, 2}};
        for (int[] c : cases) {
            w.cwnd = c[0];
            assertEquals(c[1], reno.ssthresh(w), "cwnd " + c[0]);
        }
    }

    @Test
    void slow_start_up_to_ssthresh_then_one_packet_per_window() {
        start(10);
        w.ssthresh = 14;
        reno.congestionAvoidance(w, 0, 3, 0);
        assertEquals(13, w.cwnd);
        // 3 more: 1 takes cwnd to ssthresh 14, the 2 left over count towards the next increase.
        reno.congestionAvoidance(w, 0, 3, 0);
        assertEquals(14, w.cwnd);
        assertEquals(2, w.cwndCount);
        for (int i = 0; i < 11; i++) {
            reno.congestionAvoidance(w, 0, 1, 0);
        }
        assertEquals(14, w.cwnd, "13 of 14 counted");
        reno.congestionAvoidance(w, 0, 1, 0);
        assertEquals(15, w.cwnd);
        assertEquals(0, w.cwndCount);
    }

    @Test
    void no_growth_when_the_window_did_not_limit_the_sender() {
        start(10);
        w.cwndLimited = false;
        reno.congestionAvoidance(w, 0, 5, 0);
        assertEquals(10, w.cwnd);
    }

    @Test
    void undo_returns_the_window_before_the_reduction() {
        start(10);
        w.cwnd = 40;
        w.ssthresh = reno.ssthresh(w);
        w.cwnd = w.ssthresh;
        assertEquals(40, reno.undoCwnd(w));
        w.cwnd = 45;
        assertEquals(45, reno.undoCwnd(w));
    }
}
