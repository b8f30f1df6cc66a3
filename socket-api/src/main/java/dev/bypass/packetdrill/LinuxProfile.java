package dev.bypass.packetdrill;

import dev.bypass.stack.TcpConfig;
import java.util.concurrent.TimeUnit;

/**
 * Linux's TCP defaults as a {@link TcpConfig}, knob by knob: what a freshly booted Linux 6.x kernel does
 * before any sysctl is changed. Scripts start from here; their shell block ({@code defaults.sh},
 * {@code sysctl -q net.ipv4.*}) then moves knobs (see {@link Sysctls}). Users who tuned services on
 * Linux can start from the same values.
 *
 * <p>Where Linux has no single number (buffer autotuning), the constant says which bound bypass takes and
 * why. Where bypass has a knob Linux lacks, {@link #tcpConfig()} keeps bypass's default.
 *
 * <p>Linux behaviours on by default that bypass does not have (so no knob here; scripts show them):
 * quick-ACK mode (immediate ACKs for the first segments of a connection, and for each second full-sized
 * segment), delayed-ACK timeouts adapted between 40 and 200 ms, autocorking of small writes
 * ({@code tcp_autocorking}), SACK compression ({@code tcp_comp_sack_*}), TCP small queues
 * ({@code tcp_limit_output_bytes}), pacing, receive and send buffer autotuning, and Linux 6.x's constant 1 s
 * timeouts for the first SYN retries ({@code tcp_syn_linear_timeouts} = 4; bypass doubles from the first,
 * as Linux with 0).
 */
public final class LinuxProfile {
    /**
     * Initial congestion window, segments: {@code TCP_INIT_CWND} (RFC 6928), used since Linux 2.6.39.
     */
    public static final int INITIAL_WINDOW_SEGMENTS = 10;

    /** Initial retransmission timeout: {@code TCP_TIMEOUT_INIT}, 1 s (RFC 6298 2.1). */
    public static final long RTO_INITIAL_NS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Lower bound of the RTO: {@code TCP_RTO_MIN}, 200 ms (RFC 6298 asks for 1 s; Linux's 200 ms is what
     * every deployment measures against). Linux adds it to the variance term ({@code rto = srtt +
     * max(4 rttvar, rto_min)} in effect); the bound is the same.
     */
    public static final long RTO_MIN_NS = TimeUnit.MILLISECONDS.toNanos(200);

    /** Upper bound of the RTO after backoff: {@code TCP_RTO_MAX}, 120 s. */
    public static final long RTO_MAX_NS = TimeUnit.SECONDS.toNanos(120);

    /** SYN retransmissions of an active open: {@code net.ipv4.tcp_syn_retries} = 6 (about 127 s in all). */
    public static final int SYN_RETRIES = 6;

    /** SYN-ACK retransmissions of a passive open: {@code net.ipv4.tcp_synack_retries} = 5. */
    public static final int SYNACK_RETRIES = 5;

    /** RTOs in a row before an established connection is dropped: {@code net.ipv4.tcp_retries2} = 15. */
    public static final int MAX_RETRANSMISSIONS = 15;

    /**
     * Delayed-ACK timeout: {@code TCP_DELACK_MIN}, 40 ms. Linux adapts it between 40 ms and
     * {@code TCP_DELACK_MAX} (200 ms) from the inter-arrival time, and starts a connection in quick-ACK
     * mode (ACKing at once for the first segments); bypass's delayed ACK is a fixed 40 ms.
     */
    public static final long DELAYED_ACK_NS = TimeUnit.MILLISECONDS.toNanos(40);

    /** TIME-WAIT: {@code TCP_TIMEWAIT_LEN}, 60 s (2 MSL with Linux's 30 s MSL); not tunable on Linux. */
    public static final long TIME_WAIT_NS = TimeUnit.SECONDS.toNanos(60);

    /** FIN-WAIT-2 timeout of an orphaned connection: {@code net.ipv4.tcp_fin_timeout} = 60 s. */
    public static final long FIN_WAIT2_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);

    /** Keepalive idle time before the first probe: {@code net.ipv4.tcp_keepalive_time} = 7200 s. */
    public static final long KEEPALIVE_IDLE_NS = TimeUnit.SECONDS.toNanos(7200);

    /** Between keepalive probes: {@code net.ipv4.tcp_keepalive_intvl} = 75 s. */
    public static final long KEEPALIVE_INTERVAL_NS = TimeUnit.SECONDS.toNanos(75);

    /** Unanswered probes before the connection is dropped: {@code net.ipv4.tcp_keepalive_probes} = 9. */
    public static final int KEEPALIVE_PROBES = 9;

    /**
     * Receive buffer: {@code net.ipv4.tcp_rmem} = "4096 131072 6291456". Linux starts a connection at the
     * middle value and autotunes it up to the last; it chooses the window scale for the last
     * ({@code tcp_select_initial_window}: the smallest shift that fits 6 MiB in 16 bits, 7). bypass does not
     * autotune, so it takes the ceiling: the window scale in SYNs is Linux's, and the window never
     * limits a sender before Linux's would.
     */
    public static final int RECEIVE_BUFFER_BYTES = 6291456;

    /**
     * Send buffer: {@code net.ipv4.tcp_wmem} = "4096 16384 4194304". Linux grows the send buffer with the
     * congestion window up to the last value; bypass takes that ceiling, so a write that fits in what
     * Linux would grow to does not block.
     */
    public static final int SEND_BUFFER_BYTES = 4194304;

    /**
     * Listen backlog ceiling: {@code net.core.somaxconn} = 4096 (since Linux 5.4; 128 before). Linux
     * accepts one more connection than the backlog; bypass exactly the backlog.
     */
    public static final int LISTEN_BACKLOG = 4096;

    /** Local ports for connect: {@code net.ipv4.ip_local_port_range} = "32768 60999". */
    public static final int EPHEMERAL_FIRST = 32768;
    public static final int EPHEMERAL_LAST = 60999;

    /**
     * Least time between two challenge ACKs (RFC 5961) or duplicate ACKs to out-of-window segments of one
     * connection: {@code net.ipv4.tcp_invalid_ratelimit} = 500 ms.
     */
    public static final long CHALLENGE_ACK_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(500);

    /** Congestion control: {@code net.ipv4.tcp_congestion_control} = cubic (RFC 9438, with HyStart). */
    public static final String CONGESTION_CONTROL = "cubic";

    /** Reordering degree before a hole counts as lost: {@code net.ipv4.tcp_reordering} = 3 (dupthresh). */
    public static final int REORDERING = 3;

    /**
     * TSO deferral: a partial super-segment waits unless it fills 1/3 of the window
     * ({@code net.ipv4.tcp_tso_win_divisor} = 3).
     */
    public static final int TSO_WIN_DIVISOR = 3;

    /** Smallest TSO autosize goal: {@code net.ipv4.tcp_min_tso_segs} = 2 segments. */
    public static final int MIN_TSO_SEGMENTS = 2;

    private LinuxProfile() {
    }

    /**
     * Linux's defaults as a builder, for a script or a service to adjust. The switches:
     * <ul>
     *   <li>window scaling on ({@code tcp_window_scaling} = 1), timestamps on ({@code tcp_timestamps} = 1);
     *   <li>SACK and D-SACK on ({@code tcp_sack} = 1, {@code tcp_dsack} = 1);
     *   <li>RACK loss detection on ({@code tcp_recovery} = 1) and tail-loss probes on
     *       ({@code tcp_early_retrans} = 3);
     *   <li>F-RTO on ({@code tcp_frto} = 2, the SACK-enhanced variant);
     *   <li>slow start after idle on ({@code tcp_slow_start_after_idle} = 1);
     *   <li>Nagle on and keepalive off (socket defaults: {@code TCP_NODELAY} and {@code SO_KEEPALIVE} unset);
     *   <li>delayed ACK on; TSO used when the device offers it (Linux always uses GSO/TSO);
     *   <li>MSS from the path MTU (no {@code TCP_MAXSEG} clamp).
     * </ul>
     */
    public static TcpConfig.Builder builder() {
        return TcpConfig.builder()
            .initialWindowSegments(INITIAL_WINDOW_SEGMENTS)
            .rtoInitialNs(RTO_INITIAL_NS)
            .rtoMinNs(RTO_MIN_NS)
            .rtoMaxNs(RTO_MAX_NS)
            .synRetries(SYN_RETRIES)
            .maxRetransmissions(MAX_RETRANSMISSIONS)
            .delayedAck(true)
            .delayedAckNs(DELAYED_ACK_NS)
            .timeWaitNs(TIME_WAIT_NS)
            .finWait2TimeoutNs(FIN_WAIT2_TIMEOUT_NS)
            .keepAlive(false)
            .keepAliveIdleNs(KEEPALIVE_IDLE_NS)
            .keepAliveIntervalNs(KEEPALIVE_INTERVAL_NS)
            .keepAliveProbes(KEEPALIVE_PROBES)
            .noDelay(false)
            .windowScaling(true)
            .timestamps(true)
            .receiveBufferBytes(RECEIVE_BUFFER_BYTES)
            .sendBufferBytes(SEND_BUFFER_BYTES)
            .listenBacklog(LISTEN_BACKLOG)
            .ephemeralPorts(EPHEMERAL_FIRST, EPHEMERAL_LAST)
            .challengeAckIntervalNs(CHALLENGE_ACK_INTERVAL_NS)
            .tso(true)
            .congestionControl(CONGESTION_CONTROL)
            .sack(true)
            .dsack(true)
            .rack(true)
            .tailLossProbe(true)
            .frto(true)
            .reordering(REORDERING)
            .slowStartAfterIdle(true)
            .tsoWinDivisor(TSO_WIN_DIVISOR)
            .minTsoSegments(MIN_TSO_SEGMENTS)
            .maxSegmentSize(0);
    }

    /** Linux's defaults. */
    public static TcpConfig tcpConfig() {
        return builder().build();
    }
}
