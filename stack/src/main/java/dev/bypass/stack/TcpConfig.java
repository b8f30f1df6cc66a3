package dev.bypass.stack;

import java.util.concurrent.TimeUnit;

/**
 * TCP tunables of a stack, with defaults that follow Linux where the RFCs leave a choice (so services
 * tuned on Linux keep their expectations). Immutable; build with {@link #builder()}.
 *
 * <p>Where the default differs from the RFC's: RTO minimum 200 ms (RFC 6298 says 1 s; Linux uses 200 ms);
 * initial window 10 segments (RFC 6928); TIME-WAIT 60 s (2*MSL with Linux's 30 s MSL); delayed ACK
 * 40 ms (Linux's minimum; RFC 9293 allows up to 500 ms).
 *
 * <p>{@link #linux()} is Linux's own defaults, knob by knob. {@link #DEFAULT} differs from it in three
 * knobs only: buffers of 256 KiB each way (Linux's autotuning ceilings are 6 MiB and 4 MiB), a listen
 * backlog of 128 (Linux's {@code somaxconn} is 4096) and a challenge-ACK interval of 10 ms (Linux's
 * {@code tcp_invalid_ratelimit} is 500 ms). The README's "The Linux profile" says why, and lists the Linux
 * behaviours bypass does not model.
 */
public record TcpConfig(
    int sendBufferBytes,
    int receiveBufferBytes,
    int initialWindowSegments,
    long rtoInitialNs,
    long rtoMinNs,
    long rtoMaxNs,
    int synRetries,
    int maxRetransmissions,
    long delayedAckNs,
    boolean delayedAck,
    long timeWaitNs,
    long finWait2TimeoutNs,
    boolean keepAlive,
    long keepAliveIdleNs,
    long keepAliveIntervalNs,
    int keepAliveProbes,
    boolean noDelay,
    boolean cork,
    boolean windowScaling,
    boolean timestamps,
    int maxOutOfOrderRanges,
    int listenBacklog,
    int maxConnections,
    int ephemeralPortFirst,
    int ephemeralPortLast,
    long challengeAckIntervalNs,
    boolean tso,
    String congestionControl,
    boolean sack,
    boolean dsack,
    boolean rack,
    boolean tailLossProbe,
    boolean frto,
    int reordering,
    boolean slowStartAfterIdle,
    int tsoWinDivisor,
    int minTsoSegments,
    int maxSegmentSize,
    long bufferPoolBytes) {

    public static final TcpConfig DEFAULT = builder().build();

    public TcpConfig {
        requirePositive("sendBufferBytes", sendBufferBytes);
        requirePositive("receiveBufferBytes", receiveBufferBytes);
        if (receiveBufferBytes > (1 << 30)) {
            throw new IllegalArgumentException("tcp receiveBufferBytes " + receiveBufferBytes
                + " above 1 GiB, the largest window scaling can advertise (RFC 7323 2.3)");
        }
        requirePositive("initialWindowSegments", initialWindowSegments);
        requirePositive("rtoMinNs", rtoMinNs);
        if (rtoInitialNs < rtoMinNs || rtoMaxNs < rtoInitialNs) {
            throw new IllegalArgumentException("tcp RTO bounds must satisfy rtoMin <= rtoInitial <= rtoMax, got "
                + rtoMinNs + " <= " + rtoInitialNs + " <= " + rtoMaxNs + " ns");
        }
        requirePositive("synRetries", synRetries);
        requirePositive("maxRetransmissions", maxRetransmissions);
        requirePositive("delayedAckNs", delayedAckNs);
        requirePositive("timeWaitNs", timeWaitNs);
        requirePositive("finWait2TimeoutNs", finWait2TimeoutNs);
        requirePositive("keepAliveIdleNs", keepAliveIdleNs);
        requirePositive("keepAliveIntervalNs", keepAliveIntervalNs);
        requirePositive("keepAliveProbes", keepAliveProbes);
        requirePositive("maxOutOfOrderRanges", maxOutOfOrderRanges);
        requirePositive("listenBacklog", listenBacklog);
        requirePositive("maxConnections", maxConnections);
        java.util.Objects.requireNonNull(congestionControl, "tcp congestionControl");
        if (!congestionControl.equals(Reno.NAME) && !congestionControl.equals(Cubic.NAME)) {
            throw new IllegalArgumentException("tcp congestionControl '" + congestionControl + "' unknown (known: "
                + Reno.NAME + ", " + Cubic.NAME + ")");
        }
        requirePositive("reordering", reordering);
        requirePositive("minTsoSegments", minTsoSegments);
        if (maxSegmentSize != 0 && (maxSegmentSize < 88 || maxSegmentSize > 65495)) {
            throw new IllegalArgumentException("tcp maxSegmentSize must be 0 (path MTU) or 88..65495, got " + maxSegmentSize);
        }
        if (tsoWinDivisor < 0) {
            throw new IllegalArgumentException("tcp tsoWinDivisor must not be negative, got " + tsoWinDivisor);
        }
        requirePositive("bufferPoolBytes", bufferPoolBytes);
        long oneConnection = oneConnectionBufferBytes(sendBufferBytes, receiveBufferBytes);
        if (bufferPoolBytes < oneConnection) {
            throw new IllegalArgumentException("tcp bufferPoolBytes " + bufferPoolBytes
                + " below one send and one receive buffer (" + oneConnection + " bytes with the receive ring's slack)");
        }
        if (ephemeralPortFirst < 1024 || ephemeralPortLast > 65535 || ephemeralPortFirst > ephemeralPortLast) {
            throw new IllegalArgumentException("tcp ephemeral port range must lie in 1024..65535, got "
                + ephemeralPortFirst + ".." + ephemeralPortLast);
        }
    }

    /** The default {@link #bufferPoolBytes()}: 1 GiB, or one connection's buffers if they are larger. */
    public static final long DEFAULT_BUFFER_POOL_BYTES = 1L << 30;

    /** Ring bytes of one connection with both buffers in use: the least {@link #bufferPoolBytes()} allowed. */
    public static long oneConnectionBufferBytes(int sendBufferBytes, int receiveBufferBytes) {
        return (long) sendBufferBytes + receiveBufferBytes + receiveRingSlack(receiveBufferBytes);
    }

    private static long defaultBufferPoolBytes(int sendBufferBytes, int receiveBufferBytes) {
        return Math.max(DEFAULT_BUFFER_POOL_BYTES, oneConnectionBufferBytes(sendBufferBytes, receiveBufferBytes));
    }

    /**
     * Bytes a receive ring holds beyond {@code receiveBufferBytes}: one unit of the largest window scale the
     * buffer may need, as the scaled window rounds up (RFC 7323 2.3).
     */
    static int receiveRingSlack(int receiveBufferBytes) {
        int shift = 0;
        while (shift < 14 && (receiveBufferBytes >> shift) > 0xFFFF) {
            shift++;
        }
        return 1 << shift;
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException("tcp " + name + " must be positive, got " + value);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Linux's TCP defaults: what a Linux 6.x kernel does before any sysctl or socket option is changed, for
     * services tuned on Linux. The receive buffer is 6 MiB, Linux's {@code tcp_rmem[2]} up to 6.15 (6.16
     * raised it to 32 MiB; set {@code receiveBufferBytes} for that).
     *
     * <p>Select it with {@code StackConfig.builder().tcp(TcpConfig.linux())}, or per socket with
     * {@code tcp().connect(..., TcpConfig.linux())}. Listening sockets should take {@link #linuxListener()}
     * (Linux retries SYN-ACKs fewer times than SYNs).
     */
    public static TcpConfig linux() {
        return linuxBuilder().build();
    }

    /**
     * {@link #linux()} for a listening socket: as Linux, SYN-ACKs are retransmitted
     * {@code tcp_synack_retries} = 5 times (bypass has one knob, {@code synRetries}, for SYNs and SYN-ACKs).
     * Use it with {@code tcp().listen(port, backlog, TcpConfig.linuxListener())}.
     */
    public static TcpConfig linuxListener() {
        return linuxBuilder().synRetries(5).build();
    }

    /**
     * Linux's defaults as a builder, to adjust. Every knob Linux has is set here explicitly (so a change to
     * bypass's own defaults never moves the Linux profile); knobs Linux lacks ({@code maxOutOfOrderRanges},
     * {@code maxConnections}) keep bypass's defaults. Linux has no single number for its autotuned buffers:
     * their ceilings are taken, which also gives Linux's window scale.
     */
    public static Builder linuxBuilder() {
        return new Builder()
            .initialWindowSegments(10)                              // TCP_INIT_CWND (RFC 6928)
            .rtoInitialNs(TimeUnit.SECONDS.toNanos(1))              // TCP_TIMEOUT_INIT
            .rtoMinNs(TimeUnit.MILLISECONDS.toNanos(200))           // TCP_RTO_MIN, tcp_rto_min_us
            .rtoMaxNs(TimeUnit.SECONDS.toNanos(120))                // TCP_RTO_MAX, tcp_rto_max_ms
            .synRetries(6)                                          // tcp_syn_retries
            .maxRetransmissions(15)                                 // tcp_retries2
            .delayedAck(true)
            .delayedAckNs(TimeUnit.MILLISECONDS.toNanos(40))        // TCP_ATO_MIN (TCP_DELACK_MIN)
            .timeWaitNs(TimeUnit.SECONDS.toNanos(60))               // TCP_TIMEWAIT_LEN
            .finWait2TimeoutNs(TimeUnit.SECONDS.toNanos(60))        // tcp_fin_timeout
            .keepAlive(false)                                       // SO_KEEPALIVE unset
            .keepAliveIdleNs(TimeUnit.SECONDS.toNanos(7200))        // tcp_keepalive_time
            .keepAliveIntervalNs(TimeUnit.SECONDS.toNanos(75))      // tcp_keepalive_intvl
            .keepAliveProbes(9)                                     // tcp_keepalive_probes
            .noDelay(false)                                         // TCP_NODELAY unset: Nagle on
            .cork(false)                                            // TCP_CORK unset
            .windowScaling(true)                                    // tcp_window_scaling
            .timestamps(true)                                       // tcp_timestamps
            .receiveBufferBytes(6 * 1024 * 1024)                    // tcp_rmem[2] up to 6.15 (32 MiB from 6.16)
            .sendBufferBytes(4 * 1024 * 1024)                       // tcp_wmem[2] = 4194304
            .listenBacklog(4096)                                    // net.core.somaxconn
            .ephemeralPorts(32768, 60999)                           // ip_local_port_range
            .challengeAckIntervalNs(TimeUnit.MILLISECONDS.toNanos(500)) // tcp_invalid_ratelimit
            .tso(true)                                              // GSO/TSO always used
            .congestionControl(Cubic.NAME)                          // tcp_congestion_control
            .sack(true)                                             // tcp_sack
            .dsack(true)                                            // tcp_dsack
            .rack(true)                                             // tcp_recovery = 1
            .tailLossProbe(true)                                    // tcp_early_retrans = 3
            .frto(true)                                             // tcp_frto = 2
            .reordering(3)                                          // tcp_reordering
            .slowStartAfterIdle(true)                               // tcp_slow_start_after_idle
            .tsoWinDivisor(3)                                       // tcp_tso_win_divisor
            .minTsoSegments(2)                                      // tcp_min_tso_segs
            .maxSegmentSize(0);                                     // no TCP_MAXSEG clamp
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builder with the defaults described on {@link TcpConfig}. */
    public static final class Builder {
        private int sendBufferBytes = 256 * 1024;
        private int receiveBufferBytes = 256 * 1024;
        private int initialWindowSegments = 10;
        private long rtoInitialNs = TimeUnit.SECONDS.toNanos(1);
        private long rtoMinNs = TimeUnit.MILLISECONDS.toNanos(200);
        private long rtoMaxNs = TimeUnit.SECONDS.toNanos(120);
        private int synRetries = 6;
        private int maxRetransmissions = 15;
        private long delayedAckNs = TimeUnit.MILLISECONDS.toNanos(40);
        private boolean delayedAck = true;
        private long timeWaitNs = TimeUnit.SECONDS.toNanos(60);
        private long finWait2TimeoutNs = TimeUnit.SECONDS.toNanos(60);
        private boolean keepAlive = false;
        private long keepAliveIdleNs = TimeUnit.SECONDS.toNanos(7200);
        private long keepAliveIntervalNs = TimeUnit.SECONDS.toNanos(75);
        private int keepAliveProbes = 9;
        private boolean noDelay = false;
        private boolean cork = false;
        private boolean windowScaling = true;
        private boolean timestamps = true;
        private int maxOutOfOrderRanges = 32;
        private int listenBacklog = 128;
        private int maxConnections = 4096;
        private int ephemeralPortFirst = 32768;
        private int ephemeralPortLast = 60999;
        private long challengeAckIntervalNs = TimeUnit.MILLISECONDS.toNanos(10);
        private boolean tso = true;
        private String congestionControl = "cubic";
        private boolean sack = true;
        private boolean dsack = true;
        private boolean rack = true;
        private boolean tailLossProbe = true;
        private boolean frto = true;
        private int reordering = 3;
        private boolean slowStartAfterIdle = true;
        private int tsoWinDivisor = 3;
        private int minTsoSegments = 2;
        private int maxSegmentSize = 0;
        private long bufferPoolBytes;
        /** Not set: the default, {@link #defaultBufferPoolBytes} of the buffer sizes built with. */
        private boolean bufferPoolDefault = true;

        private Builder() {
        }

        private Builder(TcpConfig c) {
            sendBufferBytes = c.sendBufferBytes;
            receiveBufferBytes = c.receiveBufferBytes;
            initialWindowSegments = c.initialWindowSegments;
            rtoInitialNs = c.rtoInitialNs;
            rtoMinNs = c.rtoMinNs;
            rtoMaxNs = c.rtoMaxNs;
            synRetries = c.synRetries;
            maxRetransmissions = c.maxRetransmissions;
            delayedAckNs = c.delayedAckNs;
            delayedAck = c.delayedAck;
            timeWaitNs = c.timeWaitNs;
            finWait2TimeoutNs = c.finWait2TimeoutNs;
            keepAlive = c.keepAlive;
            keepAliveIdleNs = c.keepAliveIdleNs;
            keepAliveIntervalNs = c.keepAliveIntervalNs;
            keepAliveProbes = c.keepAliveProbes;
            noDelay = c.noDelay;
            cork = c.cork;
            windowScaling = c.windowScaling;
            timestamps = c.timestamps;
            maxOutOfOrderRanges = c.maxOutOfOrderRanges;
            listenBacklog = c.listenBacklog;
            congestionControl = c.congestionControl;
            sack = c.sack;
            dsack = c.dsack;
            rack = c.rack;
            tailLossProbe = c.tailLossProbe;
            frto = c.frto;
            reordering = c.reordering;
            slowStartAfterIdle = c.slowStartAfterIdle;
            tsoWinDivisor = c.tsoWinDivisor;
            minTsoSegments = c.minTsoSegments;
            maxSegmentSize = c.maxSegmentSize;
            maxConnections = c.maxConnections;
            ephemeralPortFirst = c.ephemeralPortFirst;
            ephemeralPortLast = c.ephemeralPortLast;
            challengeAckIntervalNs = c.challengeAckIntervalNs;
            tso = c.tso;
            // A default pool stays a default one, so raising the buffers of a copy (per-socket SO_RCVBUF) keeps it valid.
            bufferPoolBytes = c.bufferPoolBytes;
            bufferPoolDefault = c.bufferPoolBytes == defaultBufferPoolBytes(c.sendBufferBytes, c.receiveBufferBytes);
        }

        /** Send buffer of each connection (bytes queued by the application, unacknowledged included). */
        public Builder sendBufferBytes(int v) {
            sendBufferBytes = v;
            return this;
        }

        /** Receive buffer of each connection: the most the stack advertises as its window. */
        public Builder receiveBufferBytes(int v) {
            receiveBufferBytes = v;
            return this;
        }

        public Builder initialWindowSegments(int v) {
            initialWindowSegments = v;
            return this;
        }

        public Builder rtoInitialNs(long v) {
            rtoInitialNs = v;
            return this;
        }

        public Builder rtoMinNs(long v) {
            rtoMinNs = v;
            return this;
        }

        public Builder rtoMaxNs(long v) {
            rtoMaxNs = v;
            return this;
        }

        /** SYN (and SYN-ACK) retransmissions before an open fails. */
        public Builder synRetries(int v) {
            synRetries = v;
            return this;
        }

        /** Retransmission timeouts in a row before an established connection is dropped. */
        public Builder maxRetransmissions(int v) {
            maxRetransmissions = v;
            return this;
        }

        public Builder delayedAckNs(long v) {
            delayedAckNs = v;
            return this;
        }

        public Builder delayedAck(boolean v) {
            delayedAck = v;
            return this;
        }

        public Builder timeWaitNs(long v) {
            timeWaitNs = v;
            return this;
        }

        public Builder finWait2TimeoutNs(long v) {
            finWait2TimeoutNs = v;
            return this;
        }

        public Builder keepAlive(boolean v) {
            keepAlive = v;
            return this;
        }

        public Builder keepAliveIdleNs(long v) {
            keepAliveIdleNs = v;
            return this;
        }

        public Builder keepAliveIntervalNs(long v) {
            keepAliveIntervalNs = v;
            return this;
        }

        public Builder keepAliveProbes(int v) {
            keepAliveProbes = v;
            return this;
        }

        /** Default of the per-connection no-delay switch (Nagle off when true). */
        public Builder noDelay(boolean v) {
            noDelay = v;
            return this;
        }

        /**
         * Default of the per-connection cork switch (Linux {@code TCP_CORK}): when true, a partial segment at the
         * end of the queue waits for more data, see {@link TcpConnection#cork(boolean)}.
         */
        public Builder cork(boolean v) {
            cork = v;
            return this;
        }

        public Builder windowScaling(boolean v) {
            windowScaling = v;
            return this;
        }

        public Builder timestamps(boolean v) {
            timestamps = v;
            return this;
        }

        /** Separate out-of-order ranges a connection keeps; a segment that would need more is dropped. */
        public Builder maxOutOfOrderRanges(int v) {
            maxOutOfOrderRanges = v;
            return this;
        }

        public Builder listenBacklog(int v) {
            listenBacklog = v;
            return this;
        }

        /**
         * Connections (any state, TIME-WAIT included) a stack holds at once. Connection objects are made for
         * all of them up front; their buffer rings come from the buffer pool only while data flows (see
         * {@link #bufferPoolBytes(long)}).
         */
        public Builder maxConnections(int v) {
            maxConnections = v;
            return this;
        }

        public Builder ephemeralPorts(int first, int last) {
            ephemeralPortFirst = first;
            ephemeralPortLast = last;
            return this;
        }

        /** Least time between two challenge ACKs of one connection (RFC 5961 section 7). */
        public Builder challengeAckIntervalNs(long v) {
            challengeAckIntervalNs = v;
            return this;
        }

        /** Use the device's TSO when it offers it. */
        public Builder tso(boolean v) {
            tso = v;
            return this;
        }

        /** The congestion control algorithm of new connections ("reno" or "cubic"; Linux {@code tcp_congestion_control}). */
        public Builder congestionControl(String v) {
            congestionControl = v;
            return this;
        }

        /** Offer and use selective acknowledgments (RFC 2018; Linux {@code tcp_sack}). */
        public Builder sack(boolean v) {
            sack = v;
            return this;
        }

        /** Report duplicate segments with D-SACK blocks (RFC 2883; Linux {@code tcp_dsack}). */
        public Builder dsack(boolean v) {
            dsack = v;
            return this;
        }

        /** RACK time-based loss detection (RFC 8985; Linux {@code tcp_recovery} bit 1). */
        public Builder rack(boolean v) {
            rack = v;
            return this;
        }

        /** Tail-loss probes (RFC 8985 section 7; Linux {@code tcp_early_retrans} 3 or 4). */
        public Builder tailLossProbe(boolean v) {
            tailLossProbe = v;
            return this;
        }

        /** F-RTO spurious-timeout detection (RFC 5682; Linux {@code tcp_frto}). */
        public Builder frto(boolean v) {
            frto = v;
            return this;
        }

        /** Initial reordering degree: duplicate ACKs or SACKed packets above a hole before it counts as lost (Linux {@code tcp_reordering}). */
        public Builder reordering(int v) {
            reordering = v;
            return this;
        }

        /** Restart from the initial window after an idle RTO (RFC 5681 4.1; Linux {@code tcp_slow_start_after_idle}). */
        public Builder slowStartAfterIdle(boolean v) {
            slowStartAfterIdle = v;
            return this;
        }

        /**
         * TSO deferral: send a partial super-segment once it fills 1/N of the window (Linux
         * {@code tcp_tso_win_divisor}; 0 never defers). Not used yet: the stack does not defer.
         */
        public Builder tsoWinDivisor(int v) {
            tsoWinDivisor = v;
            return this;
        }

        /**
         * Smallest super-segment in segments (Linux {@code tcp_min_tso_segs}). Super-segments are sized as Linux's
         * TSO autosizing: about 1 ms of the pacing rate (twice cwnd / SRTT in slow start, 1.2 times after), plus
         * a share of the device's limit on paths with a min RTT below 512 us, and never fewer than this.
         */
        public Builder minTsoSegments(int v) {
            minTsoSegments = v;
            return this;
        }

        /** Clamp on the MSS advertised and used, bytes; 0 for the path MTU's (Linux {@code TCP_MAXSEG}). */
        public Builder maxSegmentSize(int v) {
            maxSegmentSize = v;
            return this;
        }

        /**
         * The most direct memory the stack's TCP buffer pool holds (1 GiB by default, or one connection's
         * buffers when they are larger). Send and receive rings
         * are taken from it while data flows and given back when drained, so idle connections cost none of it;
         * when it is exhausted, writes take nothing and arriving data is dropped unacknowledged until rings
         * come back. At least one send and one receive buffer. A stack-wide knob: the stack's own
         * {@code TcpConfig} sets it, per-socket configurations do not.
         */
        public Builder bufferPoolBytes(long v) {
            bufferPoolBytes = v;
            bufferPoolDefault = false;
            return this;
        }

        public TcpConfig build() {
            return new TcpConfig(sendBufferBytes, receiveBufferBytes, initialWindowSegments, rtoInitialNs, rtoMinNs,
                rtoMaxNs, synRetries, maxRetransmissions, delayedAckNs, delayedAck, timeWaitNs, finWait2TimeoutNs,
                keepAlive, keepAliveIdleNs, keepAliveIntervalNs, keepAliveProbes, noDelay, cork, windowScaling,
                timestamps, maxOutOfOrderRanges, listenBacklog, maxConnections, ephemeralPortFirst, ephemeralPortLast,
                challengeAckIntervalNs, tso, congestionControl, sack, dsack, rack, tailLossProbe, frto, reordering, slowStartAfterIdle, tsoWinDivisor, minTsoSegments, maxSegmentSize,
                bufferPoolDefault ? defaultBufferPoolBytes(sendBufferBytes, receiveBufferBytes) : bufferPoolBytes);
        }
    }
}
