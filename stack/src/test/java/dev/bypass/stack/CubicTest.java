package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * CUBIC (RFC 9438) and HyStart as Linux's tcp_cubic.c computes them. Where a value is checked exactly it is
 * either derived by hand from Linux's formulas (the derivation is in the comment) or is what Linux produces in
 * one of google/packetdrill's gtests/net/tcp/cubic scenarios, replayed here at the level of the algorithm
 * (the ACKs, their RTT samples and SND.UNA/SND.NXT as the script's connection has them).
 */
class CubicTest {
    private static final long MS = 1_000_000L;
    private static final int MSS = 1000;

    private final Cubic cubic = new Cubic();
    private final CongestionWindow w = new CongestionWindow();

    /** A connection that starts at {@code nowNs} with {@code initialCwnd} and SND.UNA = SND.NXT = 1. */
    private void start(int initialCwnd, long nowNs) {
        w.reset(initialCwnd);
        w.sndUna = 1;
        w.sndNxt = 1;
        w.cwndLimited = true;
        cubic.init(w, nowNs);
    }

    /** An ACK up to {@code ack} at {@code nowNs}, in Linux's order: pkts_acked, then cong_avoid. */
    private void ack(long nowNs, int ack, long rttUs) {
        int acked = (ack - w.sndUna) / MSS;
        w.sndUna = ack;
        cubic.onAcked(w, acked, rttUs, nowNs);
        cubic.congestionAvoidance(w, ack, acked, nowNs);
    }

    /** A loss detected by fast retransmit: ssthresh, then cwnd = ssthresh. */
    private void loss() {
        w.ssthresh = cubic.ssthresh(w);
        w.cwnd = w.ssthresh;
        w.cwndCount = 0;
    }

    // ---- cube root ----

    @Test
    void cube_root_is_within_one_unit_of_cbrt_below_2_to_the_22() {
        for (long a = 0; a < 1L << 22; a++) {
            double exact = Math.cbrt(a);
            int x = Cubic.cubicRoot(a);
            if (!(Math.abs(x - exact) < 1.0)) {
                fail("cbrt(" + a + ") = " + exact + ", got " + x);
            }
        }
    }

    @Test
    void cube_root_relative_error_is_linuxs_fraction_of_a_percent_over_the_whole_range() {
        SplittableRandom random = new SplittableRandom(9438);
        for (int i = 0; i < 200_000; i++) {
            // Lengths spread evenly over 23..64 bits, then any value of that length (unsigned).
            int bits = 23 + random.nextInt(42);
            long a = (1L << (bits - 1)) | (random.nextLong() >>> (65 - bits));
            double exact = Math.cbrt(unsigned(a));
            int x = Cubic.cubicRoot(a);
            // Table plus one Newton step: under 0.6% from 2^22, under 0.2% from 2^31 (K's range: 2^40/410 * dW).
            double bound = bits > 31 ? 0.002 : 0.0065;
            double err = Math.abs(x - exact) / exact;
            assertTrue(err < bound, () -> "cbrt(" + Long.toUnsignedString(a) + ") = " + exact + ", got " + x);
        }
        // The largest argument, 2^64 - 1 (cbrt 2642245.95): no overflow in the Newton step.
        assertEquals(Math.cbrt(unsigned(-1L)), Cubic.cubicRoot(-1L), 2642245.95 * 0.002);
    }

    @Test
    void cube_root_of_small_cubes() {
        assertEquals(0, Cubic.cubicRoot(0));
        assertEquals(1, Cubic.cubicRoot(1));
        assertEquals(2, Cubic.cubicRoot(8));
        assertEquals(3, Cubic.cubicRoot(27));
        assertEquals(4, Cubic.cubicRoot(64));
        assertEquals(10, Cubic.cubicRoot(1000));
        assertEquals(1024, Cubic.cubicRoot(1L << 30));
    }

    @Test
    void k_for_a_reduction_of_30_packets_by_hand() {
        // W_max 100, cwnd 70 after the loss: a = cube_factor * 30 = (2^40 / 410 = 2681735677) * 30 = 80452070310.
        // fls64(a) = 37 (2^36 <= a < 2^37): b = (37 * 84 >> 8) - 1 = 11; index = a >> 33 = 9, v[9] = 129;
        // x = ((129 + 10) << 11) >> 6 = 4448; Newton: a / (4448 * 4447) = 80452070310 / 19780256 = 4067;
        // x = (2 * 4448 + 4067) * 341 >> 10 = 4420383 >> 10 = 4316, i.e. K = 4316/1024 s = 4.215 s.
        assertEquals(2_681_735_677L, Cubic.CUBE_FACTOR);
        assertEquals(4316, Cubic.cubicRoot(Cubic.CUBE_FACTOR * 30));
        // RFC 9438 eq. 2: K = cbrt((W_max - cwnd_epoch) / C) = cbrt(30 / 0.4) = 4.217 s.
        assertEquals(Math.cbrt(30 / 0.4), 4316 / 1024.0, 0.003);
    }

    @Test
    void k_follows_rfc_9438_equation_2_within_rounding() {
        for (int drop = 1; drop <= 100_000; drop = drop * 3 / 2 + 1) {
            double k = Cubic.cubicRoot(Cubic.CUBE_FACTOR * drop) / 1024.0;
            double rfc = Math.cbrt(drop / 0.4);
            // C is 0.4004 in Linux (41/1024 * 10): cbrt(0.4004/0.4) = 1.0003; the root itself is within 0.2%.
            assertEquals(rfc, k, rfc * 0.003 + 1 / 1024.0, "W_max - cwnd = " + drop);
        }
    }

    // ---- window growth ----

    @Test
    void first_congestion_avoidance_ack_after_a_loss_by_hand() {
        start(10, 1000 * MS);
        ack(1100 * MS, 1 + 10 * MSS, 100_000); // delay_min = 100 ms; slow start to 20
        w.cwnd = 100;
        loss();
        assertEquals(70, w.cwnd, "100 * 717 / 1024 = 70.02");
        assertEquals(100, cubic.lastMaxCwnd());
        ack(1200 * MS, w.sndUna + MSS, 100_000);
        // K = 4316 (see above); t = (0 + usecs_to_jiffies(100000) = 100) << 10 / 1000 = 102;
        // offs = 4316 - 102 = 4214; delta = 410 * 4214^3 >> 40 = 30680854461040 >> 40 = 27;
        // target = 100 - 27 = 73; cnt = 70 / (73 - 70) = 23. Reno-friendly: 1 acked < 70 * 15 >> 3 = 131.
        assertEquals(4316, cubic.bicK());
        assertEquals(100, cubic.bicOriginPoint());
        assertEquals(23, cubic.cnt());
        assertEquals(70, w.cwnd);
    }

    @Test
    void window_is_concave_up_to_w_max_then_convex_and_follows_the_cubic_curve() {
        long rtt = 100 * MS;
        start(10, 1000 * MS);
        ack(1100 * MS, 1 + 10 * MSS, rtt / 1000);
        w.cwnd = 100;
        loss();
        long now = 1100 * MS;
        long epoch = now;
        double k = Math.cbrt(30 / 0.4);
        int[] perRound = new int[80];
        for (int r = 0; r < perRound.length; r++) {
            int n = w.cwnd;
            for (int i = 0; i < n; i++) {
                now += rtt / n;
                ack(now, w.sndUna + MSS, rtt / 1000);
            }
            perRound[r] = w.cwnd;
            // RFC 9438 eq. 1 with C = 0.4, W_max = 100, t = time since the epoch began (one RTT ahead of the
            // first ACK's curve point, as Linux aims at W_cubic(t + RTT)).
            double t = (r + 1) * 0.1;
            double wCubic = 0.4 * Math.pow(t - k, 3) + 100;
            assertEquals(wCubic, w.cwnd, 2.0, "round " + r);
            assertTrue(w.cwnd >= 70, "never below the reduced window");
        }
        // Concave: each second of growth below W_max smaller than the one before.
        int first = perRound[9] - 70;
        int second = perRound[19] - perRound[9];
        int third = perRound[29] - perRound[19];
        assertTrue(first > second && second > third, first + " > " + second + " > " + third);
        // The plateau: around t = K (4.2 s) the window stays at W_max.
        for (int r = 30; r < 50; r++) {
            assertEquals(100, perRound[r], "round " + r);
        }
        // Convex: growth accelerates past W_max.
        int later1 = perRound[69] - perRound[59];
        int later2 = perRound[79] - perRound[69];
        assertTrue(perRound[59] > 100 && later2 > later1, later1 + " < " + later2);
        assertTrue(now - epoch > 7_900 * MS);
    }

    @Test
    void cnt_never_falls_below_2_so_cwnd_grows_at_most_one_packet_per_two_acked() {
        start(10, 1000 * MS);
        ack(1100 * MS, 1 + 10 * MSS, 100_000);
        w.cwnd = 100;
        loss();
        ack(1200 * MS, w.sndUna + MSS, 100_000);
        // 30 s into the epoch the curve is far above cwnd: 70 / (target - 70) is 0, clamped to 2.
        ack(31_200 * MS, w.sndUna + 2 * MSS, 100_000);
        assertEquals(2, cubic.cnt());
        int before = w.cwnd;
        for (int i = 0; i < 10; i++) {
            ack(31_200 * MS + i * MS, w.sndUna + 2 * MSS, 100_000);
        }
        assertEquals(before + 10, w.cwnd, "20 packets acknowledged: 10 more");
    }

    @Test
    void before_any_loss_growth_is_at_least_5_percent_per_rtt() {
        start(10, 1000 * MS);
        ack(1100 * MS, 1 + 10 * MSS, 100_000);
        w.ssthresh = w.cwnd; // slow start ended (as HyStart would) with no loss: W_max is 0
        ack(1200 * MS, w.sndUna + MSS, 100_000);
        // Target = cwnd (t small, K 0, origin cwnd): cnt = 100 * cwnd, capped at 20.
        assertEquals(0, cubic.lastMaxCwnd());
        assertEquals(20, cubic.cnt());
    }

    @Test
    void reno_friendly_region_dominates_at_small_windows_and_short_rtt() {
        long rtt = 2 * MS;
        start(10, 1000 * MS);
        ack(1000 * MS + rtt, 1 + 10 * MSS, rtt / 1000);
        w.cwnd = 20;
        loss();
        assertEquals(14, w.cwnd, "20 * 717 / 1024 = 14.00");
        long now = 1000 * MS + rtt;
        int rounds = 200;
        for (int r = 0; r < rounds; r++) {
            int n = w.cwnd;
            for (int i = 0; i < n; i++) {
                now += rtt / n;
                ack(now, w.sndUna + MSS, rtt / 1000);
            }
        }
        // 0.4 s into the epoch the cubic curve is still below W_max = 20: K = cbrt(6 / 0.4) = 2.47 s, so
        // W_cubic(0.4 s) = 20 - 0.4 * 2.07^3 = 16.5. The emulated Reno window has grown by
        // alpha = 3 (1 - 0.7) / (1 + 0.7) = 0.53 packets per RTT (RFC 9438 4.3): 14 + 0.53 * 200 = 120.
        double wCubic = 0.4 * Math.pow(0.4 - Math.cbrt(6 / 0.4), 3) + 20;
        assertTrue(wCubic < 17);
        assertTrue(w.cwnd > 90, "cwnd " + w.cwnd + " follows the Reno-friendly window, not the cubic curve");
        assertTrue(cubic.tcpCwnd() > 90 && cubic.tcpCwnd() <= 130, "W_est " + cubic.tcpCwnd());
        // And no faster than Reno's own 1 packet per RTT.
        assertTrue(w.cwnd <= 14 + rounds, "cwnd " + w.cwnd);
    }

    @Test
    void reno_emulation_counts_whole_packets_as_linuxs_loop() {
        start(8, 1000 * MS);
        w.ssthresh = 8; // congestion avoidance from the start, no loss yet
        ack(1100 * MS, 1 + 30 * MSS, 100_000);
        // The epoch begins with ack_cnt = 30 and W_est = cwnd = 8; one packet of W_est takes
        // 8 * 15 >> 3 = 15 acknowledged. Linux's "while (ack_cnt > 15) { ack_cnt -= 15; W_est++; }" stops at
        // ack_cnt = 15: W_est = 9 (not 10). cnt = min(20, 8 / (9 - 8)) = 8; 30 packets at cnt 8: cwnd 8 + 3.
        assertEquals(9, cubic.tcpCwnd());
        assertEquals(8, cubic.cnt());
        assertEquals(11, w.cwnd);
    }

    // ---- multiplicative decrease, fast convergence, undo ----

    @Test
    void beta_is_717_over_1024_with_a_floor_of_2() {
        start(10, 0);
        int[][] cases = {{100, 70}, {10, 7}, {20, 14}, {1000, 700}, {1024, 717}, {3, 2}, {2, 2}, {1, 2}};
        for (int[] c : cases) {
            w.cwnd = c[0];
            assertEquals(c[1], cubic.ssthresh(w), "cwnd " + c[0]);
        }
    }

    @Test
    void fast_convergence_lowers_w_max_when_losses_come_below_the_last_one() {
        start(10, 0);
        w.cwnd = 100;
        cubic.ssthresh(w);
        assertEquals(100, cubic.lastMaxCwnd(), "first loss: W_max = cwnd");
        w.cwnd = 80;
        cubic.ssthresh(w);
        assertEquals(68, cubic.lastMaxCwnd(), "80 * (1024 + 717) / 2048 = 68.01 (RFC 9438 4.7)");
        w.cwnd = 90;
        cubic.ssthresh(w);
        assertEquals(90, cubic.lastMaxCwnd(), "a loss above W_max: W_max = cwnd");
    }

    @Test
    void undo_returns_the_larger_of_cwnd_and_the_cwnd_at_the_loss() {
        start(10, 0);
        w.cwnd = 100;
        loss();
        assertEquals(70, w.cwnd);
        assertEquals(100, cubic.undoCwnd(w));
        w.cwnd = 120;
        assertEquals(120, cubic.undoCwnd(w));
        // A timeout resets CUBIC's state but not what undo needs (Linux keeps it in tp->prior_cwnd).
        w.cwnd = 40;
        w.ssthresh = cubic.ssthresh(w);
        w.cwnd = 1;
        cubic.onStateChange(w, CongestionControl.CA_LOSS);
        assertEquals(40, cubic.undoCwnd(w));
    }

    // ---- timeout ----

    @Test
    void entering_loss_resets_cubic_and_hystart_state() {
        start(10, 1000 * MS);
        ack(1100 * MS, 1 + 10 * MSS, 100_000);
        w.cwnd = 100;
        loss();
        ack(1200 * MS, w.sndUna + MSS, 100_000);
        assertNotEquals(0, cubic.epochStart());
        assertEquals(100, cubic.lastMaxCwnd());
        assertEquals(100_000, cubic.delayMin());
        cubic.onStateChange(w, CongestionControl.CA_RECOVERY);
        assertEquals(100, cubic.lastMaxCwnd(), "only Loss resets");
        w.ssthresh = cubic.ssthresh(w);
        w.cwnd = 1;
        cubic.onStateChange(w, CongestionControl.CA_LOSS);
        assertEquals(0, cubic.lastMaxCwnd());
        assertEquals(0, cubic.epochStart());
        assertEquals(0, cubic.delayMin());
        assertEquals(0, cubic.bicK());
        assertEquals(0, cubic.tcpCwnd());
        assertFalse(cubic.hystartFound());
        assertEquals(0, cubic.sampleCount());
    }

    /**
     * packetdrill's cubic-rto-ss-ca-cwnd-bump (MSS 1000, RTT 100 ms, every packet ACKed): cwnd 10, a timeout
     * gives ssthresh 7 and cwnd 1; slow start back to 7; then in congestion avoidance cwnd is still 7 after
     * 9 ACKs and 8 after the 16th, which Linux reaches through the Reno-friendly emulation (cnt becomes 7).
     */
    @Test
    void timeout_then_slow_start_then_congestion_avoidance_as_linux() {
        start(10, 100 * MS);
        w.sndNxt = 1001;
        w.cwndLimited = false; // one small write: not cwnd-limited
        ack(200 * MS, 1001, 100_000);
        assertEquals(10, w.cwnd);
        w.cwndLimited = true;
        w.sndNxt = 2001;
        // The retransmission timeout (after a tail-loss probe, which changes nothing here).
        w.ssthresh = cubic.ssthresh(w);
        w.cwnd = 1;
        w.cwndCount = 0;
        cubic.onStateChange(w, CongestionControl.CA_LOSS);
        assertEquals(7, w.ssthresh);
        ack(900 * MS, 2001, -1); // ACK of the retransmission: no RTT sample
        assertEquals(2, w.cwnd);
        assertEquals(7, w.ssthresh);
        w.sndNxt = 4001;
        ack(1000 * MS, 3001, 100_000);
        assertEquals(3, w.cwnd);
        ack(1002 * MS, 4001, 102_000);
        assertEquals(4, w.cwnd);
        ack(1100 * MS, 5001, 100_000);
        assertEquals(5, w.cwnd);
        ack(1102 * MS, 6001, 100_000);
        assertEquals(6, w.cwnd);
        ack(1104 * MS, 7001, 100_000);
        assertEquals(7, w.cwnd);
        ack(1106 * MS, 8001, 100_000); // first ACK in congestion avoidance
        ack(1204 * MS, 9001, 100_000);
        for (int i = 0; i < 6; i++) {
            ack((1206 + 2 * i) * MS, 10001 + i * MSS, 100_000);
        }
        ack(1314 * MS, 16001, 100_000);
        assertEquals(7, w.cwnd);
        for (int i = 0; i < 6; i++) {
            ack((1316 + 2 * i) * MS, 17001 + i * MSS, 100_000);
        }
        ack(1424 * MS, 23001, 100_000);
        // Hand check: ack_cnt reaches 16 > 7 * 15 >> 3 = 13, so W_est = 8 > cwnd and cnt = 7 / (8 - 7) = 7;
        // the 15 packets counted since the epoch began are >= 7: cwnd 8.
        assertEquals(7, cubic.cnt());
        assertEquals(8, w.cwnd);
    }

    // ---- HyStart ----

    /**
     * packetdrill's cubic-hystart-delay-rtt-jumps-upward: min RTT 200 ms; in the next round 9 ACKs with RTT
     * 240 ms and more, 1 ms apart. The 9th (8 samples counted) sees a round minimum of 240 ms above
     * 200 + clamp(200/8, 4, 16) = 216 ms: slow start ends with ssthresh = cwnd = 36.
     */
    @Test
    void hystart_delay_exit_after_8_samples_above_the_threshold_as_linux() {
        long t0 = 200 * MS;
        start(10, t0);
        w.sndNxt = 10001;
        ack(400 * MS, 10001, 200_000);
        assertEquals(20, w.cwnd);
        w.sndNxt = 30001;
        int expectedCwnd = 22;
        for (int i = 0; i < 8; i++) {
            long now = (640 + i) * MS;
            ack(now, 12001 + 2000 * i, (now - 400 * MS) / 1000);
            assertEquals(CongestionWindow.INFINITE_SSTHRESH, w.ssthresh, "ACK " + i);
            assertEquals(expectedCwnd, w.cwnd, "ACK " + i);
            expectedCwnd += 2;
        }
        ack(648 * MS, 28001, 248_000);
        assertTrue(cubic.hystartFound());
        assertEquals(36, w.ssthresh);
        assertEquals(36, w.cwnd);
        ack(649 * MS, 30001, 249_000);
        assertEquals(36, w.ssthresh);
        assertEquals(36, w.cwnd);
    }

    /**
     * packetdrill's cubic-hystart-delay-min-rtt-jumps-downward: the round's 10th sample (29 ms) lowers the
     * minimum RTT itself; the round's minimum follows it, so slow start goes on (cwnd 40).
     */
    @Test
    void hystart_no_spurious_exit_when_the_minimum_rtt_drops_within_a_round() {
        start(10, 200 * MS);
        w.sndNxt = 10001;
        ack(400 * MS, 10001, 200_000);
        w.sndNxt = 28001;
        w.sndNxt = 30001; // a small write at 580 ms
        for (int i = 0; i < 9; i++) {
            long now = (600 + i) * MS;
            ack(now, 12001 + 2000 * i, (now - 400 * MS) / 1000);
        }
        assertEquals(38, w.cwnd);
        ack(609 * MS, 30001, 29_000);
        assertEquals(29_000, cubic.delayMin());
        assertFalse(cubic.hystartFound());
        assertEquals(CongestionWindow.INFINITE_SSTHRESH, w.ssthresh);
        assertEquals(40, w.cwnd);
    }

    @Test
    void hystart_does_nothing_below_the_low_window() {
        start(10, 0);
        cubic.onAcked(w, 1, 10_000, 10 * MS); // delay_min 10 ms
        w.cwndLimited = false;
        w.cwnd = 15;
        w.sndNxt = 100_001;
        long now = 20 * MS;
        for (int i = 0; i < 30; i++) {
            now += 3 * MS;
            w.sndUna += MSS;
            cubic.onAcked(w, 1, 50_000, now); // far above 10 + 4 ms
        }
        assertFalse(cubic.hystartFound());
        assertEquals(CongestionWindow.INFINITE_SSTHRESH, w.ssthresh);
        // The same samples with cwnd 16: the ninth in the round ends slow start.
        w.cwnd = 16;
        for (int i = 0; i < 8; i++) {
            now += 3 * MS;
            w.sndUna += MSS;
            cubic.onAcked(w, 1, 50_000, now);
            assertFalse(cubic.hystartFound(), "sample " + i);
        }
        now += 3 * MS;
        cubic.onAcked(w, 1, 50_000, now);
        assertTrue(cubic.hystartFound());
        assertEquals(16, w.ssthresh);
    }

    @Test
    void hystart_delay_needs_the_round_minimum_above_the_clamped_threshold() {
        // delay_min 100 ms: threshold 100 + clamp(12.5, 4, 16) = 112.5 ms. 112 ms samples do not end it.
        start(10, 0);
        cubic.onAcked(w, 1, 100_000, 10 * MS);
        w.cwndLimited = false;
        w.cwnd = 20;
        w.sndNxt = 100_001;
        long now = 20 * MS;
        for (int i = 0; i < 40; i++) {
            now += 3 * MS; // > 2 ms apart: no ACK train
            w.sndUna += MSS;
            cubic.onAcked(w, 1, 112_500, now);
        }
        assertFalse(cubic.hystartFound());
        for (int i = 0; i < 9; i++) {
            now += 3 * MS;
            cubic.onAcked(w, 1, 112_501, now);
        }
        // The round started with the 112.5 ms samples: its minimum stays 112.5 ms.
        assertFalse(cubic.hystartFound());
        // A new round (SND.UNA past the round's end) of 112.501 ms samples: exit on its 9th.
        w.sndUna = w.sndNxt + 1;
        w.sndNxt += 100_000;
        for (int i = 0; i < 9; i++) {
            now += 3 * MS;
            cubic.onAcked(w, 1, 112_501, now);
        }
        assertTrue(cubic.hystartFound());
        assertEquals(20, w.ssthresh);
    }

    @Test
    void hystart_delay_threshold_is_clamped_to_4_to_16_ms() {
        // delay_min 10 ms: 10/8 = 1.25 ms is raised to 4 ms, so a round at 13 ms goes on...
        assertFalse(delayRoundEndsSlowStart(10_000, 13_000));
        assertTrue(delayRoundEndsSlowStart(10_000, 14_001));
        // ...and delay_min 200 ms: 25 ms is lowered to 16 ms, so a round at 220 ms ends it.
        assertTrue(delayRoundEndsSlowStart(200_000, 220_000));
        assertFalse(delayRoundEndsSlowStart(200_000, 216_000));
    }

    /** A fresh connection with minimum RTT {@code minUs}, then one round of 9 samples of {@code rttUs}. */
    private boolean delayRoundEndsSlowStart(long minUs, long rttUs) {
        Cubic c = new Cubic();
        CongestionWindow cw = new CongestionWindow();
        cw.reset(20);
        cw.sndUna = cw.sndNxt = 1;
        c.init(cw, 0);
        c.onAcked(cw, 1, minUs, 10 * MS);
        cw.sndUna = 2; // past the round's end: the next sample starts a round
        cw.sndNxt = 100_001;
        long now = 10 * MS;
        for (int i = 0; i < 9; i++) {
            now += 3 * MS;
            c.onAcked(cw, 1, rttUs, now);
        }
        return c.hystartFound();
    }

    @Test
    void hystart_ack_train_exit_once_close_acks_span_half_the_minimum_rtt() {
        start(10, 0);
        cubic.onAcked(w, 1, 10_000, 10 * MS); // delay_min 10 ms: threshold 5 ms (no pacing: halved)
        w.cwndLimited = false;
        w.cwnd = 32;
        w.sndUna = 2;
        w.sndNxt = 100_001;
        long roundStart = 50 * MS;
        cubic.onAcked(w, 1, 10_000, roundStart); // SND.UNA past the round's end: a new round starts now
        for (int i = 1; i <= 5; i++) {
            cubic.onAcked(w, 1, 10_000, roundStart + i * MS); // 1 ms apart, 5 ms after the start at most
            assertFalse(cubic.hystartFound(), "ACK at +" + i + " ms");
        }
        cubic.onAcked(w, 1, 10_000, roundStart + 6 * MS);
        assertTrue(cubic.hystartFound());
        assertEquals(32, w.ssthresh);
    }

    @Test
    void hystart_no_ack_train_when_acks_are_more_than_2_ms_apart() {
        start(10, 0);
        cubic.onAcked(w, 1, 10_000, 10 * MS);
        w.cwndLimited = false;
        w.cwnd = 32;
        w.sndUna = 2;
        w.sndNxt = 100_001;
        long now = 50 * MS;
        cubic.onAcked(w, 1, 10_000, now);
        for (int i = 0; i < 20; i++) {
            now += 2 * MS + 1000; // 2.001 ms apart
            cubic.onAcked(w, 1, 10_000, now);
        }
        assertFalse(cubic.hystartFound());
        assertEquals(CongestionWindow.INFINITE_SSTHRESH, w.ssthresh);
    }

    @Test
    void delay_samples_are_ignored_for_a_second_after_an_epoch_begins() {
        start(10, 1000 * MS);
        ack(1100 * MS, 1 + 10 * MSS, 100_000);
        w.cwnd = 100;
        loss();
        ack(1200 * MS, w.sndUna + MSS, 100_000);
        ack(2199 * MS, w.sndUna + MSS, 50_000);
        assertEquals(100_000, cubic.delayMin(), "999 ms after the epoch began");
        ack(2200 * MS, w.sndUna + MSS, 50_000);
        assertEquals(50_000, cubic.delayMin(), "1 s after");
    }

    // ---- idle ----

    @Test
    void transmit_start_after_idle_shifts_the_epoch_by_the_idle_time() {
        start(10, 1000 * MS);
        ack(1100 * MS, 1 + 10 * MSS, 100_000);
        w.cwnd = 100;
        loss();
        ack(1200 * MS, w.sndUna + MSS, 100_000); // the epoch begins
        int epoch = cubic.epochStart();
        assertEquals(Cubic.jiffies(1200 * MS), epoch);
        ack(1500 * MS, w.sndUna + MSS, 100_000); // acknowledges the last segment, sent at 1400 ms
        // Idle until 3500 ms: the last data went out at 1400 ms, so 2100 jiffies of idle move the epoch.
        cubic.onTransmitStart(w, 3500 * MS);
        assertEquals(epoch + 2100, cubic.epochStart());
    }

    @Test
    void the_epoch_shift_stops_at_now() {
        start(10, 1000 * MS);
        ack(1100 * MS, 1 + 10 * MSS, 100_000);
        w.cwnd = 100;
        loss();
        ack(1200 * MS, w.sndUna + MSS, 100_000);
        ack(1250 * MS, w.sndUna + MSS, 100_000); // last segment sent at 1150 ms, before the epoch began
        cubic.onTransmitStart(w, 3000 * MS);
        // epoch + (3000 - 1150) = 1200 + 1850 = 3050 ms is after now: the epoch begins now.
        assertEquals(Cubic.jiffies(3000 * MS), cubic.epochStart());
    }

    @Test
    void transmit_start_outside_an_epoch_changes_nothing() {
        start(10, 1000 * MS);
        ack(1100 * MS, 1 + 10 * MSS, 100_000); // slow start: no epoch
        cubic.onTransmitStart(w, 9000 * MS);
        assertEquals(0, cubic.epochStart());
    }

    @Test
    void without_the_shift_an_idle_period_would_be_credited_as_growth_time() {
        int[] cwnd = new int[2];
        for (int variant = 0; variant < 2; variant++) {
            Cubic c = new Cubic();
            CongestionWindow cw = new CongestionWindow();
            cw.reset(10);
            cw.sndUna = cw.sndNxt = 1;
            cw.cwndLimited = true;
            c.init(cw, 1000 * MS);
            c.onAcked(cw, 10, 100_000, 1100 * MS);
            c.congestionAvoidance(cw, 0, 10, 1100 * MS);
            cw.cwnd = 100;
            cw.ssthresh = c.ssthresh(cw);
            cw.cwnd = cw.ssthresh;
            cw.cwndCount = 0;
            c.onAcked(cw, 1, 100_000, 1200 * MS);
            c.congestionAvoidance(cw, 0, 1, 1200 * MS);
            if (variant == 1) {
                c.onTransmitStart(cw, 21_200 * MS);
            }
            for (int i = 0; i < 40; i++) {
                long now = 21_300 * MS + i * MS;
                c.onAcked(cw, 1, 100_000, now);
                c.congestionAvoidance(cw, 0, 1, now);
            }
            cwnd[variant] = cw.cwnd;
        }
        // 20 s of idle without the shift: the curve is far past W_max, cnt 2, +20 in 40 ACKs.
        assertEquals(90, cwnd[0]);
        // With it the epoch restarts at 21.2 s: the window is still on the concave part, near 70.
        assertTrue(cwnd[1] <= 72, "cwnd " + cwnd[1]);
    }

    @Test
    void an_epoch_beginning_at_virtual_time_zero_is_an_epoch() {
        assertEquals(Cubic.INITIAL_JIFFIES, Cubic.jiffies(0));
        start(10, 0);
        w.ssthresh = 10;
        ack(0, 1 + MSS, -1);
        assertNotEquals(0, cubic.epochStart());
    }

    @Test
    void usecs_to_jiffies_rounds_up_as_linux_at_hz_1000() {
        assertEquals(0, Cubic.usecsToJiffies(0));
        assertEquals(1, Cubic.usecsToJiffies(1));
        assertEquals(1, Cubic.usecsToJiffies(1000));
        assertEquals(2, Cubic.usecsToJiffies(1001));
        assertEquals(100, Cubic.usecsToJiffies(100_000));
    }

    private static double unsigned(long a) {
        double d = (double) (a >>> 1) * 2.0;
        return d + (a & 1);
    }
}
