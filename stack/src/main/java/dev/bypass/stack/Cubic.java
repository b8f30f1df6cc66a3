package dev.bypass.stack;

/**
 * CUBIC congestion control (RFC 9438) with HyStart, as Linux's {@code net/ipv4/tcp_cubic.c} (6.x) runs it,
 * so that the window matches Linux packet for packet when a script written against Linux is replayed.
 *
 * <h2>What it does</h2>
 * <ul>
 *   <li>Window increase (RFC 9438 4.2): after a congestion event the window follows
 *       {@code W_cubic(t) = C*(t-K)^3 + W_max} (eq. 1) with {@code K = cbrt((W_max - cwnd_epoch)/C)} (eq. 2),
 *       C = 0.4 (Linux's {@code bic_scale} 41/1024, scaled by 10 for its fixed 100 ms reference RTT). As Linux,
 *       the target is taken one minimum RTT ahead ({@code t + delay_min}, the "W_cubic(t+RTT)" of RFC 9438 4.2)
 *       and turned into {@code cnt}, the packets to acknowledge per one-packet increase, applied with
 *       {@link CongestionWindow#additiveIncrease}. The window is concave below W_max (4.4), flat near it and
 *       convex above it (4.5). {@code cnt} never falls below 2 (at most 1.5x per RTT, RFC 9438 4.2's bound on
 *       the target), and while no loss has set W_max it stays at most 20 (5% per RTT), as Linux.</li>
 *   <li>Reno-friendly region (RFC 9438 4.3): an emulated Reno window grows by one packet every
 *       {@code cwnd*15/8} packets acknowledged (Linux's {@code beta_scale} = 8(1+beta)/3/(1-beta) = 15, that
 *       is alpha_cubic = 3(1-beta)/(1+beta) ~ 0.53 packets per RTT); when it is ahead, {@code cnt} is capped so
 *       that cwnd catches up.</li>
 *   <li>Multiplicative decrease (4.6): ssthresh = max(cwnd * 717/1024, 2) (beta_cubic ~ 0.7).</li>
 *   <li>Fast convergence (4.7): a loss below the previous W_max sets W_max = cwnd * (1024+717)/2048.</li>
 *   <li>Timeout (4.8): on entering {@link #CA_LOSS} all CUBIC and HyStart state is reset (Linux
 *       {@code bictcp_reset}), W_max included.</li>
 *   <li>Spurious congestion events (4.9): {@link #undoCwnd} returns max(cwnd, the cwnd when ssthresh was last
 *       computed), as Linux's {@code tcp_reno_undo_cwnd} does with {@code tp->prior_cwnd}; W_max is not restored
 *       (neither does Linux).</li>
 *   <li>Slow start (4.10): HyStart (Ha and Rhee), not HyStart++ (RFC 9406): once cwnd &ge; 16
 *       ({@code hystart_low_window}), slow start ends (ssthresh = cwnd) when, within one round, ACKs spaced at
 *       most 2 ms apart ({@code hystart_ack_delta_us}) keep arriving for more than half the minimum RTT
 *       (ACK train), or when the smallest of at least 8 RTT samples of the round exceeds the minimum RTT by
 *       {@code clamp(minRTT/8, 4 ms, 16 ms)} (delay increase).</li>
 *   <li>Application-limited periods (RFC 9438 5.8): when sending starts again after idle
 *       ({@link #onTransmitStart}), the epoch start moves forward by the idle time, so the cubic curve does not
 *       credit itself with the time nothing was sent (Linux commit 30927520dbae, "better follow cubic curve
 *       after idle period").</li>
 * </ul>
 *
 * <h2>Linux's arithmetic, followed on purpose</h2>
 * The fixed-point computations are Linux's, so that windows round exactly as they do there: the cube root is
 * Linux's {@code cubic_root} (a 64-entry table of the top bits, then one Newton-Raphson step, not
 * {@link Math#cbrt}); K and {@code t} are in units of 1/1024 s; the cubic term is
 * {@code (410 * |t-K|^3) >> 40} in wrapping 64-bit arithmetic; {@code cnt = cwnd / (target - cwnd)} with
 * unsigned 32-bit division; {@code 100 * cwnd} when the target is not above cwnd; the Reno emulation counts
 * whole packets. Unsigned 32-bit quantities of Linux ({@code u32}) are Java {@code int}s compared and divided
 * as unsigned where Linux's arithmetic would differ from signed.
 *
 * <h2>Clocks</h2>
 * {@code bictcp_update} and the idle shift run on {@code tcp_jiffies32} with HZ = 1000: here
 * {@code floor(nowNs / 1 ms)} plus Linux's {@code INITIAL_JIFFIES} offset (-300 s), so that an epoch started at
 * virtual time 0 is not mistaken for "no epoch" (Linux uses 0 as that marker). HyStart runs on the microsecond
 * clock ({@code tcp_mstamp}, truncated to 32 bits as {@code bictcp_clock_us} does): {@code nowNs / 1000}.
 *
 * <h2>Where this differs from Linux, and why</h2>
 * <ul>
 *   <li>ACK-train threshold: Linux adds {@code hystart_ack_delay}, derived from {@code sk_pacing_rate} (which
 *       Linux computes even without a pacing qdisc: min(1 ms, 4 * gso_max_size / rate)), and halves the sum
 *       when the socket is not paced ({@code SK_PACING_NONE}). We have no pacing rate: the cushion is taken as
 *       0 (as Linux does when {@code sk_pacing_rate} is 0) and the threshold is always halved, i.e.
 *       {@code delay_min / 2}. On Linux the threshold is usually {@code (delay_min + 1 ms) / 2}.</li>
 *   <li>{@code tcp_is_cwnd_limited}: Linux also treats the window as limiting in slow start while
 *       cwnd &lt; 2 * max_packets_out; the contract gives only {@link CongestionWindow#cwndLimited}, which the
 *       connection is expected to compute as the whole of {@code tcp_is_cwnd_limited}.</li>
 *   <li>Idle shift: Linux shifts the epoch by {@code now - tp->lsndtime}, the time since the last data segment
 *       was sent. The contract does not give that time, so it is estimated from the RTT samples: an ACK at
 *       {@code now} with sample {@code rtt} acknowledged a segment sent at {@code now - rtt} (Linux's sample is
 *       taken from the most recently sent segment the ACK covers), and once nothing is in flight the latest
 *       such segment is the last one sent. If the last ACKs carried no sample (Karn) an earlier segment's
 *       time is used (a longer idle: a larger shift, still bounded by now); without any sample at all, the
 *       time of the last ACK (a shorter idle: a smaller shift).</li>
 *   <li>{@link #onStateChange} receives no time; the HyStart round that {@link #CA_LOSS} restarts is stamped
 *       with the latest time any callback saw (Linux uses {@code tcp_mstamp}, the RTO's time).</li>
 * </ul>
 *
 * <h2>Where Linux, and so this class, departs from RFC 9438</h2>
 * <ul>
 *   <li>4.3: the emulated Reno window keeps alpha_cubic ~ 0.53 after it passes W_max (the RFC switches to 1).</li>
 *   <li>4.10: slow start ends by HyStart, not HyStart++ (RFC 9406); after a HyStart exit there is no conservative
 *       slow start phase.</li>
 *   <li>4.2: the curve's time is in jiffies (1 ms here) and {@code cnt} is recomputed at most once per jiffy, and
 *       with an unchanged cwnd at most every 32 jiffies; C is 0.4004 (41/1024 per 100 ms).</li>
 * </ul>
 *
 * <p>The text followed is tcp_cubic.c of Linux 6.17. Linux's module parameters are fixed at their defaults (fast_convergence 1, beta 717, initial_ssthresh 0,
 * bic_scale 41, tcp_friendliness 1, hystart 1, hystart_detect 3, hystart_low_window 16,
 * hystart_ack_delta_us 2000). Nothing is allocated after construction.
 */
final class Cubic implements CongestionControl {
    static final String NAME = "cubic";

    /** BICTCP_BETA_SCALE: beta is in 1/1024. */
    static final int BETA_SCALE = 1024;
    /** beta_cubic = 717/1024 ~ 0.7 (RFC 9438 4.6). */
    static final int BETA = 717;
    /** Linux's bic_scale: C = 41/1024 per (100 ms reference RTT) = 0.4. */
    static final int BIC_SCALE = 41;
    /** BICTCP_HZ: time on the cubic curve is in units of 2^-10 s. */
    static final int BICTCP_HZ = 10;
    /** The kernel tick rate this mirrors: tcp_jiffies32 counts milliseconds. */
    static final int HZ = 1000;
    /** Linux's INITIAL_JIFFIES for HZ=1000: jiffies start 300 s before they wrap. */
    static final int INITIAL_JIFFIES = -300 * HZ;

    /** cube_rtt_scale = bic_scale * 10 = 410: 1024 * C / rtt with rtt the 100 ms reference. */
    static final int CUBE_RTT_SCALE = BIC_SCALE * 10;
    /** beta_scale = 8 * (1024 + 717) / 3 / (1024 - 717) = 15 (Reno-friendly emulation, RFC 9438 4.3). */
    static final int BETA_SCALE_FRIENDLY = 8 * (BETA_SCALE + BETA) / 3 / (BETA_SCALE - BETA);
    /** cube_factor = 2^(10 + 3*BICTCP_HZ) / (bic_scale * 10) = 2^40 / 410: K^3 per packet of W_max - cwnd. */
    static final long CUBE_FACTOR = (1L << (10 + 3 * BICTCP_HZ)) / (BIC_SCALE * 10);

    /** hystart_low_window: HyStart acts only from this cwnd on. */
    static final int HYSTART_LOW_WINDOW = 16;
    /** hystart_ack_delta_us: ACKs at most this far apart form a train. */
    static final int HYSTART_ACK_DELTA_US = 2000;
    /** HYSTART_MIN_SAMPLES: RTT samples in a round before the delay test applies. */
    static final int HYSTART_MIN_SAMPLES = 8;
    static final int HYSTART_DELAY_MIN_US = 4000;
    static final int HYSTART_DELAY_MAX_US = 16000;

    /**
     * Linux's table for cubic_root: for x in [0, 63], v[x] = cbrt(x << 18) - 1, refined by hand (Willy Tarreau).
     */
    private static final short[] CBRT_TABLE = {
        0, 54, 54, 54, 118, 118, 118, 118,
        123, 129, 134, 138, 143, 147, 151, 156,
        157, 161, 164, 168, 170, 173, 176, 179,
        181, 185, 187, 190, 192, 194, 197, 199,
        200, 202, 204, 206, 209, 211, 213, 215,
        217, 219, 221, 222, 224, 225, 227, 229,
        231, 232, 234, 236, 237, 239, 240, 242,
        244, 245, 246, 248, 250, 251, 252, 254,
    };

    // Linux's struct bictcp. The fields up to tcpCwnd are those bictcp_reset clears.
    /** Packets to acknowledge per one-packet increase of cwnd. */
    private int cnt;
    /** W_max: cwnd at the last congestion event, after fast convergence; 0 before any. */
    private int lastMaxCwnd;
    /** cwnd when cnt was last computed. */
    private int lastCwnd;
    /** Jiffy when cnt was last computed. */
    private int lastTime;
    /** W_max of the current epoch's curve (the origin point). */
    private int bicOriginPoint;
    /** K in units of 2^-10 s. */
    private int bicK;
    /** Lowest RTT sample, microseconds (0: none). */
    private int delayMin;
    /** Jiffy the current epoch (congestion-avoidance period) began; 0: none. */
    private int epochStart;
    /** Packets acknowledged towards the emulated Reno window. */
    private int ackCnt;
    /** The emulated Reno window (RFC 9438's W_est). */
    private int tcpCwnd;
    // HyStart.
    private int sampleCnt;
    private boolean found;
    /** Microsecond clock at the start of the HyStart round. */
    private int roundStart;
    /** The round ends when SND.UNA passes this (SND.NXT when it began). */
    private int endSeq;
    /** Microsecond clock of the last ACK of the current train. */
    private int lastAck;
    /** Smallest RTT sample of the round, microseconds, unsigned; 0xffffffff: none yet. */
    private int currRtt;

    /** cwnd when ssthresh was last computed (Linux's tp->prior_cwnd), for undo. */
    private int lossCwnd;
    /** Estimated time the last data segment was sent (Linux's tp->lsndtime), ns; see the class comment. */
    private long lastSendNs;
    private boolean lastSendKnown;
    /** The latest time any callback saw, ns. */
    private long latestNs;
    /** The time of the last ACK seen, ns. */
    private long lastAckNs;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(CongestionWindow w, long nowNs) {
        reset();
        lossCwnd = 0;
        lastSendKnown = false;
        lastSendNs = 0;
        latestNs = nowNs;
        lastAckNs = nowNs;
        hystartReset(w, nowNs);
        // initial_ssthresh is 0 (Linux's default): ssthresh stays infinite.
    }

    /**
     * Linux's {@code cubictcp_recalc_ssthresh}: ends the epoch, sets W_max (with fast convergence, RFC 9438
     * 4.7) and returns max(cwnd * 717/1024, 2) (4.6).
     */
    @Override
    public int ssthresh(CongestionWindow w) {
        int cwnd = w.cwnd;
        epochStart = 0;
        if (Integer.compareUnsigned(cwnd, lastMaxCwnd) < 0) {
            lastMaxCwnd = Integer.divideUnsigned(cwnd * (BETA_SCALE + BETA), 2 * BETA_SCALE);
        } else {
            lastMaxCwnd = cwnd;
        }
        lossCwnd = cwnd;
        return maxUnsigned(Integer.divideUnsigned(cwnd * BETA, BETA_SCALE), 2);
    }

    /** Linux's {@code cubictcp_cong_avoid}: slow start, then the cubic (or Reno-friendly) increase. */
    @Override
    public void congestionAvoidance(CongestionWindow w, int ack, int acked, long nowNs) {
        ackSeen(nowNs);
        if (!w.cwndLimited) {
            return;
        }
        if (w.inSlowStart()) {
            acked = w.slowStart(acked);
            if (acked == 0) {
                return;
            }
        }
        update(w.cwnd, acked, jiffies(nowNs));
        w.additiveIncrease(cnt, acked);
    }

    /** Linux's {@code cubictcp_acked}: the minimum RTT, and HyStart while in slow start. */
    @Override
    public void onAcked(CongestionWindow w, int acked, long rttUs, long nowNs) {
        ackSeen(nowNs);
        if (rttUs < 0) {
            return; // no sample (Karn), as Linux's "duplicates without timestamps"
        }
        long sentNs = nowNs - rttUs * 1000;
        if (!lastSendKnown || sentNs > lastSendNs) {
            lastSendNs = sentNs;
            lastSendKnown = true;
        }
        // Discard delay samples right after a reduction: the queue it drains would lower delay_min.
        if (epochStart != 0 && jiffies(nowNs) - epochStart < HZ) {
            return;
        }
        int delay = (int) rttUs; // Linux's u32 delay from the s32 sample
        if (delay == 0) {
            delay = 1;
        }
        if (delayMin == 0 || Integer.compareUnsigned(delayMin, delay) > 0) {
            delayMin = delay;
        }
        if (!found && w.inSlowStart()) {
            hystartUpdate(w, delay, nowNs);
        }
    }

    /** Linux's {@code cubictcp_state}: entering Loss (a timeout, RFC 9438 4.8) forgets everything. */
    @Override
    public void onStateChange(CongestionWindow w, int caState) {
        if (caState == CA_LOSS) {
            reset();
            hystartReset(w, latestNs);
        }
    }

    /**
     * Linux's {@code cubictcp_cwnd_event(CA_EVENT_TX_START)}: after an idle (application-limited) period,
     * shift the epoch start by the idle time, at most up to now (RFC 9438 5.8).
     */
    @Override
    public void onTransmitStart(CongestionWindow w, long nowNs) {
        int now = jiffies(nowNs);
        int lsndtime = jiffies(lastSendKnown ? lastSendNs : lastAckNs);
        seen(nowNs);
        int delta = now - lsndtime;
        if (epochStart != 0 && delta > 0) {
            epochStart += delta;
            if (epochStart - now > 0) { // after(epoch_start, now)
                epochStart = now;
            }
        }
    }

    /** Linux's {@code tcp_reno_undo_cwnd}: max(cwnd, prior_cwnd) (RFC 9438 4.9). */
    @Override
    public int undoCwnd(CongestionWindow w) {
        return Math.max(w.cwnd, lossCwnd);
    }

    /**
     * Linux's {@code cubic_root}: cbrt(a) from a 64-entry table of the six top bits, then one Newton-Raphson
     * step, average error about 0.2%. Unsigned 64-bit argument.
     */
    static int cubicRoot(long a) {
        int b = 64 - Long.numberOfLeadingZeros(a); // fls64
        if (b < 7) {
            return (CBRT_TABLE[(int) a] + 35) >>> 6; // a in [0, 63]
        }
        b = ((b * 84) >> 8) - 1;
        int shift = (int) (a >>> (b * 3));
        int x = ((CBRT_TABLE[shift] + 10) << b) >>> 6;
        // x = (2x + a / (x (x-1))) / 3, the division by 3 as * 341 >> 10, all in u32 as Linux.
        long xl = x & 0xffffffffL;
        long divisor = xl * ((x - 1) & 0xffffffffL);
        x = 2 * x + (int) Long.divideUnsigned(a, divisor);
        return (int) (((x & 0xffffffffL) * 341 & 0xffffffffL) >>> 10);
    }

    /** Linux's {@code bictcp_update}: {@link #cnt} for this cwnd at jiffy {@code now}. */
    private void update(int cwnd, int acked, int now) {
        ackCnt += acked;
        if (lastCwnd == cwnd && now - lastTime <= HZ / 32) {
            return;
        }
        // cnt changes at most once per jiffy; every reduction clears epochStart, forcing a recomputation.
        if (epochStart == 0 || now != lastTime) {
            lastCwnd = cwnd;
            lastTime = now;
            if (epochStart == 0) {
                epochStart = now;
                ackCnt = acked;
                tcpCwnd = cwnd;
                if (Integer.compareUnsigned(lastMaxCwnd, cwnd) <= 0) {
                    bicK = 0;
                    bicOriginPoint = cwnd;
                } else {
                    // RFC 9438 eq. 2 in units of 2^-10 s: K = cbrt((W_max - cwnd) * 2^30 / C).
                    bicK = cubicRoot(CUBE_FACTOR * ((lastMaxCwnd - cwnd) & 0xffffffffL));
                    bicOriginPoint = lastMaxCwnd;
                }
            }
            // t one minimum RTT ahead, in 2^-10 s: ((now - epoch) + usecs_to_jiffies(delay_min)) << 10 / HZ.
            long t = now - epochStart; // s32, sign-extended to u64 as Linux does
            t += usecsToJiffies(delayMin);
            t = Long.divideUnsigned(t << BICTCP_HZ, HZ);
            long k = bicK & 0xffffffffL;
            boolean below = Long.compareUnsigned(t, k) < 0;
            long offs = below ? k - t : t - k;
            // C * (t - K)^3 in packets: (410 * offs^3) >> 40, wrapping in 64 bits and truncated to u32.
            int delta = (int) ((CUBE_RTT_SCALE * offs * offs * offs) >>> (10 + 3 * BICTCP_HZ));
            int bicTarget = below ? bicOriginPoint - delta : bicOriginPoint + delta;
            if (Integer.compareUnsigned(bicTarget, cwnd) > 0) {
                cnt = Integer.divideUnsigned(cwnd, bicTarget - cwnd);
            } else {
                cnt = 100 * cwnd; // very small increment
            }
            // Before any loss the curve knows nothing of the path: grow at least 5% per RTT.
            if (lastMaxCwnd == 0 && Integer.compareUnsigned(cnt, 20) > 0) {
                cnt = 20;
            }
        }
        // Reno-friendly region (RFC 9438 4.3): one packet of W_est per cwnd * 15/8 packets acknowledged.
        int delta = (cwnd * BETA_SCALE_FRIENDLY) >>> 3;
        if (delta != 0 && Integer.compareUnsigned(ackCnt, delta) > 0) {
            // Linux's "while (ack_cnt > delta) { ack_cnt -= delta; tcp_cwnd++; }" in one step.
            int n = Integer.divideUnsigned(ackCnt - 1, delta);
            ackCnt -= n * delta;
            tcpCwnd += n;
        }
        if (Integer.compareUnsigned(tcpCwnd, cwnd) > 0) {
            int maxCnt = Integer.divideUnsigned(cwnd, tcpCwnd - cwnd);
            if (Integer.compareUnsigned(cnt, maxCnt) > 0) {
                cnt = maxCnt;
            }
        }
        // At most one packet per two acknowledged: 1.5x per RTT.
        cnt = maxUnsigned(cnt, 2);
    }

    /** Linux's {@code hystart_update}. */
    private void hystartUpdate(CongestionWindow w, int delay, long nowNs) {
        if (Seq.gt(w.sndUna, endSeq)) {
            hystartReset(w, nowNs);
        }
        if (w.cwnd < HYSTART_LOW_WINDOW) {
            return;
        }
        // ACK train: ACKs close together for longer than half the minimum RTT.
        int now = clockUs(nowNs);
        if (now - lastAck <= HYSTART_ACK_DELTA_US) {
            lastAck = now;
            // delay_min + hystart_ack_delay (0: no pacing rate), halved as for SK_PACING_NONE.
            int threshold = delayMin >>> 1;
            if (Integer.compareUnsigned(now - roundStart, threshold) > 0) {
                found = true;
                w.ssthresh = w.cwnd;
            }
        }
        // Delay increase: the round's smallest RTT, after 8 samples, above delay_min + clamp(delay_min/8).
        if (Integer.compareUnsigned(currRtt, delay) > 0) {
            currRtt = delay;
        }
        if (sampleCnt < HYSTART_MIN_SAMPLES) {
            sampleCnt++;
        } else {
            int thresh = Math.clamp(delayMin >>> 3, HYSTART_DELAY_MIN_US, HYSTART_DELAY_MAX_US);
            if (Integer.compareUnsigned(currRtt, delayMin + thresh) > 0) {
                found = true;
                w.ssthresh = w.cwnd;
            }
        }
    }

    /** Linux's {@code bictcp_hystart_reset}: a new HyStart round starts now and ends at SND.NXT. */
    private void hystartReset(CongestionWindow w, long nowNs) {
        roundStart = lastAck = clockUs(nowNs);
        endSeq = w.sndNxt;
        currRtt = 0xffffffff;
        sampleCnt = 0;
    }

    /** Linux's {@code bictcp_reset}. */
    private void reset() {
        cnt = 0;
        lastMaxCwnd = 0;
        lastCwnd = 0;
        lastTime = 0;
        bicOriginPoint = 0;
        bicK = 0;
        delayMin = 0;
        epochStart = 0;
        ackCnt = 0;
        tcpCwnd = 0;
        found = false;
    }

    private void seen(long nowNs) {
        if (nowNs > latestNs) {
            latestNs = nowNs;
        }
    }

    private void ackSeen(long nowNs) {
        lastAckNs = nowNs;
        seen(nowNs);
    }

    /** tcp_jiffies32 at HZ=1000, with Linux's initial offset. */
    static int jiffies(long nowNs) {
        return (int) Math.floorDiv(nowNs, 1_000_000L) + INITIAL_JIFFIES;
    }

    /** tcp_mstamp truncated to u32, as bictcp_clock_us. */
    static int clockUs(long nowNs) {
        return (int) Math.floorDiv(nowNs, 1000L);
    }

    /** usecs_to_jiffies at HZ=1000: rounds up. */
    static long usecsToJiffies(int us) {
        return Integer.divideUnsigned(us + (1_000_000 / HZ) - 1, 1_000_000 / HZ) & 0xffffffffL;
    }

    private static int maxUnsigned(int a, int b) {
        return Integer.compareUnsigned(a, b) >= 0 ? a : b;
    }

    // Views for tests.
    int cnt() {
        return cnt;
    }

    int lastMaxCwnd() {
        return lastMaxCwnd;
    }

    int bicK() {
        return bicK;
    }

    int bicOriginPoint() {
        return bicOriginPoint;
    }

    int epochStart() {
        return epochStart;
    }

    int delayMin() {
        return delayMin;
    }

    int tcpCwnd() {
        return tcpCwnd;
    }

    boolean hystartFound() {
        return found;
    }

    int sampleCount() {
        return sampleCnt;
    }
}
