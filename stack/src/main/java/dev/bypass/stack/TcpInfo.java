package dev.bypass.stack;

/**
 * A snapshot of one connection, in the spirit of Linux's {@code struct tcp_info}: filled by
 * {@link TcpConnection#info(TcpInfo)} into an instance the caller reuses.
 */
public final class TcpInfo {
    public TcpState state;
    public TcpError error;
    /** Smoothed RTT and its variation (RFC 6298), 0 before the first sample. */
    public long srttNs;
    public long rttvarNs;
    public long rtoNs;
    public int cwndBytes;
    public int ssthreshBytes;
    /** Effective send MSS (payload bytes per segment, options excluded). */
    public int sendMss;
    public int peerWindowBytes;
    public int receiveWindowBytes;
    public int sendWindowScale;
    public int receiveWindowScale;
    public boolean timestamps;
    public boolean inRecovery;
    /** Bytes sent and not yet acknowledged. */
    public int unackedBytes;
    /** Bytes queued by the application and not yet sent. */
    public int notSentBytes;
    /** Bytes received in order and not yet read by the application. */
    public int readableBytes;
    public long bytesSent;
    public long bytesRetransmitted;
    public long bytesAcked;
    public long bytesReceived;
    public long segmentsOut;
    public long segmentsIn;
    public long retransmits;
    public long timeouts;
    public long fastRetransmits;
    public long outOfOrderSegments;

    @Override
    public String toString() {
        return "TcpInfo[" + state + (error != TcpError.NONE ? " " + error : "") + " srtt=" + srttNs / 1000 + "us rttvar="
            + rttvarNs / 1000 + "us rto=" + rtoNs / 1_000_000 + "ms cwnd=" + cwndBytes + " ssthresh=" + ssthreshBytes
            + " mss=" + sendMss + " sent=" + bytesSent + " retrans=" + bytesRetransmitted + " acked=" + bytesAcked
            + " received=" + bytesReceived + " segs out/in=" + segmentsOut + "/" + segmentsIn + " rto-expiries=" + timeouts
            + " fast-retransmits=" + fastRetransmits + "]";
    }
}
