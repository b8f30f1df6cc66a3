package dev.bypass.stack;

/**
 * A snapshot of one connection, Linux's {@code struct tcp_info} for bypass: filled by
 * {@link TcpConnection#info(TcpInfo)} into an instance the caller reuses. The first group of fields has
 * our own units (bytes, nanoseconds); the second mirrors {@code tcp_info} field by field in Linux's units
 * (packets, microseconds), so that monitoring written for Linux and packetdrill's {@code tcpi_*}
 * assertions read the same numbers. {@link #field(String)} looks those up by their Linux name.
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

    // ---- Linux's tcp_info, same names without the tcpi_ prefix, same units
    /** Recovery state: {@code TCP_CA_Open} 0, Disorder 1, CWR 2, Recovery 3, Loss 4. */
    public int caState;
    /** Consecutive retransmission timeouts of the current segment ({@code tcpi_retransmits}). */
    public int retransmitsInARow;
    /** Unanswered zero-window or keepalive probes. */
    public int probes;
    /** Exponential backoff of the RTO ({@code tcpi_backoff}). */
    public int backoff;
    /** {@code tcpi_options}: 1 timestamps, 2 SACK, 4 window scaling. */
    public int options;
    public int rtoUs;
    /** Delayed-ACK timeout, microseconds ({@code tcpi_ato}). */
    public int atoUs;
    public int sndMss;
    public int rcvMss;
    /** Packets sent and not acknowledged ({@code tcpi_unacked}). */
    public int unackedPackets;
    /** Packets the peer has selectively acknowledged. */
    public int sackedPackets;
    /** Packets marked lost and not yet retransmitted or acknowledged. */
    public int lostPackets;
    /** Retransmitted packets still in flight ({@code tcpi_retrans}). */
    public int retransPackets;
    public int lastDataSentMs;
    public int lastDataRecvMs;
    public int lastAckRecvMs;
    public int pmtu;
    public int rcvSsthresh;
    public int rttUs;
    public int rttvarUs;
    /** ssthresh and cwnd in packets ({@code tcpi_snd_ssthresh}, {@code tcpi_snd_cwnd}). */
    public int sndSsthresh;
    public int sndCwnd;
    public int advmss;
    /** Reordering degree: packets that may arrive out of order before one counts as lost. */
    public int reordering;
    public int rcvSpace;
    /** Retransmitted packets over the connection's life ({@code tcpi_total_retrans}). */
    public int totalRetrans;
    public long pacingRate;
    public long minRttUs;
    public int dataSegsIn;
    public int dataSegsOut;
    /** Delivery rate of the last sample, bytes per second (RFC draft-cheng-iccrg-delivery-rate-estimation). */
    public long deliveryRate;
    public boolean deliveryRateAppLimited;
    /** Packets delivered (acknowledged cumulatively or by SACK) over the connection's life. */
    public int delivered;
    /** Segments the peer reported as received twice (DSACK blocks). */
    public int dsackDups;
    /** Reordering events seen. */
    public int reordSeen;
    public int sndWnd;
    public int rcvWnd;
    /** Tail-loss probes sent. */
    public long tlpProbes;
    /** Reductions undone because the loss proved spurious (F-RTO, DSACK, timestamps). */
    public long undos;
    /** The congestion control algorithm's name ("reno", "cubic"). */
    public String congestionControl;

    /**
     * The value of a Linux {@code tcp_info} field by its name, with or without the {@code tcpi_} prefix
     * ({@code "tcpi_snd_cwnd"}), in Linux's units; throws naming the field if bypass has no such field.
     */
    public long field(String name) {
        String n = name.startsWith("tcpi_") ? name.substring(5) : name;
        return switch (n) {
            case "state" -> linuxState(state);
            case "ca_state" -> caState;
            case "retransmits" -> retransmitsInARow;
            case "probes" -> probes;
            case "backoff" -> backoff;
            case "options" -> options;
            case "snd_wscale" -> sendWindowScale;
            case "rcv_wscale" -> receiveWindowScale;
            case "rto" -> rtoUs;
            case "ato" -> atoUs;
            case "snd_mss" -> sndMss;
            case "rcv_mss" -> rcvMss;
            case "unacked" -> unackedPackets;
            case "sacked" -> sackedPackets;
            case "lost" -> lostPackets;
            case "retrans" -> retransPackets;
            case "fackets" -> 0;
            case "last_data_sent" -> lastDataSentMs;
            case "last_data_recv" -> lastDataRecvMs;
            case "last_ack_recv" -> lastAckRecvMs;
            case "pmtu" -> pmtu;
            case "rcv_ssthresh" -> rcvSsthresh;
            case "rtt" -> rttUs;
            case "rttvar" -> rttvarUs;
            case "snd_ssthresh" -> sndSsthresh;
            case "snd_cwnd" -> sndCwnd;
            case "advmss" -> advmss;
            case "reordering" -> reordering;
            case "rcv_space" -> rcvSpace;
            case "total_retrans" -> totalRetrans;
            case "pacing_rate" -> pacingRate;
            case "bytes_acked" -> bytesAcked;
            case "bytes_received" -> bytesReceived;
            case "segs_out" -> segmentsOut;
            case "segs_in" -> segmentsIn;
            case "notsent_bytes" -> notSentBytes;
            case "min_rtt" -> minRttUs;
            case "data_segs_in" -> dataSegsIn;
            case "data_segs_out" -> dataSegsOut;
            case "delivery_rate" -> deliveryRate;
            case "delivery_rate_app_limited" -> deliveryRateAppLimited ? 1 : 0;
            case "delivered" -> delivered;
            case "bytes_sent" -> bytesSent + bytesRetransmitted;
            case "bytes_retrans" -> bytesRetransmitted;
            case "dsack_dups" -> dsackDups;
            case "reord_seen" -> reordSeen;
            case "snd_wnd" -> sndWnd;
            case "rcv_wnd" -> rcvWnd;
            default -> throw new IllegalArgumentException("no tcp_info field '" + name + "' in bypass");
        };
    }

    /** Linux's TCP_ESTABLISHED (1) .. TCP_CLOSING (11) numbering. */
    private static int linuxState(TcpState s) {
        return switch (s) {
            case ESTABLISHED -> 1;
            case SYN_SENT -> 2;
            case SYN_RECEIVED -> 3;
            case FIN_WAIT_1 -> 4;
            case FIN_WAIT_2 -> 5;
            case TIME_WAIT -> 6;
            case CLOSED -> 7;
            case CLOSE_WAIT -> 8;
            case LAST_ACK -> 9;
            case LISTEN -> 10;
            case CLOSING -> 11;
        };
    }

    @Override
    public String toString() {
        return "TcpInfo[" + state + (error != TcpError.NONE ? " " + error : "") + " srtt=" + srttNs / 1000 + "us rttvar="
            + rttvarNs / 1000 + "us rto=" + rtoNs / 1_000_000 + "ms cwnd=" + cwndBytes + " ssthresh=" + ssthreshBytes
            + " mss=" + sendMss + " sent=" + bytesSent + " retrans=" + bytesRetransmitted + " acked=" + bytesAcked
            + " received=" + bytesReceived + " segs out/in=" + segmentsOut + "/" + segmentsIn + " rto-expiries=" + timeouts
            + " fast-retransmits=" + fastRetransmits + "]";
    }
}
