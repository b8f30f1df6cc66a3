package dev.bypass.stack;

/**
 * Slow start and congestion avoidance (RFC 5681) with NewReno fast recovery (RFC 6582).
 *
 * <p>Slow start grows by bytes acknowledged, at most two segments per ACK (appropriate byte counting,
 * RFC 3465 with L = 2), so delayed ACKs do not slow it down. Congestion avoidance counts acknowledged
 * bytes and adds one segment per window of them (RFC 5681 section 3.1, the byte-counting form).
 */
final class NewReno implements CongestionControl {
    private int smss;
    private int cwnd;
    private int ssthresh;
    private int avoidanceBytes;

    @Override
    public void init(int smss, int initialWindowBytes) {
        this.smss = smss;
        this.cwnd = initialWindowBytes;
        this.ssthresh = Integer.MAX_VALUE;
        this.avoidanceBytes = 0;
    }

    @Override
    public int cwnd() {
        return cwnd;
    }

    @Override
    public int ssthresh() {
        return ssthresh;
    }

    @Override
    public void onAck(int bytesAcked) {
        if (cwnd < ssthresh) {
            cwnd = saturatingAdd(cwnd, Math.min(bytesAcked, 2 * smss));
        } else {
            avoidanceBytes += bytesAcked;
            if (avoidanceBytes >= cwnd) {
                avoidanceBytes -= cwnd;
                cwnd = saturatingAdd(cwnd, smss);
            }
        }
    }

    @Override
    public void onEnterRecovery(int flightSize) {
        ssthresh = Math.max(flightSize / 2, 2 * smss);
        cwnd = ssthresh + 3 * smss;
    }

    @Override
    public void onDuplicateAckInRecovery() {
        cwnd = saturatingAdd(cwnd, smss);
    }

    @Override
    public void onPartialAck(int bytesAcked) {
        // Deflate by what was acknowledged, add back one segment if at least one was (RFC 6582 step 5).
        cwnd = Math.max(smss, cwnd - bytesAcked + (bytesAcked >= smss ? smss : 0));
    }

    @Override
    public void onExitRecovery(int flightSize) {
        cwnd = Math.min(ssthresh, Math.max(flightSize, smss) + smss);
        avoidanceBytes = 0;
    }

    @Override
    public void onTimeout(int flightSize) {
        ssthresh = Math.max(flightSize / 2, 2 * smss);
        cwnd = smss;
        avoidanceBytes = 0;
    }

    @Override
    public void onIdleRestart(int initialWindowBytes) {
        cwnd = Math.min(cwnd, initialWindowBytes);
    }

    @Override
    public void onMssChange(int newSmss) {
        smss = newSmss;
        cwnd = Math.max(cwnd, smss);
    }

    private static int saturatingAdd(int a, int b) {
        int s = a + b;
        return s < 0 ? Integer.MAX_VALUE : s;
    }
}
