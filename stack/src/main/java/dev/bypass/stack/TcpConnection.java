package dev.bypass.stack;

import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.FIN;
import static dev.bypass.stack.wire.TcpHeader.PSH;
import static dev.bypass.stack.wire.TcpHeader.RST;
import static dev.bypass.stack.wire.TcpHeader.SYN;

import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.time.Deadlines;
import dev.bypass.stack.time.TimerQueue;
import dev.bypass.stack.wire.TcpSegment;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One TCP connection (RFC 9293): its state machine, its send and receive buffers and its timers.
 *
 * <p>Reading order: the application's calls (write, read, close), then {@link #input} — the "segment
 * arrives" steps of RFC 9293 section 3.10.7 in their order — then {@link #output}, which decides what to
 * send (window, congestion window, Nagle, silly-window avoidance, FIN), then the timers (retransmission
 * with RFC 6298 backoff, persist, delayed ACK, keepalive, TIME-WAIT) and finally segment building.
 *
 * <p>Variables carry their RFC names: {@code sndUna} is SND.UNA, {@code rcvNxt} is RCV.NXT. Sequence
 * numbers compare through {@link Seq}. Time is the {@code nowNs} passed in; timers are explicit deadlines
 * ({@link Deadlines#NONE} when off) whose minimum is kept in the stack's {@link TimerQueue}.
 *
 * <p>Threading: everything here runs on the stack's thread, the application's calls included.
 * Lifetime: a connection object is reused for a later connection once it is CLOSED and the application
 * has called {@link #close()} (as a file descriptor number is): do not use it after closing it.
 */
public final class TcpConnection implements TimerQueue.Owner {
    private static final int EVENT_CONNECTED = 1;
    private static final int EVENT_READABLE = 1 << 1;
    private static final int EVENT_WRITABLE = 1 << 2;
    private static final int EVENT_CLOSED = 1 << 3;

    private static final int DEFAULT_PEER_MSS = 536; // RFC 9293 3.7.1, IPv4
    private static final int TIMESTAMP_OPTION_BYTES = 12;
    private static final long RTO_AFTER_SYN_LOSS_NS = 3_000_000_000L; // RFC 6298 5.7
    private static final long TS_RECENT_VALID_NS = 24L * 24 * 3600 * 1_000_000_000L; // RFC 7323 5.5
    private static final int MAX_WINDOW_SCALE = 14;

    final Tcp tcp;
    private final NetworkStack stack;
    /** The stack's config, or the per-socket one the connection was opened with. */
    private TcpConfig config;
    private final int handle;

    // ---- identity (read by the connection table)
    int localAddress;
    int localPort;
    int remoteAddress;
    int remotePort;

    TcpState state = TcpState.CLOSED;
    private TcpError error = TcpError.NONE;
    private boolean active;
    TcpListener listener;
    boolean inUse;

    // ---- send sequence variables (RFC 9293 3.3.1)
    private int iss;
    private int sndUna;
    private int sndNxt;
    /** Highest sequence number sent (SND.NXT before a timeout rewound it). */
    private int sndMax;
    private int sndWnd;
    private int sndWl1;
    private int sndWl2;
    private int maxSndWnd;
    /** Our SYN is acknowledged: data starts at SND.UNA (before, at ISS + 1). */
    private boolean synAcked;

    // ---- receive sequence variables
    private int irs;
    private int rcvNxt;
    /** RCV.NXT + RCV.WND as last advertised: the right edge never moves left (RFC 9293 3.8.6). */
    private int rcvEdge;

    // ---- options
    private boolean wscaleOk;
    private int sndWscale;
    private int rcvWscale;
    private boolean tsOk;
    private int tsRecent;
    private long tsRecentAtNs;
    private int tsOffset;
    private int lastAckSent;
    private int peerMss = DEFAULT_PEER_MSS;
    private int smss;
    private int advertisedMss;

    // ---- data
    private TcpSendBuffer send;
    private TcpReceiveBuffer receive;
    private int receiveBufferBytes;
    private int sendBufferBytes;
    private boolean finQueued;
    private int finSeq;
    private boolean peerFinPending;
    private int peerFinSeq;
    private boolean peerFinReceived;
    private boolean appClosed;
    private boolean writeBlocked;

    // ---- congestion control and loss recovery
    private final CongestionWindow cwnd = new CongestionWindow();
    private CongestionControl cc;
    private int dupAcks;
    private boolean inRecovery;
    private int recover;
    private boolean partialAckSeen;
    private int limitedTransmitBytes;
    private boolean synLost;

    // ---- round-trip time (RFC 6298)
    private long srttNs;
    private long rttvarNs;
    private long rtoNs;
    private boolean rttMeasured;
    private boolean timing;
    private int timedSeq;
    private long timedAtNs;

    // ---- timers
    private long retransmitAt = Deadlines.NONE;
    private boolean persistMode;
    private long delayedAckAt = Deadlines.NONE;
    private long keepaliveAt = Deadlines.NONE;
    private long closeAt = Deadlines.NONE;
    private int retries;
    private int persistProbes;
    private int persistUnanswered;
    private int keepaliveProbes;
    private long lastSendNs;
    private long lastReceiveNs;
    private long lastChallengeAckNs = Long.MIN_VALUE / 2;
    private long lastOutOfWindowAckNs;

    // ---- acknowledgment state
    private boolean ackNow;
    private int unackedReceivedBytes;

    // ---- per-connection switches
    private boolean noDelay;
    private boolean keepAlive;

    // ---- events for the handler
    private TcpHandler handler;
    private int events;
    boolean onReadyList;
    boolean onOutputList;
    boolean freeAfterDispatch;

    // ---- statistics
    private long bytesSent;
    private long bytesRetransmitted;
    private long bytesAcked;
    private long bytesReceived;
    private long segmentsIn;
    private long segmentsOut;
    private long retransmits;
    private long timeouts;
    private long fastRetransmits;
    private long outOfOrderSegments;

    TcpConnection(Tcp tcp, NetworkStack stack, TcpConfig config, int handle) {
        this.tcp = tcp;
        this.stack = stack;
        this.config = config;
        this.handle = handle;
    }

    int handle() {
        return handle;
    }

    long segmentsSent() {
        return segmentsOut;
    }

    // =============================================================================================
    // Opening (called by Tcp)
    // =============================================================================================

    /** Resets every field for a new connection. */
    void reset(int localAddress, int localPort, int remoteAddress, int remotePort, TcpConfig options) {
        this.config = options;
        this.localAddress = localAddress;
        this.localPort = localPort;
        this.remoteAddress = remoteAddress;
        this.remotePort = remotePort;
        state = TcpState.CLOSED;
        error = TcpError.NONE;
        active = false;
        listener = null;
        sndUna = sndNxt = sndMax = sndWnd = sndWl1 = sndWl2 = maxSndWnd = 0;
        irs = rcvNxt = rcvEdge = 0;
        wscaleOk = false;
        synAcked = false;
        sndWscale = rcvWscale = 0;
        tsOk = false;
        tsRecent = 0;
        tsRecentAtNs = 0;
        lastAckSent = 0;
        peerMss = DEFAULT_PEER_MSS;
        sendBufferBytes = config.sendBufferBytes();
        receiveBufferBytes = config.receiveBufferBytes();
        finQueued = false;
        finSeq = 0;
        peerFinPending = false;
        peerFinReceived = false;
        appClosed = false;
        writeBlocked = false;
        dupAcks = 0;
        inRecovery = false;
        partialAckSeen = false;
        limitedTransmitBytes = 0;
        synLost = false;
        srttNs = rttvarNs = 0;
        rtoNs = config.rtoInitialNs();
        rttMeasured = false;
        timing = false;
        retransmitAt = delayedAckAt = keepaliveAt = closeAt = Deadlines.NONE;
        persistMode = false;
        retries = 0;
        persistProbes = 0;
        persistUnanswered = 0;
        keepaliveProbes = 0;
        lastSendNs = lastReceiveNs = stack.nowNs();
        lastChallengeAckNs = stack.nowNs() - config.challengeAckIntervalNs();
        lastOutOfWindowAckNs = lastChallengeAckNs;
        ackNow = false;
        unackedReceivedBytes = 0;
        noDelay = config.noDelay();
        keepAlive = config.keepAlive();
        handler = null;
        events = 0;
        freeAfterDispatch = false;
        bytesSent = bytesRetransmitted = bytesAcked = bytesReceived = segmentsIn = segmentsOut = 0;
        retransmits = timeouts = fastRetransmits = outOfOrderSegments = 0;
        tsOffset = tcp.secrets().timestampOffset(localAddress, localPort, remoteAddress, remotePort);
    }

    /** Buffers sized for this connection, kept across reuse when the size did not change. */
    private void allocateBuffers() {
        int ringBytes = receiveBufferBytes + (1 << rcvWscale); // slack: the scaled window rounds up
        if (receive == null || receive.capacity() != ringBytes || receive.maxRanges() != config.maxOutOfOrderRanges()) {
            receive = new TcpReceiveBuffer(ringBytes, config.maxOutOfOrderRanges());
        } else {
            receive.clear();
        }
        if (send == null || send.capacity() != sendBufferBytes) {
            send = new TcpSendBuffer(sendBufferBytes);
        } else {
            send.clear();
        }
    }

    /** Smallest shift that lets the receive buffer be advertised whole (RFC 7323 2.3). */
    private int chooseWindowScale() {
        int shift = 0;
        while (shift < MAX_WINDOW_SCALE && (receiveBufferBytes >> shift) > 0xFFFF) {
            shift++;
        }
        return shift;
    }

    /** Active open (RFC 9293 3.10.1, OPEN call in CLOSED state): send SYN, go to SYN-SENT. */
    void openActive(long nowNs) {
        active = true;
        rcvWscale = config.windowScaling() ? chooseWindowScale() : 0;
        allocateBuffers();
        iss = tcp.secrets().isn(localAddress, localPort, remoteAddress, remotePort, nowNs);
        sndUna = iss;
        sndNxt = iss;
        sndMax = iss;
        advertisedMss = clampMss(stack.ipv4().pathMtu(remoteAddress, nowNs) - 40);
        setState(TcpState.SYN_SENT);
        sendSyn(nowNs);
        stack.counters().increment(Counter.TCP_ACTIVE_OPENS);
    }

    /**
     * Passive open from a listener's SYN (RFC 9293 3.10.7.2, LISTEN state, third check): record the
     * peer's options, send SYN-ACK, go to SYN-RECEIVED.
     */
    void openPassive(TcpListener from, TcpSegment seg, long nowNs) {
        listener = from;
        irs = seg.seq;
        rcvNxt = seg.seq + 1;
        if (seg.windowScale >= 0 && config.windowScaling()) {
            wscaleOk = true;
            sndWscale = Math.min(seg.windowScale, MAX_WINDOW_SCALE); // RFC 7323 2.3: log and use 14
            rcvWscale = chooseWindowScale();
        } else {
            sndWscale = 0;
            rcvWscale = 0;
        }
        if (seg.hasTimestamps && config.timestamps()) {
            tsOk = true;
            tsRecent = seg.tsVal;
            tsRecentAtNs = nowNs;
        }
        peerMss = seg.mss > 0 ? seg.mss : DEFAULT_PEER_MSS;
        allocateBuffers();
        iss = tcp.secrets().isn(localAddress, localPort, remoteAddress, remotePort, nowNs);
        sndUna = iss;
        sndNxt = iss;
        sndMax = iss;
        sndWnd = seg.window; // never scaled in a SYN (RFC 7323 2.2)
        maxSndWnd = sndWnd;
        sndWl1 = seg.seq;
        sndWl2 = iss;
        advertisedMss = clampMss(stack.ipv4().pathMtu(remoteAddress, nowNs) - 40);
        rcvEdge = rcvNxt;
        setState(TcpState.SYN_RECEIVED);
        sendSyn(nowNs);
        stack.counters().increment(Counter.TCP_PASSIVE_OPENS);
    }

    /** SYN or SYN-ACK, first send or retransmission; arms the retransmission timer. */
    private void sendSyn(long nowNs) {
        boolean retransmission = Seq.gt(sndMax, iss);
        if (!retransmission) {
            timing = true;
            timedSeq = iss;
            timedAtNs = nowNs;
        }
        int flags = state == TcpState.SYN_RECEIVED ? SYN | ACK : SYN;
        sendSegment(iss, flags, 0, nowNs);
        sndNxt = iss + 1;
        sndMax = iss + 1;
        retransmitAt = nowNs + rtoNs;
        updateTimer();
    }

    /** The handshake completed (SYN-SENT or SYN-RECEIVED to ESTABLISHED). */
    private void established(long nowNs) {
        int mtu = stack.ipv4().pathMtu(remoteAddress, nowNs);
        smss = clampMss(Math.min(peerMss, mtu - 40)) - (tsOk ? TIMESTAMP_OPTION_BYTES : 0);
        // RFC 5681 3.1: one segment if the SYN or SYN-ACK was lost, else the initial window.
        int initialWindow = synLost ? smss : config.initialWindowSegments() * smss;
        if (cc == null || !cc.name().equals(config.congestionControl())) {
            cc = CongestionControl.create(config.congestionControl());
        }
        cwnd.reset(initialWindow / smss);
        cc.init(cwnd, nowNs);
        recover = iss; // RFC 6582: the highest sequence number transmitted so far
        if (synLost && rtoNs < RTO_AFTER_SYN_LOSS_NS) {
            rtoNs = RTO_AFTER_SYN_LOSS_NS;
        }
        retries = 0;
        retransmitAt = Deadlines.NONE;
        setState(TcpState.ESTABLISHED);
        armKeepalive(nowNs);
        if (active) {
            raise(EVENT_CONNECTED);
        } else if (listener != null && listener.isClosed()) {
            // The listener closed while this connection was half-open: nobody will accept it.
            appClosed = true;
            abortWithReset(nowNs);
            return;
        } else if (listener != null) {
            listener.enqueue(this);
        }
        tcp.markOutput(this);
    }

    // =============================================================================================
    // The application's calls
    // =============================================================================================

    /**
     * Queues up to {@code length} bytes for sending and returns how many fit in the send buffer (0 when
     * it is full: {@link TcpHandler#onWritable} follows when room frees). Data waits until the handshake
     * completes.
     */
    public int write(DirectBuffer source, int offset, int length) {
        checkWritable();
        int n = send.write(source, offset, length);
        if (n < length) {
            writeBlocked = true;
        }
        if (n > 0 && state.isSynchronized()) {
            tcp.markOutput(this);
        }
        return n;
    }

    /**
     * Reads up to {@code length} received bytes. Returns the number read, 0 if none are waiting, or -1
     * once the peer has closed its side and everything before its FIN has been read.
     */
    public int read(MutableDirectBuffer destination, int offset, int length) {
        if (appClosed) {
            throw new IllegalStateException("read on a closed connection " + this);
        }
        if (receive == null || receive.readable() == 0) {
            return peerFinReceived || (state == TcpState.CLOSED && error != TcpError.NONE) ? -1 : 0;
        }
        int n = receive.read(destination, offset, length);
        if (state.isSynchronized() && windowUpdateWorthSending()) {
            ackNow = true;
            tcp.markOutput(this);
        }
        return n;
    }

    /** Bytes received in order and not yet read. */
    public int readableBytes() {
        return receive == null ? 0 : receive.readable();
    }

    /** Bytes that {@link #write} would accept now. */
    public int writableBytes() {
        return send == null || finQueued ? 0 : send.free();
    }

    /** True once the peer's FIN has arrived (read returns -1 after the remaining bytes). */
    public boolean peerClosed() {
        return peerFinReceived;
    }

    /** Half-close: a FIN follows the queued data; reading goes on (RFC 9293 CLOSE in ESTABLISHED). */
    public void shutdownOutput() {
        if (appClosed) {
            throw new IllegalStateException("shutdownOutput on a closed connection " + this);
        }
        queueFin();
    }

    /**
     * Closes the connection: queued data is sent, then a FIN; the object must not be used afterwards.
     * If received data was never read, the connection is reset instead so the peer learns that data
     * was lost (RFC 1122 4.2.2.13, as Linux does).
     */
    public void close() {
        if (appClosed) {
            return;
        }
        appClosed = true;
        long nowNs = stack.nowNs();
        switch (state) {
            case CLOSED -> tcp.release(this);
            case SYN_SENT -> {
                setState(TcpState.CLOSED);
                tcp.connectionClosed(this);
                tcp.release(this);
            }
            default -> {
                if (receive != null && receive.readable() > 0) {
                    abortWithReset(nowNs);
                    return;
                }
                queueFin();
                if (state == TcpState.FIN_WAIT_2) {
                    closeAt = nowNs + config.finWait2TimeoutNs();
                    updateTimer();
                }
            }
        }
    }

    /** Resets the connection at once (RST sent, buffers dropped); the object must not be used afterwards. */
    public void abort() {
        if (state == TcpState.CLOSED) {
            close(); // nothing to reset: just give the connection back
            return;
        }
        appClosed = true;
        abortWithReset(stack.nowNs());
    }

    private void abortWithReset(long nowNs) {
        if (state.isSynchronized() || state == TcpState.SYN_RECEIVED) {
            if (state != TcpState.TIME_WAIT) {
                sendSegment(sndMax, RST | ACK, 0, nowNs);
            }
        }
        error = TcpError.ABORTED;
        terminate(nowNs);
    }

    private void queueFin() {
        if (finQueued) {
            return;
        }
        switch (state) {
            case SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT -> {
                finQueued = true;
                finSeq = dataEnd();
                setState(state == TcpState.CLOSE_WAIT ? TcpState.LAST_ACK : TcpState.FIN_WAIT_1);
                tcp.markOutput(this);
            }
            case SYN_SENT -> {
                // FIN after the handshake (RFC 9293: queue the close until ESTABLISHED).
                finQueued = true;
            }
            default -> {
                // Already closing: nothing more to do.
            }
        }
    }

    private void checkWritable() {
        if (appClosed) {
            throw new IllegalStateException("write on a closed connection " + this);
        }
        if (finQueued) {
            throw new IllegalStateException("write after shutdownOutput on " + this);
        }
        if (state == TcpState.CLOSED) {
            throw new IllegalStateException("write on a connection that is closed (" + error.message() + ") " + this);
        }
    }

    /**
     * Sets the handler. Events that happened while there was none (the handshake completing before the
     * handler was set, say) are delivered to it on this poll.
     */
    public void handler(TcpHandler handler) {
        this.handler = handler;
        if (handler != null && receive != null && (receive.readable() > 0 || peerFinReceived)) {
            events |= EVENT_READABLE;
        }
        if (handler != null && events != 0) {
            tcp.markReady(this);
        }
    }

    /** Turns Nagle's algorithm off (true) or on (RFC 9293 3.7.4). */
    public void noDelay(boolean on) {
        noDelay = on;
        if (on && state.isSynchronized()) {
            tcp.markOutput(this);
        }
    }

    public boolean noDelay() {
        return noDelay;
    }

    /** Keepalive probes after an idle time (RFC 9293 3.8.4); times come from the stack's TcpConfig. */
    public void keepAlive(boolean on) {
        keepAlive = on;
        armKeepalive(stack.nowNs());
    }

    public TcpState state() {
        return state;
    }

    public TcpError error() {
        return error;
    }

    public Endpoint localEndpoint() {
        return new Endpoint(IpAddress.ofV4(localAddress), localPort);
    }

    public Endpoint remoteEndpoint() {
        return new Endpoint(IpAddress.ofV4(remoteAddress), remotePort);
    }

    public int localPort() {
        return localPort;
    }

    public int remotePort() {
        return remotePort;
    }

    public int remoteAddress() {
        return remoteAddress;
    }

    /** Fills {@code into} with the current state and statistics; returns it. */
    public TcpInfo info(TcpInfo into) {
        into.state = state;
        into.error = error;
        into.srttNs = srttNs;
        into.rttvarNs = rttvarNs;
        into.rtoNs = rtoNs;
        into.cwndBytes = cwnd.cwnd * smss;
        into.ssthreshBytes = cwnd.ssthresh == CongestionWindow.INFINITE_SSTHRESH ? Integer.MAX_VALUE : cwnd.ssthresh * smss;
        into.sndCwnd = cwnd.cwnd;
        into.sndSsthresh = cwnd.ssthresh;
        into.congestionControl = cc == null ? config.congestionControl() : cc.name();
        into.sendMss = smss;
        into.peerWindowBytes = sndWnd;
        into.receiveWindowBytes = rcvEdge - rcvNxt;
        into.sendWindowScale = sndWscale;
        into.receiveWindowScale = rcvWscale;
        into.timestamps = tsOk;
        into.inRecovery = inRecovery;
        into.unackedBytes = sndMax - sndUna;
        into.notSentBytes = send == null ? 0 : Math.max(0, dataEnd() - sndMax);
        into.readableBytes = readableBytes();
        into.bytesSent = bytesSent;
        into.bytesRetransmitted = bytesRetransmitted;
        into.bytesAcked = bytesAcked;
        into.bytesReceived = bytesReceived;
        into.segmentsOut = segmentsOut;
        into.segmentsIn = segmentsIn;
        into.retransmits = retransmits;
        into.timeouts = timeouts;
        into.fastRetransmits = fastRetransmits;
        into.outOfOrderSegments = outOfOrderSegments;
        return into;
    }

    // =============================================================================================
    // Segment arrives (RFC 9293 3.10.7)
    // =============================================================================================

    /** Processes a segment for this connection; returns the drop reason or null. */
    Counter input(TcpSegment seg, DirectBuffer buffer, long nowNs) {
        segmentsIn++;
        lastReceiveNs = nowNs;
        keepaliveProbes = 0;
        persistUnanswered = 0;
        if (state == TcpState.SYN_SENT) {
            return inputSynSent(seg, buffer, nowNs);
        }
        return inputSynchronized(seg, buffer, nowNs);
    }

    /** RFC 9293 3.10.7.3: SYN-SENT. */
    private Counter inputSynSent(TcpSegment seg, DirectBuffer buffer, long nowNs) {
        boolean ackAcceptable = false;
        // First, check the ACK bit.
        if (seg.has(ACK)) {
            if (Seq.le(seg.ack, iss) || Seq.gt(seg.ack, sndMax)) {
                if (!seg.has(RST)) {
                    tcp.sendReset(localAddress, localPort, remoteAddress, remotePort, seg.ack, 0, false);
                }
                return Counter.TCP_DROP_BAD_ACK;
            }
            ackAcceptable = Seq.le(sndUna, seg.ack) && Seq.le(seg.ack, sndMax);
        }
        // Second, check the RST bit: acceptable only if it acknowledges our SYN (RFC 5961 3.2 / 9293).
        if (seg.has(RST)) {
            if (!ackAcceptable) {
                return Counter.TCP_DROP_BAD_RST;
            }
            error = TcpError.REFUSED;
            stack.counters().increment(Counter.TCP_ATTEMPT_FAILS);
            terminate(nowNs);
            return null;
        }
        // Fourth, check the SYN bit.
        if (!seg.has(SYN)) {
            return Counter.TCP_DROP_IGNORED;
        }
        irs = seg.seq;
        rcvNxt = seg.seq + 1;
        rcvEdge = rcvNxt;
        peerMss = seg.mss > 0 ? seg.mss : DEFAULT_PEER_MSS;
        if (seg.windowScale >= 0 && config.windowScaling()) {
            wscaleOk = true;
            sndWscale = Math.min(seg.windowScale, MAX_WINDOW_SCALE);
        } else {
            sndWscale = 0;
            rcvWscale = 0; // we offered scaling; the peer did not: neither side scales (RFC 7323 1.3)
        }
        if (seg.hasTimestamps && config.timestamps()) {
            tsOk = true;
            tsRecent = seg.tsVal;
            tsRecentAtNs = nowNs;
        }
        sndWnd = seg.window; // unscaled in a SYN
        maxSndWnd = sndWnd;
        sndWl1 = seg.seq;
        sndWl2 = seg.ack;
        if (ackAcceptable) {
            acknowledgeSyn(seg.ack, nowNs);
            established(nowNs);
            if (finQueued) {
                finQueued = false;
                queueFin();
            }
            ackNow = true;
            tcp.markOutput(this);
            // Data in a SYN-ACK is rare; RFC 9293 says to continue at the sixth step.
            if (seg.payloadLength > 0 || seg.has(FIN)) {
                seg.flags &= ~SYN;
                seg.seq += 1;
                processText(seg, buffer, nowNs);
            }
            return null;
        }
        // Simultaneous open (RFC 9293 figure 8): our SYN crossed theirs.
        setState(TcpState.SYN_RECEIVED);
        sndNxt = iss;
        sendSyn(nowNs); // SYN-ACK now, since state is SYN-RECEIVED
        return null;
    }

    /** The SYN's sequence number is acknowledged: take an RTT sample from the handshake if clean. */
    private void acknowledgeSyn(int ack, long nowNs) {
        synAcked = true;
        sndUna = ack;
        if (Seq.lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        if (timing && Seq.gt(ack, timedSeq)) {
            sampleRtt(nowNs - timedAtNs);
            timing = false;
        }
    }

    /** RFC 9293 3.10.7.4: SYN-RECEIVED and every synchronized state. */
    private Counter inputSynchronized(TcpSegment seg, DirectBuffer buffer, long nowNs) {
        // PAWS (RFC 7323 5.3), before the sequence check: an old timestamp marks an old duplicate.
        if (tsOk && seg.hasTimestamps && !seg.has(RST) && Seq.lt(seg.tsVal, tsRecent)
            && nowNs - tsRecentAtNs < TS_RECENT_VALID_NS) {
            sendAckNow(nowNs);
            return Counter.TCP_DROP_PAWS;
        }
        // A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost; send it again (as Linux does).
        if (state == TcpState.SYN_RECEIVED && seg.has(SYN) && !seg.has(ACK) && seg.seq == irs) {
            sendSegment(iss, SYN | ACK, 0, nowNs);
            retransmits++;
            stack.counters().increment(Counter.TCP_RETRANS_SEGS);
            return null;
        }

        // First, check the sequence number.
        int window = rcvEdge - rcvNxt;
        if (window < 0) {
            window = 0;
        }
        if (!acceptable(seg.seq, seg.sequenceLength(), window)) {
            if (!seg.has(RST)) {
                if (state == TcpState.TIME_WAIT && seg.has(FIN)) {
                    closeAt = nowNs + config.timeWaitNs(); // a retransmitted FIN restarts 2 MSL
                    updateTimer();
                }
                ackUnacceptable(seg, nowNs);
            }
            return Counter.TCP_DROP_UNACCEPTABLE;
        }

        // Second, check the RST bit (RFC 5961 3.2): only an exact match resets; else challenge.
        if (seg.has(RST)) {
            if (seg.seq != rcvNxt) {
                challengeAck(nowNs);
                return Counter.TCP_DROP_BAD_RST;
            }
            resetByPeer(nowNs);
            return null;
        }

        trimToWindow(seg, window);

        // Fourth, check the SYN bit (RFC 5961 4.2): any SYN here gets a challenge ACK.
        if (seg.has(SYN)) {
            challengeAck(nowNs);
            return Counter.TCP_DROP_BAD_SYN;
        }

        // Fifth, check the ACK field.
        if (!seg.has(ACK)) {
            return Counter.TCP_DROP_NO_ACK;
        }
        if (state == TcpState.SYN_RECEIVED) {
            if (Seq.lt(sndUna, seg.ack) && Seq.le(seg.ack, sndMax)) {
                acknowledgeSyn(seg.ack, nowNs);
                sndWnd = seg.window << sndWscale;
                maxSndWnd = Math.max(maxSndWnd, sndWnd);
                sndWl1 = seg.seq;
                sndWl2 = seg.ack;
                established(nowNs);
                if (state == TcpState.CLOSED) {
                    return null; // its listener had closed: reset
                }
                if (finQueued) {
                    setState(TcpState.FIN_WAIT_1);
                }
            } else {
                tcp.sendReset(localAddress, localPort, remoteAddress, remotePort, seg.ack, 0, false);
                return Counter.TCP_DROP_BAD_ACK;
            }
        }
        updateTsRecent(seg, nowNs);
        Counter ackResult = processAck(seg, nowNs);
        if (ackResult != null) {
            return ackResult;
        }
        boolean finAcked = finQueued && Seq.gt(sndUna, finSeq);
        switch (state) {
            case FIN_WAIT_1 -> {
                if (finAcked) {
                    setState(TcpState.FIN_WAIT_2);
                    if (appClosed) {
                        closeAt = nowNs + config.finWait2TimeoutNs();
                        updateTimer();
                    }
                }
            }
            case CLOSING -> {
                if (finAcked) {
                    enterTimeWait(nowNs);
                }
                return null;
            }
            case LAST_ACK -> {
                if (finAcked) {
                    terminate(nowNs);
                }
                return null;
            }
            case TIME_WAIT -> {
                if (seg.has(FIN)) {
                    ackNow = true;
                    closeAt = nowNs + config.timeWaitNs();
                    updateTimer();
                    tcp.markOutput(this);
                }
                return null;
            }
            default -> {
                // ESTABLISHED, FIN-WAIT-2, CLOSE-WAIT: nothing more at this step.
            }
        }
        // Sixth, the URG bit: urgent data is delivered inline (as SO_OOBINLINE); the pointer is ignored.
        // Seventh and eighth: the segment text and the FIN.
        processText(seg, buffer, nowNs);
        return null;
    }

    /** RFC 9293 3.10.7.4 table of the four acceptability cases. */
    private boolean acceptable(int seq, int length, int window) {
        if (window == 0) {
            // Zero window: only a segment at RCV.NXT (its ACK, RST and FIN still count; data is trimmed).
            return seq == rcvNxt;
        }
        int end = rcvNxt + window;
        if (length == 0) {
            return Seq.inRange(seq, rcvNxt, end);
        }
        return Seq.inRange(seq, rcvNxt, end) || Seq.inRange(seq + length - 1, rcvNxt, end);
    }

    /** Cuts what lies before RCV.NXT or past the window from the segment (RFC 9293 3.10.7.4, first). */
    private void trimToWindow(TcpSegment seg, int window) {
        int before = rcvNxt - seg.seq;
        if (before > 0) {
            if (seg.has(SYN)) {
                seg.flags &= ~SYN;
                before--;
                seg.seq++;
            }
            int cut = Math.min(before, seg.payloadLength);
            seg.payloadOffset += cut;
            seg.payloadLength -= cut;
            seg.seq += cut;
        }
        int past = seg.seq + seg.payloadLength - (rcvNxt + window);
        if (past > 0 || (past == 0 && seg.has(FIN) && window == 0)) {
            seg.payloadLength -= Math.min(Math.max(past, 0), seg.payloadLength);
            seg.flags &= ~FIN; // the FIN lies past the window too
            ackNow = true; // tell the sender our window now (this answers zero-window probes too)
            tcp.markOutput(this);
        }
    }

    /** RFC 7323 4.3: TS.Recent follows the timestamps of segments at or before Last.ACK.sent. */
    private void updateTsRecent(TcpSegment seg, long nowNs) {
        if (tsOk && seg.hasTimestamps && Seq.ge(seg.tsVal, tsRecent) && Seq.le(seg.seq, lastAckSent)) {
            tsRecent = seg.tsVal;
            tsRecentAtNs = nowNs;
        }
    }

    /** RFC 9293 3.10.7.4 fifth (ESTABLISHED): acknowledgment, window update, loss recovery. */
    private Counter processAck(TcpSegment seg, long nowNs) {
        int ack = seg.ack;
        if (Seq.gt(ack, sndMax)) {
            // Acknowledges something not yet sent: ACK and drop.
            sendAckNow(nowNs);
            return Counter.TCP_DROP_BAD_ACK;
        }
        if (Seq.lt(ack, sndUna - maxSndWnd)) {
            // Too old to be a legitimate duplicate (RFC 5961 5.2): challenge and drop.
            challengeAck(nowNs);
            return Counter.TCP_DROP_BAD_ACK;
        }
        int window = seg.window << sndWscale;
        boolean windowUpdated = false;
        if (Seq.lt(sndWl1, seg.seq) || (sndWl1 == seg.seq && Seq.le(sndWl2, ack))) {
            windowUpdated = window != sndWnd;
            sndWnd = window;
            sndWl1 = seg.seq;
            sndWl2 = ack;
            maxSndWnd = Math.max(maxSndWnd, window);
            if (window > 0 && persistMode) {
                persistMode = false;
                persistProbes = 0;
                retransmitAt = Deadlines.NONE;
            }
            if (windowUpdated) {
                tcp.markOutput(this);
            }
        }
        if (Seq.gt(ack, sndUna)) {
            newDataAcknowledged(ack, nowNs);
        } else if (ack == sndUna && seg.payloadLength == 0 && !seg.has(SYN) && !seg.has(FIN) && !windowUpdated
            && sndMax != sndUna) {
            duplicateAck(nowNs);
        }
        return null;
    }

    private void newDataAcknowledged(int ack, long nowNs) {
        int acked = ack - sndUna;
        int flightBefore = sndMax - sndUna;
        if (timing && Seq.gt(ack, timedSeq)) {
            sampleRtt(nowNs - timedAtNs);
            timing = false;
        }
        int dataAcked = Math.min(acked, send.size());
        send.consume(dataAcked);
        bytesAcked += dataAcked;
        sndUna = ack;
        if (Seq.lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        retries = 0;
        limitedTransmitBytes = 0;
        if (inRecovery) {
            if (Seq.gt(ack, recover)) {
                // Full acknowledgment (RFC 6582 step 3): leave recovery.
                inRecovery = false;
                dupAcks = 0;
                cwnd.cwnd = Math.min(cwnd.ssthresh, Math.max(packets(sndMax - sndUna), 1) + 1);
                cwnd.cwndCount = 0;
            } else {
                // Partial acknowledgment: the next hole was lost too; retransmit it at once.
                stack.counters().increment(Counter.TCP_RECOVERY_PARTIAL_ACKS);
                cwnd.cwnd = Math.max(1, cwnd.cwnd - packets(acked) + (acked >= smss ? 1 : 0));
                retransmitFirst(nowNs);
                if (!partialAckSeen) {
                    partialAckSeen = true;
                    retransmitAt = nowNs + rtoNs; // RFC 6582 step 5: reset the timer on the first one
                }
            }
        } else {
            dupAcks = 0;
            cwnd.cwndLimited = true;
            cc.congestionAvoidance(cwnd, ack, packets(Math.min(acked, flightBefore)), nowNs);
        }
        // RFC 6298 5.2/5.3: stop the timer when all is acknowledged, else restart it.
        if (sndUna == sndMax) {
            if (!persistMode) {
                retransmitAt = Deadlines.NONE;
            }
        } else if (!inRecovery || !partialAckSeen) {
            retransmitAt = nowNs + rtoNs;
        }
        updateTimer();
        if (writeBlocked && send.free() > 0) {
            writeBlocked = false;
            raise(EVENT_WRITABLE);
        }
        tcp.markOutput(this);
    }

    /** RFC 5681 3.2 and RFC 6582: duplicate ACKs, limited transmit, fast retransmit. */
    private void duplicateAck(long nowNs) {
        dupAcks++;
        if (inRecovery) {
            cwnd.cwnd++;
            tcp.markOutput(this);
            return;
        }
        if (dupAcks < 3) {
            // Limited transmit (RFC 3042): one new segment per duplicate ACK.
            limitedTransmitBytes = dupAcks * smss;
            tcp.markOutput(this);
            return;
        }
        if (dupAcks == 3 && Seq.gt(sndUna, recover)) {
            // Fast retransmit (RFC 6582 step 2: only if the cumulative ACK covers more than "recover").
            recover = sndMax - 1;
            inRecovery = true;
            partialAckSeen = false;
            limitedTransmitBytes = 0;
            cwnd.ssthresh = cc.ssthresh(cwnd);
            cwnd.cwnd = cwnd.ssthresh + 3;
            fastRetransmits++;
            stack.counters().increment(Counter.TCP_FAST_RETRANSMITS);
            timing = false; // Karn: the timed segment may be the one retransmitted
            retransmitFirst(nowNs);
            tcp.markOutput(this);
        }
    }

    /** Seventh and eighth steps: the segment's data, then its FIN. */
    private void processText(TcpSegment seg, DirectBuffer buffer, long nowNs) {
        if (seg.payloadLength > 0) {
            switch (state) {
                case ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2 -> {
                    if (appClosed) {
                        // Data after close(): the application will never read it (RFC 1122 4.2.2.13).
                        stack.counters().increment(Counter.TCP_ESTAB_RESETS);
                        abortWithReset(nowNs);
                        return;
                    }
                    receiveData(seg, buffer, nowNs);
                }
                default -> {
                    // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer already sent its FIN.
                }
            }
        }
        if (seg.has(FIN) && state != TcpState.CLOSED) {
            int fin = seg.seq + seg.payloadLength;
            if (fin == rcvNxt) {
                processFin(nowNs);
            } else if (Seq.gt(fin, rcvNxt)) {
                peerFinPending = true; // after a hole: processed when the data before it arrives
                peerFinSeq = fin;
                ackNow = true;
                tcp.markOutput(this);
            }
        }
    }

    private void receiveData(TcpSegment seg, DirectBuffer buffer, long nowNs) {
        int at = seg.seq - rcvNxt;
        int length = seg.payloadLength;
        boolean holesBefore = receive.ranges() > 0;
        int advanced = receive.insert(at, buffer, seg.payloadOffset, length);
        if (advanced < 0) {
            stack.counters().increment(Counter.TCP_OUT_OF_ORDER_DROPPED);
            ackNow = true;
            tcp.markOutput(this);
            return;
        }
        if (advanced == 0) {
            // Out of order: an immediate duplicate ACK tells the sender (RFC 5681 4.2).
            outOfOrderSegments++;
            stack.counters().increment(Counter.TCP_OUT_OF_ORDER_QUEUED);
            ackNow = true;
            tcp.markOutput(this);
            return;
        }
        rcvNxt += advanced;
        bytesReceived += advanced;
        raise(EVENT_READABLE);
        if (peerFinPending && rcvNxt == peerFinSeq) {
            processFin(nowNs);
            return;
        }
        unackedReceivedBytes += advanced;
        if (holesBefore || !config.delayedAck() || unackedReceivedBytes >= 2 * advertisedMssForAck()) {
            // Filling a hole, or a second full-sized segment: ACK now (RFC 5681 4.2, RFC 9293 3.8.6.3).
            ackNow = true;
        } else if (delayedAckAt == Deadlines.NONE) {
            delayedAckAt = nowNs + config.delayedAckNs();
            updateTimer();
        }
        tcp.markOutput(this);
    }

    private int advertisedMssForAck() {
        return advertisedMss - (tsOk ? TIMESTAMP_OPTION_BYTES : 0);
    }

    /** The peer's FIN, all data before it received (RFC 9293 3.10.7.4, eighth). */
    private void processFin(long nowNs) {
        peerFinPending = false;
        peerFinReceived = true;
        rcvNxt += 1;
        ackNow = true;
        tcp.markOutput(this);
        raise(EVENT_READABLE);
        switch (state) {
            case SYN_RECEIVED, ESTABLISHED -> setState(TcpState.CLOSE_WAIT);
            case FIN_WAIT_1 -> {
                if (Seq.gt(sndUna, finSeq)) {
                    enterTimeWait(nowNs);
                } else {
                    setState(TcpState.CLOSING);
                }
            }
            case FIN_WAIT_2 -> enterTimeWait(nowNs);
            case TIME_WAIT -> {
                closeAt = nowNs + config.timeWaitNs();
                updateTimer();
            }
            default -> {
                // CLOSE-WAIT, CLOSING, LAST-ACK: remain.
            }
        }
    }

    private void enterTimeWait(long nowNs) {
        setState(TcpState.TIME_WAIT);
        retransmitAt = Deadlines.NONE;
        persistMode = false;
        keepaliveAt = Deadlines.NONE;
        closeAt = nowNs + config.timeWaitNs();
        updateTimer();
    }

    /** An acceptable reset (RFC 9293 3.10.7.4 second, per state). */
    private void resetByPeer(long nowNs) {
        switch (state) {
            case SYN_RECEIVED -> {
                stack.counters().increment(Counter.TCP_ATTEMPT_FAILS);
                error = active ? TcpError.REFUSED : TcpError.RESET;
            }
            case ESTABLISHED, CLOSE_WAIT -> {
                stack.counters().increment(Counter.TCP_ESTAB_RESETS);
                error = TcpError.RESET;
            }
            case FIN_WAIT_1, FIN_WAIT_2 -> error = TcpError.RESET;
            default -> {
                // CLOSING, LAST-ACK, TIME-WAIT: the close completes.
            }
        }
        terminate(nowNs);
    }

    /** ICMP destination unreachable for one of our segments (already checked to be in flight). */
    void icmpUnreachable(int code, int mtu, long nowNs) {
        if (mtu > 0) {
            stack.ipv4().lowerPathMtu(remoteAddress, mtu, nowNs);
            int pathMtu = stack.ipv4().pathMtu(remoteAddress, nowNs);
            int newSmss = clampMss(Math.min(peerMss, pathMtu - 40)) - (tsOk ? TIMESTAMP_OPTION_BYTES : 0);
            if (state.isSynchronized() && newSmss < smss) {
                // Resend what is in flight in smaller segments, without a congestion response (RFC 1191 6.5).
                smss = newSmss;
                cwnd.cwnd = Math.max(cwnd.cwnd, 1);
                stack.counters().increment(Counter.TCP_PMTU_REDUCTIONS);
                sndNxt = sndUna;
                tcp.markOutput(this);
            }
            return;
        }
        // Protocol or port unreachable while connecting is a hard error (RFC 1122 4.2.3.9); later it is
        // soft (RFC 5461): an established connection carries on.
        if (state == TcpState.SYN_SENT && (code == 2 || code == 3)) {
            error = TcpError.UNREACHABLE;
            stack.counters().increment(Counter.TCP_ATTEMPT_FAILS);
            terminate(nowNs);
        }
    }

    /**
     * RFC 6191 and RFC 1122 4.2.2.13: a new SYN may end TIME-WAIT if it cannot be confused with the old
     * connection: its timestamp is newer, or (without timestamps) its sequence number is past RCV.NXT.
     */
    boolean acceptsNewSyn(TcpSegment seg) {
        if (tsOk && seg.hasTimestamps) {
            return Seq.gt(seg.tsVal, tsRecent);
        }
        return Seq.gt(seg.seq, rcvNxt);
    }

    void endTimeWait(long nowNs) {
        terminate(nowNs);
    }

    boolean sequenceInFlight(int seq) {
        return Seq.le(sndUna, seq) && Seq.lt(seq, sndMax) || (state == TcpState.SYN_SENT && seq == iss);
    }

    // =============================================================================================
    // Output: what to send now
    // =============================================================================================

    /** Sends whatever the windows, Nagle and the FIN allow, then a pure ACK if one is owed. */
    void output(long nowNs) {
        if (state == TcpState.CLOSED || state == TcpState.SYN_SENT || state == TcpState.LISTEN) {
            return;
        }
        if (state == TcpState.SYN_RECEIVED || state == TcpState.TIME_WAIT) {
            if (ackNow) {
                sendAckNow(nowNs);
            }
            return;
        }
        // RFC 5681 4.1: after an idle period longer than the RTO, restart from the initial window.
        if (sndMax == sndUna && nowNs - lastSendNs > rtoNs && dataEnd() != sndNxt) {
            cwnd.cwnd = Math.min(cwnd.cwnd, config.initialWindowSegments());
        }
        boolean sent = false;
        while (true) {
            int dataEnd = dataEnd();
            int unsent = Math.max(0, dataEnd - sndNxt);
            int window = Math.min(sndWnd, cwnd.cwnd * smss + limitedTransmitBytes);
            int usable = sndUna + window - sndNxt;
            int maxSegment = tsoLimit();
            int length = Math.min(unsent, Math.max(0, Math.min(usable, maxSegment)));
            boolean fin = finQueued && sndNxt + length == finSeq && Seq.le(sndNxt, finSeq) && usable > length;
            if (length == 0 && !fin) {
                break;
            }
            if (length > 0 && !fin && length < smss) {
                boolean allQueued = length == unsent;
                boolean nothingInFlight = sndNxt == sndUna;
                // Nagle (RFC 9293 3.7.4) and sender silly-window avoidance (RFC 9293 3.8.6.2.1): a short
                // segment goes only if it empties the queue and nothing is in flight (or Nagle is off),
                // or it fills at least half the largest window the peer has offered.
                boolean nagleAllows = allQueued && (noDelay || nothingInFlight);
                boolean halfWindow = length >= maxSndWnd / 2 && maxSndWnd > 0 && nothingInFlight;
                if (!nagleAllows && !halfWindow) {
                    break;
                }
            }
            if (length > smss && length % smss != 0) {
                // A super-segment carries whole segments; a partial tail rides along only where a lone
                // partial segment could be sent (end of the queue, Nagle satisfied).
                boolean tailAllowed = length == unsent && (noDelay || sndNxt == sndUna);
                if (!tailAllowed) {
                    length -= length % smss;
                    fin = false;
                }
            }
            boolean retransmission = Seq.lt(sndNxt, sndMax);
            int flags = ACK | (fin ? FIN : 0) | (length > 0 && sndNxt + length == dataEnd ? PSH : 0);
            if (!sendSegment(sndNxt, flags, length, nowNs)) {
                break; // no frame: resume on a later poll
            }
            if (retransmission) {
                retransmits++;
                bytesRetransmitted += length;
                stack.counters().increment(Counter.TCP_RETRANS_SEGS);
            } else {
                bytesSent += length;
                if (!timing) {
                    timing = true;
                    timedSeq = sndNxt;
                    timedAtNs = nowNs;
                }
            }
            if (limitedTransmitBytes > 0) {
                limitedTransmitBytes = Math.max(0, limitedTransmitBytes - length);
            }
            sndNxt += length + (fin ? 1 : 0);
            if (Seq.gt(sndNxt, sndMax)) {
                sndMax = sndNxt;
            }
            if (retransmitAt == Deadlines.NONE || persistMode) {
                persistMode = false;
                retransmitAt = nowNs + rtoNs; // RFC 6298 5.1
            }
            sent = true;
        }
        // Zero window with data waiting and nothing in flight: probe it (persist timer).
        if (!sent && sndWnd == 0 && dataEnd() - sndNxt > 0 && sndMax == sndUna && retransmitAt == Deadlines.NONE) {
            persistMode = true;
            retransmitAt = nowNs + persistInterval();
        }
        if (!sent && ackNow) {
            sendAckNow(nowNs);
        }
        updateTimer();
    }

    /** The MSS after the socket's clamp (TCP_MAXSEG), if it has one. */
    private int clampMss(int mss) {
        return config.maxSegmentSize() > 0 ? Math.min(mss, config.maxSegmentSize()) : mss;
    }

    /** Packets (full segments, rounded up) in {@code bytes}. */
    private int packets(int bytes) {
        return (bytes + smss - 1) / smss;
    }

    /** Sequence number after the last byte the application queued. */
    private int dataEnd() {
        return sndUna + send.size() + (synAcked ? 0 : 1);
    }

    /** Largest payload for one segment: the MSS, or a TSO super-segment when the device offers it. */
    private int tsoLimit() {
        int limit = tcp.maxTsoPayload(smss);
        return Math.max(smss, limit);
    }

    /** Retransmits one segment at SND.UNA (fast retransmit, partial ACK). */
    private void retransmitFirst(long nowNs) {
        int length = Math.min(smss, Math.max(0, dataEnd() - sndUna));
        boolean fin = finQueued && sndUna + length == finSeq && Seq.lt(finSeq, sndMax);
        if (length == 0 && !fin) {
            return;
        }
        int flags = ACK | (fin ? FIN : 0);
        if (sendSegment(sndUna, flags, length, nowNs)) {
            retransmits++;
            bytesRetransmitted += length;
            stack.counters().increment(Counter.TCP_RETRANS_SEGS);
            if (Seq.lt(sndNxt, sndUna + length + (fin ? 1 : 0))) {
                sndNxt = sndUna + length + (fin ? 1 : 0);
            }
        }
    }

    /**
     * A pure ACK now (also the reply to unacceptable segments). It carries SND.MAX, not SND.NXT: after a
     * timeout rewound SND.NXT, a segment without data must still carry the next unsent octet, or the peer,
     * which already holds more, finds it below RCV.NXT and ignores its ACK (as BSD's tcp_output notes).
     */
    private void sendAckNow(long nowNs) {
        if (state == TcpState.CLOSED) {
            return;
        }
        int seq = state == TcpState.SYN_RECEIVED ? iss + 1 : sndMax;
        sendSegment(seq, ACK, 0, nowNs);
    }

    /**
     * The ACK owed for an unacceptable segment: always for data (the sender needs it to recover), rate
     * limited for a bare ACK, so two confused peers cannot ping-pong ACKs (Linux: tcp_oow_rate_limited).
     */
    private void ackUnacceptable(TcpSegment seg, long nowNs) {
        if (seg.payloadLength == 0 && !seg.has(SYN) && !seg.has(FIN)) {
            if (nowNs - lastOutOfWindowAckNs < config.challengeAckIntervalNs()) {
                return;
            }
            lastOutOfWindowAckNs = nowNs;
        }
        sendAckNow(nowNs);
    }

    /** RFC 5961 section 7: challenge ACKs, at most one per interval per connection. */
    private void challengeAck(long nowNs) {
        if (nowNs - lastChallengeAckNs < config.challengeAckIntervalNs()) {
            return;
        }
        lastChallengeAckNs = nowNs;
        stack.counters().increment(Counter.TCP_CHALLENGE_ACKS);
        sendAckNow(nowNs);
    }

    /** True if the receive window grew enough since it was last advertised to be worth an ACK. */
    private boolean windowUpdateWorthSending() {
        int free = receiveBufferBytes - receive.readable();
        int advertised = rcvEdge - rcvNxt;
        return free - Math.max(advertised, 0) >= swsThreshold();
    }

    /** Receiver silly-window avoidance step: min(buffer / 2, MSS) (RFC 9293 3.8.6.2.2). */
    private int swsThreshold() {
        return Math.min(receiveBufferBytes / 2, Math.max(1, advertisedMss));
    }

    /** The window field to send, scaled; moves the advertised right edge (never left). */
    private int selectWindow() {
        int free = Math.max(0, receiveBufferBytes - receive.readable());
        int current = Math.max(0, rcvEdge - rcvNxt);
        int candidate = free - current >= swsThreshold() || free == 0 && current == 0 ? free : current;
        candidate = Math.max(candidate, current);
        int scaled = candidate >> rcvWscale;
        if ((scaled << rcvWscale) < current) {
            scaled = (current + (1 << rcvWscale) - 1) >> rcvWscale; // round up: a scaled window never shrinks
        }
        scaled = Math.min(scaled, 0xFFFF);
        rcvEdge = rcvNxt + (scaled << rcvWscale);
        return scaled;
    }

    // =============================================================================================
    // Timers
    // =============================================================================================

    @Override
    public void onTimer(int timerHandle, long nowNs) {
        if (Deadlines.expired(closeAt, nowNs)) {
            closeAt = Deadlines.NONE;
            terminate(nowNs); // TIME-WAIT over, or FIN-WAIT-2 timed out
            return;
        }
        if (Deadlines.expired(retransmitAt, nowNs)) {
            retransmitAt = Deadlines.NONE;
            if (persistMode) {
                persistTimeout(nowNs);
            } else {
                retransmissionTimeout(nowNs);
            }
            if (state == TcpState.CLOSED) {
                return;
            }
        }
        if (Deadlines.expired(delayedAckAt, nowNs)) {
            delayedAckAt = Deadlines.NONE;
            if (unackedReceivedBytes > 0 || ackNow) {
                stack.counters().increment(Counter.TCP_DELAYED_ACKS);
                ackNow = true;
                tcp.markOutput(this);
            }
        }
        if (Deadlines.expired(keepaliveAt, nowNs)) {
            keepaliveAt = Deadlines.NONE;
            keepaliveTimeout(nowNs);
            if (state == TcpState.CLOSED) {
                return;
            }
        }
        updateTimer();
    }

    /** RFC 6298 5.4-5.7 and RFC 5681 eq. 4: back off, shrink the window, go back to SND.UNA. */
    private void retransmissionTimeout(long nowNs) {
        retries++;
        timeouts++;
        stack.counters().increment(Counter.TCP_TIMEOUTS);
        timing = false; // Karn's rule
        rtoNs = Math.min(rtoNs * 2, config.rtoMaxNs());
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
            synLost = true;
            if (retries > config.synRetries()) {
                error = TcpError.TIMED_OUT;
                stack.counters().increment(Counter.TCP_ATTEMPT_FAILS);
                terminate(nowNs);
                return;
            }
            retransmits++;
            stack.counters().increment(Counter.TCP_RETRANS_SEGS);
            sndNxt = iss;
            sendSyn(nowNs);
            return;
        }
        if (retries > config.maxRetransmissions()) {
            error = TcpError.TIMED_OUT;
            stack.counters().increment(Counter.TCP_RETRANSMIT_TIMEOUTS_ABORT);
            if (state.countsAsEstablished()) {
                stack.counters().increment(Counter.TCP_ESTAB_RESETS);
            }
            sendSegment(sndMax, RST | ACK, 0, nowNs);
            terminate(nowNs);
            return;
        }
        cwnd.ssthresh = cc.ssthresh(cwnd);
        cwnd.cwnd = 1;
        cwnd.cwndCount = 0;
        inRecovery = false;
        dupAcks = 0;
        limitedTransmitBytes = 0;
        recover = sndMax - 1; // RFC 6582 step 4 after a timeout: the highest sequence number sent
        sndNxt = sndUna;
        tcp.markOutput(this);
    }

    /** Zero-window probe: a segment below SND.UNA that the peer must ACK with its window (as Linux). */
    private void persistTimeout(long nowNs) {
        if (sndWnd > 0 || dataEnd() == sndNxt) {
            persistMode = false;
            persistProbes = 0;
            tcp.markOutput(this);
            return;
        }
        // RFC 1122 4.2.2.17: a peer that answers the probes may keep its window closed for ever; one that
        // stops answering is gone.
        if (persistUnanswered > config.maxRetransmissions()) {
            error = TcpError.TIMED_OUT;
            sendSegment(sndMax, RST | ACK, 0, nowNs);
            terminate(nowNs);
            return;
        }
        persistProbes++;
        persistUnanswered++;
        stack.counters().increment(Counter.TCP_ZERO_WINDOW_PROBES);
        sendSegment(sndUna - 1, ACK, 0, nowNs);
        persistMode = true;
        retransmitAt = nowNs + persistInterval();
    }

    private long persistInterval() {
        long interval = Math.max(rtoNs, config.rtoMinNs()) << Math.min(persistProbes, 20);
        return Math.min(Math.max(interval, config.rtoMinNs()), config.rtoMaxNs());
    }

    private void keepaliveTimeout(long nowNs) {
        if (!keepAlive || !(state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT)) {
            return;
        }
        long idle = nowNs - lastReceiveNs;
        if (idle < config.keepAliveIdleNs()) {
            keepaliveAt = lastReceiveNs + config.keepAliveIdleNs();
            return;
        }
        if (sndMax != sndUna) {
            keepaliveAt = nowNs + config.keepAliveIntervalNs(); // data in flight: the RTO watches the peer
            return;
        }
        if (keepaliveProbes >= config.keepAliveProbes()) {
            error = TcpError.TIMED_OUT;
            stack.counters().increment(Counter.TCP_KEEPALIVE_TIMEOUTS);
            stack.counters().increment(Counter.TCP_ESTAB_RESETS);
            sendSegment(sndMax, RST | ACK, 0, nowNs);
            terminate(nowNs);
            return;
        }
        keepaliveProbes++;
        stack.counters().increment(Counter.TCP_KEEPALIVE_PROBES);
        sendSegment(sndUna - 1, ACK, 0, nowNs); // RFC 9293 3.8.4: SEG.SEQ = SND.NXT-1, no data
        keepaliveAt = nowNs + config.keepAliveIntervalNs();
    }

    private void armKeepalive(long nowNs) {
        if (keepAlive && (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT)) {
            keepaliveAt = lastReceiveNs + config.keepAliveIdleNs();
            keepaliveProbes = 0;
        } else {
            keepaliveAt = Deadlines.NONE;
        }
        updateTimer();
    }

    /** Tells the stack's timer queue about the earliest deadline (lazily: only when it moves earlier). */
    private void updateTimer() {
        long next = Deadlines.earliest(Deadlines.earliest(retransmitAt, delayedAckAt),
            Deadlines.earliest(keepaliveAt, closeAt));
        if (next == Deadlines.NONE) {
            return; // a stale entry only wakes us once for nothing
        }
        long scheduled = tcp.timers().deadlineOf(handle);
        if (scheduled == Deadlines.NONE || next - scheduled < 0) {
            tcp.timers().schedule(handle, next);
        }
    }

    /** RFC 6298 2.2-2.4 with the RTO floor and ceiling of the config. */
    private void sampleRtt(long sampleNs) {
        long r = Math.max(sampleNs, 1);
        if (!rttMeasured) {
            srttNs = r;
            rttvarNs = r / 2;
            rttMeasured = true;
        } else {
            rttvarNs = (3 * rttvarNs + Math.abs(srttNs - r)) / 4;
            srttNs = (7 * srttNs + r) / 8;
        }
        long rto = srttNs + Math.max(1_000, 4 * rttvarNs);
        rtoNs = Math.min(Math.max(rto, config.rtoMinNs()), config.rtoMaxNs());
    }

    // =============================================================================================
    // State changes, closing, events
    // =============================================================================================

    private void setState(TcpState next) {
        boolean was = state.countsAsEstablished();
        boolean is = next.countsAsEstablished();
        if (was != is) {
            stack.counters().add(Counter.TCP_CURR_ESTAB, is ? 1 : -1);
        }
        state = next;
    }

    /** Enters CLOSED: out of the table, timers off, the application told. */
    private void terminate(long nowNs) {
        if (state == TcpState.CLOSED) {
            return;
        }
        TcpState was = state;
        setState(TcpState.CLOSED);
        retransmitAt = delayedAckAt = keepaliveAt = closeAt = Deadlines.NONE;
        persistMode = false;
        tcp.timers().cancel(handle);
        tcp.connectionClosed(this);
        if (was == TcpState.SYN_RECEIVED && !active) {
            // A half-open passive connection the application never saw: back to LISTEN, silently.
            if (listener != null) {
                listener.halfOpenEnded();
            }
            tcp.release(this);
            return;
        }
        raise(EVENT_CLOSED);
        if (appClosed) {
            freeAfterDispatch = true;
        }
    }

    void markAccepted() {
        listener = null;
    }

    private void raise(int event) {
        events |= event;
        tcp.markReady(this);
    }

    /** Delivers pending events to the handler; then frees the connection if it is finished. */
    void dispatch() {
        TcpHandler h = handler;
        if (h == null && !appClosed && !freeAfterDispatch) {
            return; // keep the events for the handler to come
        }
        int e = events;
        events = 0;
        if (h != null && !appClosed) {
            if ((e & EVENT_CONNECTED) != 0) {
                h.onConnected(this);
            }
            if ((e & EVENT_READABLE) != 0 && !appClosed) {
                h.onReadable(this);
            }
            if ((e & EVENT_WRITABLE) != 0 && !appClosed && state != TcpState.CLOSED) {
                h.onWritable(this);
            }
            if ((e & EVENT_CLOSED) != 0 && !appClosed) {
                h.onClosed(this);
            }
        }
        if (freeAfterDispatch || (appClosed && state == TcpState.CLOSED)) {
            freeAfterDispatch = false;
            tcp.release(this);
        }
    }

    // =============================================================================================
    // Segment building
    // =============================================================================================

    /** Builds and sends one segment (header, options, {@code length} bytes from SND.UNA+offset). */
    private boolean sendSegment(int seq, int flags, int length, long nowNs) {
        boolean syn = (flags & SYN) != 0;
        int mss = syn ? advertisedMss : -1;
        int wscale = syn && (active ? config.windowScaling() : wscaleOk) ? rcvWscale : -1;
        boolean ts = syn ? (active ? config.timestamps() : tsOk) : tsOk;
        int window;
        if (syn) {
            window = Math.min(receiveBufferBytes, 0xFFFF);
            rcvEdge = rcvNxt + window;
        } else if ((flags & RST) != 0 && (flags & ACK) == 0) {
            window = 0;
        } else {
            window = selectWindow();
        }
        int tsVal = (int) (nowNs / 1_000_000) + tsOffset;
        int dataOffset = seq - sndUna - (synAcked ? 0 : 1);
        boolean sent = tcp.emit(this, seq, syn && state == TcpState.SYN_SENT ? 0 : rcvNxt, flags, window, mss, wscale, ts,
            tsVal, syn && active ? 0 : tsRecent, send, dataOffset, length, smss, nowNs);
        if (!sent) {
            tcp.markOutput(this);
            return false;
        }
        segmentsOut++;
        lastSendNs = nowNs;
        if ((flags & ACK) != 0) {
            lastAckSent = rcvNxt;
            ackNow = false;
            unackedReceivedBytes = 0;
            delayedAckAt = Deadlines.NONE;
        }
        return true;
    }

    @Override
    public String toString() {
        return "tcp " + IpAddress.v4ToString(localAddress) + ":" + localPort + "<->" + IpAddress.v4ToString(remoteAddress)
            + ":" + remotePort + " " + state;
    }
}
