package dev.bypass.stack;

/**
 * Reno's window (RFC 5681): slow start, then one packet per window of acknowledged packets; half the
 * window after a loss. Fast recovery itself (NewReno's partial ACKs, SACK, PRR) is the connection's.
 * As Linux's {@code tcp_reno_*} functions.
 */
final class Reno implements CongestionControl {
    static final String NAME = "reno";

    private int lossCwnd;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(CongestionWindow w, long nowNs) {
        lossCwnd = 0;
    }

    @Override
    public int ssthresh(CongestionWindow w) {
        lossCwnd = w.cwnd;
        return Math.max(w.cwnd >> 1, 2);
    }

    @Override
    public void congestionAvoidance(CongestionWindow w, int ack, int acked, long nowNs) {
        if (!w.cwndLimited) {
            return;
        }
        if (w.inSlowStart()) {
            acked = w.slowStart(acked);
            if (acked == 0) {
                return;
            }
        }
        w.additiveIncrease(w.cwnd, acked);
    }

    @Override
    public void onAcked(CongestionWindow w, int acked, long rttUs, long nowNs) {
        // Reno uses no RTT samples.
    }

    @Override
    public void onStateChange(CongestionWindow w, int caState) {
        // No per-state memory.
    }

    @Override
    public void onTransmitStart(CongestionWindow w, long nowNs) {
        // Nothing to adjust after idle.
    }

    @Override
    public int undoCwnd(CongestionWindow w) {
        return Math.max(w.cwnd, lossCwnd);
    }
}
