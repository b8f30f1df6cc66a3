package dev.bypass.stack;

/**
 * The congestion state a connection shares with its {@link CongestionControl}, counted in packets (full
 * segments) as Linux's {@code tcp_sock} counts it: {@code snd_cwnd}, {@code snd_ssthresh},
 * {@code snd_cwnd_cnt}, {@code snd_cwnd_clamp}. Counting packets rather than bytes makes every window a
 * whole number of segments and lets scripts written against Linux expect exactly the segments Linux sends.
 * A TSO super-segment counts as the number of segments it carries.
 */
final class CongestionWindow {
    /** Linux's TCP_INFINITE_SSTHRESH: no slow-start threshold yet. */
    static final int INFINITE_SSTHRESH = 0x7fffffff;

    /** The congestion window, packets. */
    int cwnd;
    /** The slow-start threshold, packets. */
    int ssthresh = INFINITE_SSTHRESH;
    /** Packets acknowledged towards the next additive increase. */
    int cwndCount;
    /** Upper bound of {@link #cwnd}. */
    int cwndClamp = 0x7fffffff;
    /** SND.NXT and SND.UNA, kept current by the connection (HyStart marks rounds with them). */
    int sndNxt;
    int sndUna;
    /** Lowest RTT seen on the connection, microseconds (0 before the first sample). */
    long minRttUs;
    /** True while the application keeps the window full (an algorithm grows cwnd only then). */
    boolean cwndLimited;

    void reset(int initialCwnd) {
        cwnd = initialCwnd;
        ssthresh = INFINITE_SSTHRESH;
        cwndCount = 0;
        cwndClamp = 0x7fffffff;
        minRttUs = 0;
        cwndLimited = false;
    }

    boolean inSlowStart() {
        return cwnd < ssthresh;
    }

    /**
     * Slow start (RFC 5681 3.1 with RFC 3465's byte counting, Linux's {@code tcp_slow_start}): one packet
     * per packet acknowledged, up to ssthresh. Returns the acknowledged packets left over once cwnd
     * reached ssthresh, for congestion avoidance to use.
     */
    int slowStart(int acked) {
        int grown = Math.min(cwnd + acked, ssthresh);
        int left = acked - (grown - cwnd);
        cwnd = Math.min(grown, cwndClamp);
        return left;
    }

    /**
     * Additive increase (Linux's {@code tcp_cong_avoid_ai}): one packet for every {@code w} packets
     * acknowledged.
     */
    void additiveIncrease(int w, int acked) {
        if (cwndCount >= w) {
            cwndCount = 0;
            cwnd++;
        }
        cwndCount += acked;
        if (cwndCount >= w) {
            int delta = cwndCount / w;
            cwndCount -= delta * w;
            cwnd += delta;
        }
        cwnd = Math.min(cwnd, cwndClamp);
    }
}
