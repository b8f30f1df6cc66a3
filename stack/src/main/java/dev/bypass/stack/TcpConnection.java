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
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One TCP connection (RFC 9293): its state machine, its send and receive buffers and its timers.
 *
 * <p>Reading order: the application's calls (write, read, close), then {@link #input} — the "segment
 * arrives" steps of RFC 9293 section 3.10.7 in their order — then {@link #output}, which decides what to
 * send (window, congestion window, Nagle, the cork, silly-window avoidance, FIN), then the timers
 * (retransmission with RFC 6298 backoff, persist and probe, delayed ACK, keepalive, TIME-WAIT) and finally
 * segment building.
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
    private static final int MAX_SACK_BLOCKS = 4;
    /** Push marks kept for unsent data; when full the oldest merges away (PSH is only a hint). */
    private static final int MAX_PUSH_MARKS = 64;
    /** Linux TCP_MAX_QUICKACKS: ACKs sent at once at the start of a connection. */
    private static final int MAX_QUICK_ACKS = 16;
    /** Linux TCP_MSS_DEFAULT: the receive-side segment size guessed before data arrives. */
    private static final int DEFAULT_RCV_MSS = 536;
    /** Linux TCP_DELACK_MAX: the longest an ACK waits in an interactive exchange. */
    private static final long MAX_DELAYED_ACK_NS = 200_000_000L;
    /** Linux HZ / 2: the longest an ACK waits outside an interactive exchange. */
    private static final long MAX_ATO_NS = 500_000_000L;
    private static final int TIMER_RTO = 0;
    private static final int TIMER_PERSIST = 1;
    private static final int TIMER_TLP = 2;
    /** Linux's tcp_max_reordering: the most the reordering degree grows to. */
    private static final int MAX_REORDERING = 300;
    /** Linux's tcp_pacing_ss_ratio and tcp_pacing_ca_ratio, in percent. */
    private static final int PACING_SS_RATIO = 200;
    private static final int PACING_CA_RATIO = 120;
    /** Linux's tcp_tso_rtt_log: TSO bursts grow on paths with a min RTT below 2^9 us. */
    private static final int TSO_RTT_LOG = 9;
    private static final int TIMER_REORDER = 3;
    /** Linux's TCP_TIMEOUT_MIN_US: slack added to the TLP and RACK timers. */
    private static final long TIMEOUT_MIN_US = 2_000;
    /** Linux's MAX_TCP_KEEPIDLE and MAX_TCP_KEEPINTVL: the longest keepalive idle time and interval, seconds. */
    public static final int MAX_KEEPALIVE_SECONDS = 32767;
    /** Linux's MAX_TCP_KEEPCNT: the most keepalive probes before the connection is dropped. */
    public static final int MAX_KEEPALIVE_PROBES = 127;
    private static final long NS_PER_SECOND = 1_000_000_000L;
    // How much new data sendNewData sends.
    /** Nothing now (a piece a write completed waits for the next output). */
    private static final int SEND_NOTHING = -1;
    /** As much as the windows, Nagle and the congestion window allow (Linux tcp_write_xmit). */
    private static final int SEND_ALL = 0;
    /** One (super-)segment: a piece completed inside a write leaves at once (Linux tcp_push_one). */
    private static final int SEND_ONE = 1;
    /** One segment whatever the congestion window: a tail-loss probe. */
    private static final int SEND_PROBE = 2;
    /** As SEND_ALL past the cork: a forced push inside a write (Linux's TCP_NAGLE_PUSH). */
    private static final int SEND_PUSH = 3;
    /**
     * The head of the queue, one segment at most, whatever Nagle, the cork or the congestion window say, PSH set:
     * the probe timer found data waiting with nothing in flight and the window open (Linux tcp_write_wakeup).
     */
    private static final int SEND_WAKEUP = 4;

    // ACK flags, as Linux's FLAG_* in tcp_input.c.
    private static final int FLAG_DATA = 1;
    private static final int FLAG_WIN_UPDATE = 1 << 1;
    private static final int FLAG_DATA_ACKED = 1 << 2;
    private static final int FLAG_RETRANS_DATA_ACKED = 1 << 3;
    private static final int FLAG_SYN_ACKED = 1 << 4;
    private static final int FLAG_DATA_SACKED = 1 << 5;
    private static final int FLAG_DSACKING_ACK = 1 << 6;
    private static final int FLAG_SND_UNA_ADVANCED = 1 << 7;
    private static final int FLAG_ORIG_SACK_ACKED = 1 << 8;
    private static final int FLAG_SET_XMIT_TIMER = 1 << 9;
    private static final int FLAG_LOST_RETRANS = 1 << 10;
    private static final int FLAG_ACKED = FLAG_DATA_ACKED | FLAG_SYN_ACKED;
    private static final int FLAG_NOT_DUP = FLAG_DATA | FLAG_WIN_UPDATE | FLAG_ACKED;
    private static final int FLAG_CA_ALERT = FLAG_DATA_SACKED | FLAG_DSACKING_ACK;
    private static final int FLAG_FORWARD_PROGRESS = FLAG_ACKED | FLAG_DATA_SACKED;

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
    /** The zero-copy write claim ({@link #claim}), made on first use and reused. */
    private TcpClaim claim;
    private TcpReceiveBuffer receive;
    /** The receive buffer: the most the window offers. At most the ring's size, fixed at open. */
    private int receiveBufferBytes;
    /**
     * The send buffer limit (Linux sk_sndbuf): a write starts a new piece of data only while fewer bytes are
     * queued. The ring ({@code send.capacity()}, fixed at open) is the ceiling.
     */
    private int sendBufferBytes;
    private boolean finQueued;
    private int finSeq;
    private boolean peerFinPending;
    private int peerFinSeq;
    private boolean peerFinReceived;
    private boolean appClosed;
    private boolean writeBlocked;
    /** A write found the buffer pool exhausted: the connection waits on {@link Tcp#waitForSendRing}. */
    boolean waitingForSendRing;

    // ---- selective acknowledgments we send (RFC 2018, RFC 2883)
    private boolean sackOk;
    /** Starts of the out-of-order segments received most recently, newest first (the first SACK block). */
    private final int[] sackRecent = new int[MAX_SACK_BLOCKS];
    private int sackRecentCount;
    private boolean dsackPending;
    private int dsackStart;
    private int dsackEnd;
    private final int[] sackBlocksOut = new int[2 * MAX_SACK_BLOCKS];

    // ---- congestion control and loss recovery (RFC 6675, RFC 8985, RFC 6937, RFC 5682), as Linux runs them
    private final CongestionWindow cwnd = new CongestionWindow();
    private CongestionControl cc;
    private TcpScoreboard board;
    /** CongestionControl.CA_OPEN .. CA_LOSS. */
    private int caState;
    /** SND.NXT when recovery or loss began: the episode ends once it is acknowledged ("recover", RFC 6582). */
    private int highSeq;
    /** Duplicate ACKs counted as SACKed packets when the peer does not SACK (Linux's Reno emulation). */
    private int renoSacked;
    private int reordering;
    private int priorCwnd;
    private int priorSsthresh;
    private int prrDelivered;
    private int prrOut;
    /** Undo (Eifel, DSACK): set when a reduction starts; retransmissions not yet proven spurious. */
    private boolean undoMarked;
    private int undoMarker;
    private int undoRetrans;
    /** When the first retransmission of this episode left (0: none), for timestamp-based undo. */
    private long retransStampNs;
    private boolean frto;
    private int tlpHighSeq;
    private boolean tlpRetransmitted;
    private boolean synLost;

    // ---- RACK (RFC 8985)
    private long rackSentAtNs;
    private int rackEndSeq;
    private long rackRttUs;
    private boolean rackAdvanced;
    private int rackReoWndSteps;
    private int rackReoWndPersist;
    private boolean rackDsackSeen;
    private int rackLastDsackRound;

    // ---- delivery rate (draft-cheng-iccrg-delivery-rate-estimation)
    private int delivered;
    private long deliveredTimeNs;
    private long firstSentTimeNs;
    private int appLimitedUntil;
    private long deliveryRateBytesPerSecond;
    private boolean deliveryRateAppLimited;

    // ---- round-trip time: Linux's estimator (RFC 6298's, with mdev_max smoothing once per round)
    private long srttUs8;
    private long mdevUs;
    private long mdevMaxUs;
    private long rttvarUs;
    private int rttSeq;
    private long minRttUs;
    /** Lowest start of the entries this ACK SACKed below the highest SACK without a retransmission. */
    private int sackReorderedFrom;
    /** Linux's sk_pacing_rate in bytes per second, as of the last ACK (Long.MAX_VALUE before an RTT sample). */
    private long pacingRate = Long.MAX_VALUE;
    private long rtoNs;
    private int backoff;

    private boolean tlpDsacked;
    private boolean frtoSendNew;
    private boolean cwndLimitedFlag;
    private int maxPacketsOut;
    private int cwndUsageSeq;
    private long synSentAtNs;
    private String congestionControlName;

    // ---- statistics of loss recovery
    private int dsackDups;
    private int reordSeenCount;
    private int lostPacketsTotal;
    private int totalRetransPackets;
    private int dataSegsOut;
    private int dataSegsIn;
    private long tlpProbes;
    private long undos;

    // ---- per-ACK scratch (no allocation)
    private int ackFlags;
    private long ackSeqRttUs;
    private long ackCaRttUs;
    private long ackSackRttUs;
    private int ackNewlyLost;

    // ---- timers
    private long retransmitAt = Deadlines.NONE;
    /** What {@link #retransmitAt} is for: TIMER_RTO, TIMER_PERSIST, TIMER_TLP or TIMER_REORDER. */
    private int retransmitKind;
    private long delayedAckAt = Deadlines.NONE;
    private long keepaliveAt = Deadlines.NONE;
    private long closeAt = Deadlines.NONE;
    private int retries;
    private int persistProbes;
    private int persistUnanswered;
    /** Keepalive probes sent and not answered (Linux icsk_probes_out). */
    private int keepaliveUnanswered;
    private long lastSendNs;
    private long lastReceiveNs;
    private long lastChallengeAckNs = Long.MIN_VALUE / 2;
    private long lastOutOfWindowAckNs;

    // ---- PSH (Linux tcp_sendmsg): where write calls and forced pushes ended, for data not yet sent
    private final int[] pushMarks = new int[MAX_PUSH_MARKS];
    private int pushMarkHead;
    private int pushMarkCount;
    /** Sequence number of the last push (Linux pushed_seq). */
    private int pushedSeq;
    /** Where the unsent tail "skb" (the data later writes append to) starts. */
    private int tailSkbStart;
    private boolean pushStarted;
    /** F-RTO step 2.b (RFC 5682): up to two new segments, in one burst (see output). */
    private boolean frtoBurst;

    // ---- acknowledgment state (Linux's delayed-ACK engine: icsk_ack quick, ato, pingpong, rcv_mss)
    private boolean ackNow;
    private int unackedReceivedBytes;
    /** Data (or a FIN) arrived that no ACK has covered yet (Linux ICSK_ACK_SCHED). */
    private boolean ackScheduled;
    /** The data just received needs an ACK now whatever the mode (a hole filled, over one segment). */
    private boolean ackForced;
    /** ACKs still to send at once rather than delayed (quick-ACK mode, Linux icsk_ack.quick). */
    private int quickAcks;
    /** The delayed-ACK timeout estimate (Linux icsk_ack.ato); 0 until the first data arrives. */
    private long atoNs;
    /** Interactive exchange seen (we replied within the ato): ACKs wait to ride on the reply. */
    private boolean pingpong;
    /** When data last arrived (Linux icsk_ack.lrcvtime). */
    private long lastDataReceiveNs;
    /** The peer's segment size as seen on arrival (Linux icsk_ack.rcv_mss). */
    private int rcvMss;

    // ---- per-connection switches
    private boolean noDelay;
    /** Linux TCP_CORK (nonagle's TCP_NAGLE_CORK): a partial segment at the end of the queue waits. */
    private boolean cork;
    /**
     * Linux TCP_NAGLE_PUSH: setting TCP_NODELAY (or uncorking with it set) pushes what is queued past the cork and
     * Nagle, until a write starts a new piece (skb_entail clears it).
     */
    private boolean pushQueued;
    /**
     * The last push was a MSG_MORE write's (Linux tcp_push with TCP_NAGLE_CORK): output holds the partial tail
     * until something pushes with the connection's own switches (an ACK, a write without MSG_MORE, a setter).
     */
    private boolean morePending;
    /** The end of the queue is a push (PSH on Linux's tail skb): false after a MSG_MORE write. */
    private boolean tailPushed;
    private boolean keepAlive;
    /** Linux TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT: idle time before the first probe, between probes, probes. */
    private long keepAliveIdleNs;
    private long keepAliveIntervalNs;
    private int keepAliveProbes;

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
        if (claim != null) {
            claim.close();
        }
        waitingForSendRing = false;
        sackOk = false;
        sackRecentCount = 0;
        dsackPending = false;
        caState = CongestionControl.CA_OPEN;
        renoSacked = 0;
        reordering = config.reordering();
        priorCwnd = priorSsthresh = prrDelivered = prrOut = 0;
        undoMarked = false;
        undoRetrans = 0;
        retransStampNs = 0;
        frto = false;
        tlpHighSeq = 0;
        tlpRetransmitted = false;
        synLost = false;
        rackSentAtNs = 0;
        rackEndSeq = 0;
        rackRttUs = 0;
        rackAdvanced = false;
        rackReoWndSteps = 1;
        tlpDsacked = false;
        frtoSendNew = false;
        cwndLimitedFlag = false;
        maxPacketsOut = 0;
        congestionControlName = options.congestionControl();
        dsackDups = reordSeenCount = lostPacketsTotal = totalRetransPackets = dataSegsOut = dataSegsIn = 0;
        tlpProbes = undos = 0;
        rackReoWndPersist = 0;
        rackDsackSeen = false;
        delivered = 0;
        deliveredTimeNs = firstSentTimeNs = stack.nowNs();
        appLimitedUntil = 0;
        deliveryRateBytesPerSecond = 0;
        deliveryRateAppLimited = false;
        srttUs8 = mdevUs = mdevMaxUs = rttvarUs = 0;
        minRttUs = 0;
        pacingRate = Long.MAX_VALUE;
        rtoNs = config.rtoInitialNs();
        backoff = 0;
        retransmitAt = delayedAckAt = keepaliveAt = closeAt = Deadlines.NONE;
        retransmitKind = TIMER_RTO;
        retries = 0;
        persistProbes = 0;
        persistUnanswered = 0;
        keepaliveUnanswered = 0;
        lastSendNs = lastReceiveNs = stack.nowNs();
        lastChallengeAckNs = stack.nowNs() - config.challengeAckIntervalNs();
        lastOutOfWindowAckNs = lastChallengeAckNs;
        ackNow = false;
        unackedReceivedBytes = 0;
        ackScheduled = ackForced = false;
        pushMarkHead = pushMarkCount = 0;
        pushStarted = false;
        quickAcks = 0;
        atoNs = 0;
        pingpong = false;
        lastDataReceiveNs = 0;
        rcvMss = 0;
        noDelay = config.noDelay();
        cork = config.cork();
        pushQueued = morePending = false;
        tailPushed = true;
        keepAlive = config.keepAlive();
        keepAliveIdleNs = config.keepAliveIdleNs();
        keepAliveIntervalNs = config.keepAliveIntervalNs();
        keepAliveProbes = config.keepAliveProbes();
        handler = null;
        events = 0;
        freeAfterDispatch = false;
        bytesSent = bytesRetransmitted = bytesAcked = bytesReceived = segmentsIn = segmentsOut = 0;
        retransmits = timeouts = fastRetransmits = outOfOrderSegments = 0;
        tsOffset = tcp.secrets().timestampOffset(localAddress, localPort, remoteAddress, remotePort);
    }

    /**
     * Sizes the buffers for this connection. Only their bookkeeping lives in the connection object (kept
     * across reuse); the rings of bytes are taken from the stack's {@link TcpBufferPool} when data flows
     * ({@link #takeSendRing}, {@link #takeReceiveRing}) and given back when drained, so an idle connection
     * holds none.
     */
    private void allocateBuffers() {
        // One scoreboard entry per segment in flight: enough for a full send buffer of half-MSS segments.
        // The scoreboard grows to that bound as the flight grows.
        int entries = Math.max(64, 2 * sendBufferBytes / 536 + 16);
        if (board == null) {
            board = new TcpScoreboard(entries);
        } else {
            board.reset(entries);
        }
        if (receive == null) {
            receive = new TcpReceiveBuffer();
            send = new TcpSendBuffer();
        }
        returnRings(); // a connection object released with rings still lent (never expected)
        receive.configure(receiveRingBytes(), config.maxOutOfOrderRanges());
        send.configure(sendBufferBytes);
    }

    /** The receive ring's size: the buffer plus slack, as the scaled window rounds up. */
    private int receiveRingBytes() {
        return receiveBufferBytes + (1 << rcvWscale);
    }

    /**
     * Lends the send buffer a ring for the first write after it drained. False when the pool is exhausted:
     * the write takes nothing, and the writer is woken once a ring is returned.
     */
    private boolean takeSendRing() {
        if (send.hasRing()) {
            return true;
        }
        UnsafeBuffer ring = tcp.bufferPool().takeSend(send.capacity());
        if (ring == null) {
            waitingForSendRing = true;
            tcp.waitForSendRing(this);
            return false;
        }
        waitingForSendRing = false; // a retry before the wake-up got one
        send.attach(ring);
        return true;
    }

    /** Lends the receive buffer a ring for arriving data; false when the pool is exhausted. */
    private boolean takeReceiveRing() {
        if (receive.hasRing()) {
            return true;
        }
        UnsafeBuffer ring = tcp.bufferPool().takeReceive(receive.capacity());
        if (ring == null) {
            return false;
        }
        receive.attach(ring);
        return true;
    }

    /** Gives the send ring back once every byte is acknowledged (nothing queued, nothing in flight). */
    private void returnSendRingIfDrained() {
        if (send.hasRing() && send.size() == 0) {
            tcp.giveRing(send.detach());
        }
    }

    /** Gives the receive ring back once everything is read and no out-of-order data is held. */
    private void returnReceiveRingIfDrained() {
        if (receive.hasRing() && receive.isEmpty()) {
            tcp.giveRing(receive.detach());
        }
    }

    /** Gives back whatever rings the connection holds (it is released, or its data is no longer wanted). */
    void returnRings() {
        waitingForSendRing = false;
        if (send != null && send.hasRing()) {
            tcp.giveRing(send.detach());
        }
        if (receive != null && receive.hasRing()) {
            tcp.giveRing(receive.detach());
        }
    }

    /** A ring went back to the pool while this connection's writer waited for one: let it try again. */
    void sendRingAvailable() {
        if (waitingForSendRing) {
            waitingForSendRing = false;
            wakeWriter();
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
        sackOk = seg.sackPermitted && config.sack();
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
        if (!Seq.gt(sndMax, iss)) {
            synSentAtNs = nowNs;
        }
        int flags = state == TcpState.SYN_RECEIVED ? SYN | ACK : SYN;
        sendSegment(iss, flags, 0, nowNs);
        sndNxt = iss + 1;
        sndMax = iss + 1;
        armTimer(TIMER_RTO, nowNs + rtoNs);
    }

    /** The handshake completed (SYN-SENT or SYN-RECEIVED to ESTABLISHED). */
    private void established(long nowNs) {
        int mtu = stack.ipv4().pathMtu(remoteAddress, nowNs);
        smss = clampMss(Math.min(peerMss, mtu - 40)) - (tsOk ? TIMESTAMP_OPTION_BYTES : 0);
        // RFC 5681 3.1: one segment if the SYN or SYN-ACK was lost, else the initial window.
        int initialWindow = synLost ? 1 : config.initialWindowSegments();
        if (cc == null || !cc.name().equals(congestionControlName)) {
            cc = CongestionControl.create(congestionControlName);
        }
        cwnd.reset(initialWindow);
        cwnd.sndUna = sndUna;
        cwnd.sndNxt = sndMax;
        cwnd.minRttUs = minRttUs;
        cc.init(cwnd, nowNs);
        updatePacingRate();
        highSeq = sndMax;
        cwndUsageSeq = sndMax;
        deliveredTimeNs = firstSentTimeNs = nowNs;
        if (synLost && rtoNs < RTO_AFTER_SYN_LOSS_NS) {
            rtoNs = RTO_AFTER_SYN_LOSS_NS;
        }
        retries = 0;
        retransmitAt = Deadlines.NONE;
        retransmitKind = TIMER_RTO;
        setState(TcpState.ESTABLISHED);
        armKeepalive();
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
     * Queues up to {@code length} bytes for sending and returns how many the send buffer took (0 when it
     * takes none: {@link TcpHandler#onWritable} follows once it has room again, see {@link #writable()}).
     * Data waits until the handshake completes.
     *
     * <p>As Linux's tcp_sendmsg, the write is cut into pieces of the size goal (Linux's skbs): it first fills
     * the unsent tail piece, and a new piece starts only while fewer bytes than the send buffer limit
     * ({@link #sendBufferBytes(int)}) are queued, so the queue may pass the limit by up to a piece. A piece
     * that completes while more of the write follows is sent at once: all the windows allow when it completes
     * more than half the peer's largest window since the last push (forced_push, which also marks PSH), else
     * one super-segment when it is the first unsent data (tcp_push_one); what it leaves unsent is the tail the
     * write fills next. The last byte of every write is pushed.
     */
    public int write(DirectBuffer source, int offset, int length) {
        return write(source, offset, length, false);
    }

    /**
     * {@link #write(DirectBuffer, int, int)}, with {@code more} as Linux's MSG_MORE: more data follows soon, so
     * the write's end is not a push (no PSH there) and a partial segment at the end of the queue waits, even with
     * nothing in flight, as under {@link #cork(boolean)} but for this write's push only: the next ACK, a write
     * without {@code more}, {@link #noDelay(boolean)} or uncorking sends it as the connection's switches allow.
     * Full segments go as they fill. Held data goes at the latest with the probe timer, as under the cork. A
     * write the send buffer stops short is pushed as if {@code more} were false (Linux pushes before it waits
     * for memory).
     */
    public int write(DirectBuffer source, int offset, int length, boolean more) {
        checkWritable();
        if (claim != null && claim.isOpen()) {
            throw new IllegalStateException("write while a zero-copy claim of " + claim.length()
                + " bytes is open: commit or abort it first, on " + this);
        }
        return append(source, offset, length, more);
    }

    /**
     * Zero-copy write, first half: reserves up to {@code length} bytes at the back of the send buffer for the
     * caller to write in place (encode a message straight into the stack's memory instead of into a buffer of
     * its own that {@link #write} then copies). The returned claim, one per connection and reused, names the
     * memory, offset and length granted; fill it, then {@link TcpClaim#commit(int)} what was written (or
     * {@link TcpClaim#abort()}), before the handler returns and before any other write on this connection.
     *
     * <p>The grant is what the send buffer can take in one contiguous run ("where the data allows"): less than
     * asked when the ring wraps or the buffer is near its limit, 0 when it is full (then, as after a short
     * {@link #write}, {@link TcpHandler#onWritable} follows once it has room). A commit queues the bytes exactly
     * as a write of them would (same pieces, pushes and Nagle decisions); what a commit accepts is always the
     * whole of what was written.
     */
    public TcpClaim claim(int length) {
        checkWritable();
        if (length < 0) {
            throw new IllegalArgumentException("claim length must be 0 or more, got " + length + " on " + this);
        }
        if (claim == null) {
            claim = new TcpClaim(this);
        } else if (claim.isOpen()) {
            throw new IllegalStateException("a zero-copy claim of " + claim.length()
                + " bytes is already open: commit or abort it first, on " + this);
        }
        if (length > 0 && !takeSendRing()) {
            writeBlocked = true; // the pool is exhausted: onWritable follows once a ring is returned
            claim.open(null, 0, 0);
            return claim;
        }
        int queued = send.size();
        int granted = queued < sendBufferBytes ? Math.min(length, Math.min(send.contiguousFree(), sendBufferBytes - queued)) : 0;
        if (granted < length) {
            writeBlocked = true;
        }
        claim.open(send.memory(), send.tailOffset(), granted);
        return claim;
    }

    /** {@link TcpClaim#abort()}: nothing was queued; a ring taken for the claim alone goes back. */
    void abortClaim() {
        if (send.hasRing() && send.size() == 0) {
            returnSendRingIfDrained();
        }
    }

    /** {@link TcpClaim#commit(int, boolean)}: the bytes are in place at the send buffer's back; queue them. */
    void commitClaim(int written, boolean more) {
        if (written == 0) {
            return;
        }
        if (appClosed || finQueued || state == TcpState.CLOSED) {
            throw new IllegalStateException("commit of a zero-copy claim on a connection closed since " + this);
        }
        int queued = append(null, 0, written, more);
        if (queued != written) {
            throw new IllegalStateException("zero-copy commit queued " + queued + " of " + written + " bytes on " + this);
        }
    }

    /**
     * What {@link #write} does: queues {@code length} bytes, copied from {@code source}, or already in place at
     * the send buffer's back when {@code source} is null (a committed claim).
     */
    private int append(DirectBuffer source, int offset, int length, boolean more) {
        if (length > 0 && !takeSendRing()) {
            writeBlocked = true; // the pool is exhausted: onWritable follows once a ring is returned
            return 0;
        }
        if (more && onOutputList && state.isSynchronized()) {
            output(stack.nowNs()); // what earlier events pushed goes first, as Linux sent it before this call
        }
        int start = dataEnd();
        if (!pushStarted) {
            pushStarted = true;
            pushedSeq = tailSkbStart = start;
        }
        int goal = sizeGoal();
        int copied = 0;
        while (copied < length) {
            int from = dataEnd();
            int writeEnd = from + (length - copied);
            int bound = from + Math.min(length - copied, send.free());
            int tail = unsentTailStart();
            boolean newPiece = !Seq.lt(tail, from) || from - tail >= goal;
            boolean joining = !newPiece;
            // Walk the pieces this pass fills; stop early where a completed piece is to go out at once.
            int seq = from;
            int push = SEND_NOTHING;
            while (seq != bound) {
                if (newPiece) {
                    if (send.size() + (seq - from) >= sendBufferBytes) {
                        break; // Linux sk_stream_memory_free: no new piece at the send buffer limit
                    }
                    tail = seq;
                    pushQueued = false; // Linux skb_entail: a new skb ends TCP_NAGLE_PUSH
                }
                seq += Math.min(bound - seq, goal - (seq - tail));
                if (joining) {
                    joining = false;
                    // Linux tcp_sendmsg clears the PSH of the skb a write first joins: the push is the write's end
                    // now (marked below unless MSG_MORE). A piece the write rejoins after pushing part of it keeps
                    // its push (a forced push's), which moves to the piece's new end.
                    if (copied == 0) {
                        dropPushMark(from);
                    } else {
                        movePushMark(from, seq);
                    }
                }
                newPiece = seq - tail >= goal;
                if (newPiece && seq != writeEnd) {
                    push = pushOfCompletedPiece(tail, seq);
                    if (push != SEND_NOTHING) {
                        break;
                    }
                }
            }
            int n = seq - from;
            if (n == 0) {
                break;
            }
            if (source != null) {
                send.write(source, offset + copied, n);
            } else {
                send.appendInPlace(n);
            }
            copied += n;
            tailSkbStart = tail;
            if (push == SEND_NOTHING) {
                break; // the write's end, the send buffer limit or the ring stopped this pass
            }
            sendNewData(stack.nowNs(), push);
            updateTimer();
        }
        if (copied < length) {
            writeBlocked = true;
            more = false; // Linux tcp_sendmsg pushes without MSG_MORE before it waits for memory
        }
        if (copied > 0) {
            int end = start + copied;
            // Linux tcp_push: the write's end is a push unless MSG_MORE, or when forced (past half the peer's
            // largest window since the last push).
            if (!more || Seq.gt(end, pushedSeq + (maxSndWnd >> 1))) {
                if (pushMarkCount > 0 && lastPushMark() == end) {
                    pushedSeq = end; // a forced push marked it already
                } else {
                    addPushMark(end);
                }
                tailPushed = true;
            } else {
                tailPushed = false;
            }
            morePending = more;
            if (state.isSynchronized()) {
                tcp.markOutput(this);
            }
        }
        return copied;
    }

    /** Where the unsent tail piece starts: the piece later writes join, less what has been sent of it. */
    private int unsentTailStart() {
        return Seq.gt(sndMax, tailSkbStart) ? sndMax : tailSkbStart;
    }

    /**
     * Linux tcp_sendmsg on a piece [{@code pieceStart}, {@code pieceEnd}) a write completed with more to come:
     * past half the peer's largest window since the last push it is a forced push (PSH marked, then all the
     * windows allow is sent); as the first unsent data it goes alone (tcp_push_one). Returns what to send now,
     * SEND_NOTHING if the piece waits (or the connection cannot send now).
     */
    private int pushOfCompletedPiece(int pieceStart, int pieceEnd) {
        int push = SEND_NOTHING;
        if (Seq.gt(pieceEnd, pushedSeq + (maxSndWnd >> 1))) {
            addPushMark(pieceEnd);
            push = SEND_PUSH;
        } else if (pieceStart == sndMax) {
            push = SEND_ONE;
        }
        return canPushInWrite() ? push : SEND_NOTHING;
    }

    /** A piece completed inside a write may go out now: the connection sends, and no loss repair waits. */
    private boolean canPushInWrite() {
        return (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT) && smss > 0 && board.lostOut == 0
            && !frtoSendNew;
    }

    private void addPushMark(int seq) {
        pushedSeq = seq;
        if (pushMarkCount == MAX_PUSH_MARKS) {
            pushMarkHead = (pushMarkHead + 1) % MAX_PUSH_MARKS;
            pushMarkCount--;
        }
        pushMarks[(pushMarkHead + pushMarkCount) % MAX_PUSH_MARKS] = seq;
        pushMarkCount++;
    }

    /** The last push mark, if it is at {@code seq}, goes (a write joined the piece it ends). */
    private void dropPushMark(int seq) {
        if (pushMarkCount > 0 && lastPushMark() == seq) {
            pushMarkCount--;
        }
    }

    /** The last push mark, if it is at {@code from}, moves to {@code to} (data joined the piece it ends). */
    private void movePushMark(int from, int to) {
        if (pushMarkCount > 0 && lastPushMark() == from) {
            pushMarks[(pushMarkHead + pushMarkCount - 1) % MAX_PUSH_MARKS] = to;
        }
    }

    private int lastPushMark() {
        return pushMarks[(pushMarkHead + pushMarkCount - 1) % MAX_PUSH_MARKS];
    }

    /** The next push mark after SND.MAX (older ones are dropped), or SND.MAX itself if there is none. */
    private int nextPushMark() {
        while (pushMarkCount > 0 && !Seq.gt(pushMarks[pushMarkHead], sndMax)) {
            pushMarkHead = (pushMarkHead + 1) % MAX_PUSH_MARKS;
            pushMarkCount--;
        }
        return pushMarkCount > 0 ? pushMarks[pushMarkHead] : sndMax;
    }

    /**
     * Linux tcp_xmit_size_goal: the size of the pieces a write is cut into; whole segments up to the largest
     * super-segment, at most half the peer's largest window, at least one segment.
     */
    private int sizeGoal() {
        int mss = smss > 0 ? smss : DEFAULT_RCV_MSS;
        // Linux tcp_xmit_size_goal: the device's (or GSO's) limit, not the autosized burst (tcp_tso_autosize
        // splits the pieces later, when they are sent).
        int goal = smss > 0 && config.tso() ? tcp.maxTsoPayload(smss) : mss;
        if (goal <= mss) {
            return mss;
        }
        int cutoff = maxSndWnd > DEFAULT_RCV_MSS ? maxSndWnd >> 1 : maxSndWnd;
        if (cutoff > 0 && goal > cutoff) {
            goal = cutoff;
        }
        return Math.max(goal / mss * mss, mss);
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
        returnReceiveRingIfDrained();
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

    /**
     * An upper bound on the bytes {@link #write} accepts now: 0 when it accepts none, else the room in the
     * buffer. It is exact unless the send buffer limit was lowered ({@link #sendBufferBytes(int)}); then a
     * write stops earlier, at the limit (see {@link #write}).
     */
    public int writableBytes() {
        if (send == null || finQueued || waitingForSendRing) {
            return 0;
        }
        if (send.size() < sendBufferBytes) {
            return send.free();
        }
        int dataEnd = dataEnd();
        int tail = unsentTailStart();
        return Seq.lt(tail, dataEnd) && dataEnd - tail < sizeGoal() ? send.free() : 0;
    }

    /**
     * True when the send buffer has room enough to wake a writer it stopped (Linux sk_stream_is_writeable, what
     * makes poll report POLLOUT): fewer bytes than the limit are queued and the free space is at least half of
     * them. {@link TcpHandler#onWritable} follows a short write once this holds.
     */
    public boolean writable() {
        if (send == null || finQueued || waitingForSendRing || send.free() == 0) {
            return false;
        }
        int queued = send.size();
        return queued < sendBufferBytes && sendBufferBytes - queued >= queued >> 1;
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

    /** Linux sk_stream_write_space: a writer the buffer stopped hears of room once {@link #writable()} holds. */
    private void wakeWriter() {
        if (writeBlocked && writable()) {
            writeBlocked = false;
            raise(EVENT_WRITABLE);
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

    /**
     * Turns Nagle's algorithm off (true) or on (RFC 9293 3.7.4). As Linux's TCP_NODELAY, turning it on pushes
     * what is queued at once, past the cork too ({@link #cork(boolean)}; the cork still holds data written
     * after it into a new segment).
     */
    public void noDelay(boolean on) {
        noDelay = on;
        if (on) {
            pushQueued = true;
            morePending = false;
            if (state.isSynchronized()) {
                tcp.markOutput(this);
            }
        }
    }

    public boolean noDelay() {
        return noDelay;
    }

    /**
     * Corks the connection (true) or uncorks it, as Linux's TCP_CORK: while corked, a partial segment at the end
     * of the queue waits for more data, even with nothing in flight, and even with {@link #noDelay(boolean)}
     * on; full segments go as usual. Uncorking pushes what waits at once. Held data goes at the latest with the
     * probe timer: armed when the output finds data waiting with nothing in flight, restarted by every ACK, it
     * sends the head of the queue (PSH set) one RTO later (Linux tcp_write_wakeup; Linux has no other cork
     * timeout, this is tcp(7)'s "200 ms ceiling"). {@link #write(DirectBuffer, int, int, boolean)} with
     * {@code more} corks one write's push. New connections take {@link TcpConfig#cork()}.
     */
    public void cork(boolean on) {
        cork = on;
        if (!on) {
            if (noDelay) {
                pushQueued = true;
            }
            morePending = false;
            if (state.isSynchronized()) {
                tcp.markOutput(this);
            }
        }
    }

    /** True while the connection is corked (Linux TCP_CORK). */
    public boolean cork() {
        return cork;
    }

    /**
     * Turns keepalive on or off (RFC 9293 3.8.4; Linux SO_KEEPALIVE): probes after an idle time, see
     * {@link #keepAliveIdleNs(long)}. As Linux's tcp_set_keepalive, turning it on arms the timer one idle time
     * from now (turning it on again changes nothing); turning it off stops it. Probes go in ESTABLISHED and
     * CLOSE-WAIT; the defaults come from {@link TcpConfig}.
     */
    public void keepAlive(boolean on) {
        boolean wasOn = keepAlive;
        keepAlive = on;
        if (!on) {
            keepaliveAt = Deadlines.NONE; // the timer queue's entry, if any, wakes us once for nothing
        } else if (!wasOn && keepaliveRuns()) {
            keepaliveAt = stack.nowNs() + keepAliveIdleNs;
            updateTimer();
        }
    }

    /** True when keepalive is on (Linux SO_KEEPALIVE). */
    public boolean keepAlive() {
        return keepAlive;
    }

    /**
     * Sets the idle time before the first keepalive probe (Linux TCP_KEEPIDLE). With keepalive on, the timer is
     * re-armed relative to the last segment received, as Linux's tcp_sock_set_keepidle: a connection already
     * idle that long probes at once. Probes already unanswered stay counted.
     *
     * @throws IllegalArgumentException unless 1 s <= {@code idleNs} <= 32767 s (Linux's range)
     */
    public void keepAliveIdleNs(long idleNs) {
        requireKeepaliveTime("TCP_KEEPIDLE", "idle time", idleNs);
        keepAliveIdleNs = idleNs;
        if (keepAlive && keepaliveRuns()) {
            long nowNs = stack.nowNs();
            long at = lastReceiveNs + idleNs;
            keepaliveAt = at - nowNs > 0 ? at : nowNs;
            updateTimer();
        }
    }

    /** The idle time before the first keepalive probe, ns (Linux TCP_KEEPIDLE). */
    public long keepAliveIdleNs() {
        return keepAliveIdleNs;
    }

    /**
     * Sets the time between keepalive probes (Linux TCP_KEEPINTVL); it applies from the next probe on.
     *
     * @throws IllegalArgumentException unless 1 s <= {@code intervalNs} <= 32767 s (Linux's range)
     */
    public void keepAliveIntervalNs(long intervalNs) {
        requireKeepaliveTime("TCP_KEEPINTVL", "interval", intervalNs);
        keepAliveIntervalNs = intervalNs;
    }

    /** The time between keepalive probes, ns (Linux TCP_KEEPINTVL). */
    public long keepAliveIntervalNs() {
        return keepAliveIntervalNs;
    }

    /**
     * Sets how many keepalive probes go unanswered before the connection is reset and fails with
     * {@link TcpError#TIMED_OUT} (Linux TCP_KEEPCNT).
     *
     * @throws IllegalArgumentException unless 1 <= {@code probes} <= 127 (Linux's range)
     */
    public void keepAliveProbes(int probes) {
        if (probes < 1 || probes > MAX_KEEPALIVE_PROBES) {
            throw new IllegalArgumentException("TCP_KEEPCNT (keepalive probes) must be 1.." + MAX_KEEPALIVE_PROBES
                + ", got " + probes);
        }
        keepAliveProbes = probes;
    }

    /** Unanswered keepalive probes before the connection is dropped (Linux TCP_KEEPCNT). */
    public int keepAliveProbes() {
        return keepAliveProbes;
    }

    private static void requireKeepaliveTime(String option, String what, long ns) {
        if (ns < NS_PER_SECOND || ns > MAX_KEEPALIVE_SECONDS * NS_PER_SECOND) {
            throw new IllegalArgumentException(option + " (keepalive " + what + ") must be 1.." + MAX_KEEPALIVE_SECONDS
                + " s, got " + ns + " ns");
        }
    }

    /**
     * Sets the send buffer limit, bytes (Linux SO_SNDBUF's sk_sndbuf): a write starts a new piece only while
     * fewer bytes are queued, unacknowledged ones included (see {@link #write}). Lowering it below what is
     * queued drops nothing: writes wait until acknowledgments bring the queue under it. Raising it may wake a
     * writer it stopped (as Linux). The limit is at most the buffer the connection was opened with
     * ({@link TcpConfig#sendBufferBytes()}); larger values are capped there, as Linux caps SO_SNDBUF at
     * wmem_max.
     *
     * @return the limit applied
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public int sendBufferBytes(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("SO_SNDBUF (send buffer) must be 1.." + send.capacity() + " bytes, got "
                + bytes);
        }
        sendBufferBytes = Math.min(bytes, send.capacity());
        wakeWriter();
        return sendBufferBytes;
    }

    /** The send buffer limit, bytes (see {@link #sendBufferBytes(int)}). */
    public int sendBufferBytes() {
        return sendBufferBytes;
    }

    /**
     * Sets the receive buffer, bytes (Linux SO_RCVBUF): the most the advertised window offers. The window
     * follows from the next segment sent; a smaller buffer never moves the window's right edge left (RFC 9293
     * 3.8.6: do not shrink the window), it just stops it advancing until the application reads. The buffer is
     * at most the one the connection was opened with ({@link TcpConfig#receiveBufferBytes()}, which also
     * chose the window scale) and at least one unit of the window scale; values outside are brought inside.
     *
     * @return the receive buffer applied
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public int receiveBufferBytes(int bytes) {
        int most = receive.capacity() - (1 << rcvWscale);
        if (bytes < 1) {
            throw new IllegalArgumentException("SO_RCVBUF (receive buffer) must be 1.." + most + " bytes, got "
                + bytes);
        }
        receiveBufferBytes = Math.max(Math.min(bytes, most), 1 << rcvWscale);
        return receiveBufferBytes;
    }

    /** The receive buffer, bytes: the most the advertised window offers (see {@link #receiveBufferBytes(int)}). */
    public int receiveBufferBytes() {
        return receiveBufferBytes;
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
        into.srttNs = (srttUs8 >> 3) * 1000;
        into.rttvarNs = (mdevUs >> 2) * 1000;
        into.rtoNs = rtoNs;
        into.cwndBytes = cwnd.cwnd * smss;
        into.ssthreshBytes = cwnd.ssthresh == CongestionWindow.INFINITE_SSTHRESH ? Integer.MAX_VALUE : cwnd.ssthresh * smss;
        into.sndCwnd = cwnd.cwnd;
        into.sndSsthresh = cwnd.ssthresh;
        into.congestionControl = congestionControlName;
        into.sendMss = smss;
        into.peerWindowBytes = sndWnd;
        into.receiveWindowBytes = rcvEdge - rcvNxt;
        into.sendWindowScale = sndWscale;
        into.receiveWindowScale = rcvWscale;
        into.timestamps = tsOk;
        into.inRecovery = caState == CongestionControl.CA_RECOVERY || caState == CongestionControl.CA_LOSS;
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
        long nowNs = stack.nowNs();
        into.caState = caState;
        into.retransmitsInARow = retries;
        into.probes = retransmitKind == TIMER_PERSIST ? persistUnanswered : keepaliveUnanswered;
        into.backoff = backoff;
        into.options = (tsOk ? 1 : 0) | (sackOk ? 2 : 0) | (wscaleOk ? 4 : 0);
        into.rtoUs = (int) (rtoNs / 1000);
        into.atoUs = (int) (config.delayedAckNs() / 1000);
        into.sndMss = smss;
        into.rcvMss = advertisedMssForAck();
        boolean live = board != null;
        into.unackedPackets = live ? board.packetsOut : 0;
        into.sackedPackets = live ? board.sackedOut + renoSacked : 0;
        into.lostPackets = live ? board.lostOut : 0;
        into.retransPackets = live ? board.retransOut : 0;
        into.lastDataSentMs = (int) ((nowNs - lastSendNs) / 1_000_000);
        into.lastDataRecvMs = (int) ((nowNs - lastReceiveNs) / 1_000_000);
        into.lastAckRecvMs = into.lastDataRecvMs;
        into.pmtu = stack.ipv4().pathMtu(remoteAddress, nowNs);
        into.rcvSsthresh = receiveBufferBytes;
        into.rttUs = (int) (srttUs8 >> 3);
        into.rttvarUs = (int) (mdevUs >> 2);
        into.advmss = advertisedMssForAck();
        into.reordering = reordering;
        into.rcvSpace = receiveBufferBytes;
        into.totalRetrans = totalRetransPackets;
        into.pacingRate = pacingRate == Long.MAX_VALUE ? -1 : pacingRate;
        into.minRttUs = minRttUs;
        into.dataSegsIn = dataSegsIn;
        into.dataSegsOut = dataSegsOut;
        into.deliveryRate = deliveryRateBytesPerSecond;
        into.deliveryRateAppLimited = deliveryRateAppLimited;
        into.delivered = delivered;
        into.dsackDups = dsackDups;
        into.reordSeen = reordSeenCount;
        into.sndWnd = sndWnd;
        into.rcvWnd = Math.max(0, rcvEdge - rcvNxt);
        into.tlpProbes = tlpProbes;
        into.undos = undos;
        return into;
    }

    // =============================================================================================
    // Segment arrives (RFC 9293 3.10.7)
    // =============================================================================================

    /** Processes a segment for this connection; returns the drop reason or null. */
    Counter input(TcpSegment seg, DirectBuffer buffer, long nowNs) {
        segmentsIn++;
        lastReceiveNs = nowNs;
        keepaliveUnanswered = 0;
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
        sackOk = seg.sackPermitted && config.sack();
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

    /**
     * The peer's SYN-ACK in SYN-RECEIVED after a simultaneous open: its ACK covers our SYN, so the connection
     * is established. Its SYN was received before, so the segment is a duplicate and gets an ACK at once.
     */
    private Counter completeSimultaneousOpen(TcpSegment seg, long nowNs) {
        acknowledgeSyn(seg.ack, nowNs);
        sndWnd = seg.window; // never scaled in a SYN (RFC 7323 2.2)
        maxSndWnd = Math.max(maxSndWnd, sndWnd);
        sndWl1 = seg.seq;
        sndWl2 = seg.ack;
        if (tsOk && seg.hasTimestamps && Seq.ge(seg.tsVal, tsRecent)) {
            tsRecent = seg.tsVal;
            tsRecentAtNs = nowNs;
        }
        established(nowNs);
        if (state == TcpState.CLOSED) {
            return null;
        }
        if (finQueued) {
            finQueued = false;
            queueFin();
        }
        noteDuplicate(seg.seq, seg.seq + 1); // the SYN again: D-SACK it, as Linux does
        ackNow = true;
        tcp.markOutput(this);
        return null;
    }

    /** The SYN's sequence number is acknowledged: take an RTT sample from the handshake if clean (Karn). */
    private void acknowledgeSyn(int ack, long nowNs) {
        synAcked = true;
        sndUna = ack;
        if (Seq.lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        if (!synLost) {
            long rttUs = Math.max(1, (nowNs - synSentAtNs) / 1000);
            rttSample(rttUs);
            minRttUs = rttUs;
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

        // Simultaneous open (RFC 9293 figure 8): the peer's SYN-ACK repeats its SYN and acknowledges ours.
        // Linux lets exactly this SYN past the SYN check (tcp_validate_incoming) and completes the open.
        if (state == TcpState.SYN_RECEIVED && active && seg.has(SYN) && seg.has(ACK) && !seg.has(RST)
            && seg.seq + 1 == rcvNxt && seg.ack == sndMax) {
            return completeSimultaneousOpen(seg, nowNs);
        }

        // First, check the sequence number.
        int window = rcvEdge - rcvNxt;
        if (window < 0) {
            window = 0;
        }
        if (!acceptable(seg.seq, seg.sequenceLength(), window)) {
            if (seg.payloadLength > 0 && Seq.le(seg.seq + seg.payloadLength, rcvNxt)) {
                noteDuplicate(seg.seq, seg.seq + seg.payloadLength); // an old duplicate (RFC 2883 4.1.1)
                enterQuickAckMode(); // a retransmission reached us: our ACKs were lost or late
            }
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

        if (seg.payloadLength > 0) {
            dataSegsIn++;
            if (Seq.lt(seg.seq, rcvNxt)) {
                noteDuplicate(seg.seq, rcvNxt); // partly old (RFC 2883 4.1.1)
            }
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

    /**
     * RFC 9293 3.10.7.4 fifth (ESTABLISHED): the acknowledgment, as Linux's {@code tcp_ack} processes it:
     * window update, SACK blocks onto the scoreboard, the cumulative ACK, an RTT sample, then the loss
     * recovery state machine and the congestion window (PRR inside recovery, the algorithm outside).
     */
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
        // Linux tcp_data_snd_check after the ACK: pushes with the connection's own switches, not a MSG_MORE write's.
        morePending = false;
        int priorUna = sndUna;
        int priorDelivered = delivered;
        ackFlags = seg.payloadLength > 0 ? FLAG_DATA : 0;
        ackSeqRttUs = ackCaRttUs = ackSackRttUs = -1;
        ackNewlyLost = 0;
        if (Seq.gt(ack, sndUna)) {
            ackFlags |= FLAG_SND_UNA_ADVANCED;
            retries = 0;
        }
        updateSendWindow(seg, ack);
        if (board.isEmpty()) {
            // Nothing in flight: a window update or an old duplicate. Zero-window probes end here. A D-SACK still
            // counts (Linux's no_queue path): it tells that both a tail-loss probe and its original arrived.
            if (sackOk && seg.sackBlockCount > 0) {
                tagSackBlocks(seg, ack, priorUna, nowNs);
            }
            if (tlpHighSeq != 0) {
                processTlpAck(ack);
            }
            if (sndWnd > 0 && dataEnd() != sndMax
                && (retransmitAt == Deadlines.NONE || retransmitKind == TIMER_PERSIST)) {
                // Linux tcp_ack_probe and tcp_data_snd_check: data held (corked) with the window open for it: the
                // probe timer stops, and the output sends the data or arms the timer again from now.
                retransmitAt = Deadlines.NONE;
                retransmitKind = TIMER_RTO;
                persistProbes = 0;
                tcp.markOutput(this);
            }
            return null;
        }
        int priorFack = sackOk && board.sackedOut > 0 ? board.highestSacked : sndUna;
        if (sackOk && seg.sackBlockCount > 0) {
            tagSackBlocks(seg, ack, priorUna, nowNs);
        }
        if ((ackFlags & FLAG_SND_UNA_ADVANCED) != 0) {
            cleanAcknowledged(ack, priorFack, nowNs);
        }
        updateRtt(seg, nowNs);
        int newlyDelivered = delivered - priorDelivered;
        if (newlyDelivered > 0) {
            cc.onAcked(cwnd, newlyDelivered, ackCaRttUs, nowNs);
        }
        if (tlpHighSeq != 0) {
            processTlpAck(ack);
        }
        boolean retransmitLost = false;
        if (ackIsDubious()) {
            int dupAcks = (ackFlags & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DSACKING_ACK)) == 0 ? 1 : 0;
            retransmitLost = fastRetransmitAlert(priorUna, dupAcks, seg, nowNs);
        }
        if ((ackFlags & FLAG_SET_XMIT_TIMER) != 0) {
            setTransmitTimer(nowNs);
        }
        newlyDelivered = delivered - priorDelivered; // duplicate ACKs count as delivered without SACK
        congestionControl(ack, newlyDelivered, nowNs);
        if (retransmitLost || board.lostOut > 0 || newlyDelivered > 0) {
            tcp.markOutput(this); // retransmissions, or room for new data (limited transmit, RFC 3042)
        }
        if ((ackFlags & FLAG_SND_UNA_ADVANCED) != 0) {
            wakeWriter();
            tcp.markOutput(this);
        }
        return null;
    }

    /** RFC 9293 3.10.7.4: the send window follows segments newer than the one that last set it. */
    private void updateSendWindow(TcpSegment seg, int ack) {
        int window = seg.window << sndWscale;
        if (Seq.lt(sndWl1, seg.seq) || (sndWl1 == seg.seq && Seq.le(sndWl2, ack))) {
            if (window != sndWnd) {
                ackFlags |= FLAG_WIN_UPDATE;
                tcp.markOutput(this);
            }
            sndWnd = window;
            sndWl1 = seg.seq;
            sndWl2 = ack;
            maxSndWnd = Math.max(maxSndWnd, window);
            if (window > 0 && retransmitKind == TIMER_PERSIST && retransmitAt != Deadlines.NONE) {
                persistProbes = 0;
                retransmitAt = Deadlines.NONE;
                retransmitKind = TIMER_RTO;
            }
        }
    }

    /** Linux's tcp_ack_is_dubious: an ACK that may need the recovery state machine. */
    private boolean ackIsDubious() {
        return (ackFlags & FLAG_NOT_DUP) == 0 || (ackFlags & FLAG_CA_ALERT) != 0 || caState != CongestionControl.CA_OPEN;
    }

    // ---- SACK blocks received (RFC 2018, RFC 2883, RFC 6675 "update()")

    /** Marks what the SACK blocks cover, detects a D-SACK, advances RACK and counts reordering. */
    private void tagSackBlocks(TcpSegment seg, int ack, int priorUna, long nowNs) {
        int n = seg.sackBlockCount;
        int[] b = seg.sackBlocks;
        // RFC 2883: a first block below the cumulative ACK, or inside the second, reports a duplicate.
        boolean dsack = Seq.lt(b[0], ack) || (n > 1 && Seq.ge(b[0], b[2]) && Seq.le(b[1], b[3]));
        int first = 0;
        if (dsack) {
            first = 1;
            onDsack(b[0], b[1], priorUna);
        }
        int highestSackedBefore = board.anySacked ? board.highestSacked : sndUna;
        sackReorderedFrom = sndMax;
        for (int k = first; k < n; k++) {
            int start = b[2 * k];
            int end = b[2 * k + 1];
            // RFC 2018 / Linux tcp_is_sackblock_valid: inside what was sent, not below SND.UNA, not empty.
            if (!Seq.lt(start, end) || Seq.gt(end, sndMax) || Seq.le(end, sndUna) || Seq.lt(start, sndUna - maxSndWnd)) {
                continue;
            }
            if (Seq.lt(start, sndUna)) {
                start = sndUna;
            }
            sackRange(start, end, highestSackedBefore, nowNs);
        }
        if (sackReorderedFrom != sndMax) {
            checkReordering(sackReorderedFrom);
        }
    }

    /**
     * Marks the entries a SACK block covers. As Linux's tcp_match_skb_to_sack, an entry counts only when
     * covered whole; one of several segments is split at whole segments, so a block that covers part of a
     * segment SACKs none of it (a partial segment may still be a reordered or middlebox-cut copy).
     */
    private void sackRange(int start, int end, int highestSackedBefore, long nowNs) {
        int i = board.indexOf(start);
        if (i < 0) {
            return;
        }
        while (i < board.size()) {
            int s = board.slot(i);
            int entryStart = board.start(s);
            if (Seq.ge(entryStart, end)) {
                break;
            }
            int dataEnd = entryStart + board.dataLength(s);
            boolean covered = Seq.le(start, entryStart) && Seq.ge(end, dataEnd); // the FIN rides with its last byte
            if (!covered) {
                if (board.pcount(s) <= 1) {
                    i++; // a lone segment is SACKed whole or not at all
                    continue;
                }
                int cut;
                if (Seq.gt(start, entryStart)) {
                    // The block starts inside: round its start up to a segment boundary; that head is not SACKed.
                    cut = roundToSegments(start - entryStart, true);
                    if (cut >= dataEnd - entryStart) {
                        i++;
                        continue;
                    }
                    if (!board.splitAt(i, entryStart + cut, smss)) {
                        break; // ring full: leave the entry unSACKed (conservative)
                    }
                    i++;
                    continue; // the tail is matched on the next pass
                }
                // The block ends inside: round its end down to a segment boundary.
                cut = roundToSegments(end - entryStart, false);
                if (cut == 0 || !board.splitAt(i, entryStart + cut, smss)) {
                    break;
                }
                s = board.slot(i);
            }
            int f = board.flags(s);
            if ((f & TcpScoreboard.SACKED) == 0) {
                boolean everRetransmitted = (f & TcpScoreboard.EVER_RETRANS) != 0;
                if (!everRetransmitted) {
                    ackFlags |= FLAG_ORIG_SACK_ACKED;
                    if (Seq.lt(board.start(s), highestSackedBefore) && Seq.lt(board.start(s), sackReorderedFrom)) {
                        sackReorderedFrom = board.start(s); // below the highest SACK, never retransmitted: reordered
                    }
                    long rtt = (nowNs - board.sentAtNs(s)) / 1000;
                    if (ackSackRttUs < 0 || rtt < ackSackRttUs) {
                        ackSackRttUs = rtt;
                    }
                    ackCaRttUs = rtt;
                }
                rackAdvance(f, board.end(s), board.sentAtNs(s), nowNs);
                rateSampleFrom(s, nowNs);
                int packets = board.markSacked(s);
                delivered += packets;
                ackFlags |= FLAG_DATA_SACKED;
            }
            i++;
        }
    }

    /** Bytes from an entry's start rounded to whole segments: up for a block's start, down for its end. */
    private int roundToSegments(int bytes, boolean up) {
        if (up) {
            return bytes <= smss ? smss : (bytes + smss - 1) / smss * smss;
        }
        return bytes < smss ? 0 : bytes / smss * smss;
    }

    /** A D-SACK: the peer got a segment twice. Retransmissions proven spurious may allow an undo. */
    private void onDsack(int start, int end, int priorUna) {
        ackFlags |= FLAG_DSACKING_ACK;
        dsackDups++;
        stack.counters().increment(Counter.TCP_DSACKS_RECEIVED);
        rackDsackSeen = true;
        if (undoMarked && undoRetrans > 0 && Seq.le(end, priorUna) && Seq.gt(end, undoMarker)) {
            undoRetrans--;
        }
        if (tlpHighSeq != 0 && tlpRetransmitted && end == tlpHighSeq) {
            tlpDsacked = true;
        }
    }

    /**
     * Linux tcp_check_sack_reordering: data from {@code lowSeq} arrived below the highest SACKed sequence
     * (FACK) without a retransmission. The reordering degree grows to that distance in segments (bounded).
     */
    private void checkReordering(int lowSeq) {
        int fack = board.sackedOut > 0 ? board.highestSacked : sndUna;
        if (!Seq.lt(lowSeq, fack)) {
            return;
        }
        int distance = fack - lowSeq;
        if (smss > 0 && distance > reordering * smss) {
            reordering = Math.min((distance + smss - 1) / smss, MAX_REORDERING);
        }
        reordSeenCount++;
    }

    // ---- cumulative acknowledgment (Linux tcp_clean_rtx_queue)

    private void cleanAcknowledged(int ack, int priorFack, long nowNs) {
        long firstAckedSentNs = -1;
        long lastAckedSentNs = -1;
        int acked = 0;
        int reord = sndMax; // lowest start acknowledged that was neither SACKed nor retransmitted
        while (!board.isEmpty()) {
            int s = board.slot(0);
            if (Seq.gt(board.end(s), ack)) {
                if (Seq.gt(ack, board.start(s)) && board.splitAt(0, ack, smss)) {
                    continue; // partially acknowledged: the acknowledged part goes next round
                }
                break;
            }
            int f = board.flags(s);
            if ((f & TcpScoreboard.SACKED) == 0) {
                acked += board.pcount(s);
                if ((f & TcpScoreboard.EVER_RETRANS) != 0) {
                    ackFlags |= FLAG_RETRANS_DATA_ACKED;
                } else {
                    if (firstAckedSentNs < 0) {
                        firstAckedSentNs = board.sentAtNs(s);
                    }
                    lastAckedSentNs = board.sentAtNs(s);
                    if (Seq.lt(board.start(s), reord)) {
                        reord = board.start(s);
                    }
                    if (!Seq.gt(board.end(s), highSeq)) {
                        ackFlags |= FLAG_ORIG_SACK_ACKED; // never retransmitted, sent before the loss episode
                    }
                }
                rackAdvance(f, board.end(s), board.sentAtNs(s), nowNs);
                rateSampleFrom(s, nowNs);
            }
            board.removeHead();
        }
        int dataAcked = Math.min(ack - sndUna, send.size());
        send.consume(dataAcked);
        returnSendRingIfDrained();
        bytesAcked += dataAcked;
        sndUna = ack;
        if (Seq.lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        cwnd.sndUna = sndUna;
        if (!sackOk && acked > 0) {
            // Linux tcp_remove_reno_sacks: one packet filled the hole; the duplicate ACKs already counted the rest.
            delivered += Math.max(acked - renoSacked, 1);
            renoSacked = acked - 1 >= renoSacked ? 0 : renoSacked - (acked - 1);
        } else {
            delivered += acked;
            if (sackOk && Seq.lt(reord, priorFack)) {
                checkReordering(reord); // a hole filled without a retransmission: the network reordered
            }
        }
        if (acked > 0 || dataAcked > 0) {
            ackFlags |= FLAG_DATA_ACKED | FLAG_SET_XMIT_TIMER;
        }
        if (firstAckedSentNs >= 0 && (ackFlags & FLAG_RETRANS_DATA_ACKED) == 0) {
            ackSeqRttUs = (nowNs - firstAckedSentNs) / 1000;
            ackCaRttUs = (nowNs - lastAckedSentNs) / 1000;
        }
        if (board.isEmpty()) {
            renoSacked = 0;
        }
    }

    /** Linux tcp_ack_update_rtt: the ACK's own timing first (Karn), else the timestamp echo (RFC 7323 4). */
    private void updateRtt(TcpSegment seg, long nowNs) {
        long seqRtt = ackSeqRttUs >= 0 ? ackSeqRttUs : ackSackRttUs;
        if (seqRtt < 0 && tsOk && seg.hasTimestamps && seg.tsEcr != 0 && (ackFlags & FLAG_ACKED) != 0) {
            int delta = tsValAt(nowNs) - seg.tsEcr;
            if (delta >= 0 && delta < Integer.MAX_VALUE / 1000) {
                seqRtt = Math.max(1, delta) * 1000L;
                ackCaRttUs = seqRtt;
            }
        }
        if (seqRtt < 0) {
            return;
        }
        if (ackCaRttUs >= 0 && (minRttUs == 0 || ackCaRttUs < minRttUs)) {
            minRttUs = Math.max(1, ackCaRttUs);
            cwnd.minRttUs = minRttUs;
        }
        rttSample(Math.max(1, seqRtt));
        backoff = 0;
    }

    // ---- the recovery state machine (Linux tcp_fastretrans_alert)

    /** Returns true if lost segments are to be retransmitted now. */
    private boolean fastRetransmitAlert(int priorUna, int dupAcks, TcpSegment seg, long nowNs) {
        boolean reno = !sackOk;
        // D. Leave CWR or Recovery once everything sent before it began is acknowledged.
        if (caState == CongestionControl.CA_OPEN) {
            retransStampNs = 0;
        } else if (Seq.ge(sndUna, highSeq)) {
            if (caState == CongestionControl.CA_CWR) {
                if (sndUna != highSeq) {
                    endCwndReduction();
                    setCaState(CongestionControl.CA_OPEN);
                }
            } else if (caState == CongestionControl.CA_RECOVERY) {
                if (reno) {
                    renoSacked = 0;
                }
                if (tryUndoRecovery(seg)) {
                    return false;
                }
                endCwndReduction();
            }
        }
        // E. Process the state.
        switch (caState) {
            case CongestionControl.CA_RECOVERY -> {
                if ((ackFlags & FLAG_SND_UNA_ADVANCED) == 0) {
                    if (reno) {
                        addRenoSack(dupAcks);
                    }
                } else {
                    if (Seq.lt(sndUna, highSeq)) {
                        stack.counters().increment(Counter.TCP_RECOVERY_PARTIAL_ACKS);
                    }
                    if (tryUndoPartial(seg, priorUna)) {
                        return false;
                    }
                }
                if (tryUndoDsack()) {
                    tryToOpen();
                }
                identifyLoss(nowNs);
                if (caState != CongestionControl.CA_RECOVERY) {
                    if (!timeToRecover()) {
                        return false;
                    }
                    enterRecovery();
                }
                return true;
            }
            case CongestionControl.CA_LOSS -> {
                if (processLoss(dupAcks, seg)) {
                    return caState == CongestionControl.CA_LOSS;
                }
                identifyLoss(nowNs);
                if (!(caState == CongestionControl.CA_OPEN || (ackFlags & FLAG_LOST_RETRANS) != 0)) {
                    return true;
                }
                // The window was undone, or retransmissions were lost: go on as from Open.
            }
            default -> {
            }
        }
        if (reno) {
            if ((ackFlags & FLAG_SND_UNA_ADVANCED) != 0) {
                renoSacked = 0;
            }
            addRenoSack(dupAcks);
        }
        if (caState <= CongestionControl.CA_DISORDER) {
            tryUndoDsack();
        }
        identifyLoss(nowNs);
        if (!timeToRecover()) {
            tryToOpen();
            return false;
        }
        enterRecovery();
        return true;
    }

    /** Linux tcp_identify_packet_loss: NewReno's rule without SACK, else RACK. */
    private void identifyLoss(long nowNs) {
        if (board.isEmpty()) {
            return;
        }
        if (!sackOk) {
            // RFC 6582: the head is lost after dupthresh duplicate ACKs, and after each partial ACK in recovery.
            boolean advanced = (ackFlags & FLAG_SND_UNA_ADVANCED) != 0;
            if ((caState < CongestionControl.CA_RECOVERY && renoSacked >= reordering)
                || (caState == CongestionControl.CA_RECOVERY && advanced)) {
                int s = board.slot(0);
                if (board.dataLength(s) > smss && board.pcount(s) > 1) {
                    board.splitAt(0, board.start(s) + smss, smss);
                    s = board.slot(0);
                }
                markLost(s);
            }
        } else if (config.rack()) {
            int retransBefore = board.retransOut;
            if (rackMarkLost(nowNs)) {
                ackFlags &= ~FLAG_SET_XMIT_TIMER;
            }
            if (retransBefore > board.retransOut) {
                ackFlags |= FLAG_LOST_RETRANS;
            }
        } else if (board.sackedOut + 1 > reordering) {
            // Without RACK: RFC 6675's IsLost() for the first unSACKed entry.
            markLost(board.slot(0));
        }
    }

    private void markLost(int s) {
        int before = board.lostOut;
        board.markLost(s);
        int added = board.lostOut - before;
        if (added > 0) {
            ackNewlyLost += added;
            lostPacketsTotal += added;
        }
    }

    /** Linux tcp_time_to_recover: a loss is proven (RACK or dupthresh marked one). */
    private boolean timeToRecover() {
        if (board.lostOut > 0) {
            return true;
        }
        return !config.rack() && sackOk && board.sackedOut + 1 > reordering;
    }

    private void addRenoSack(int dupAcks) {
        if (dupAcks <= 0) {
            return;
        }
        int prior = renoSacked;
        renoSacked += dupAcks;
        // Linux tcp_limit_reno_sacked: at least one hole stays below the duplicate ACKs.
        int holes = Math.min(Math.max(board.lostOut, 1), board.packetsOut);
        if (renoSacked + holes > board.packetsOut) {
            renoSacked = Math.max(0, board.packetsOut - holes);
        }
        if (renoSacked > prior) {
            delivered += renoSacked - prior;
            ackFlags |= FLAG_DATA_SACKED;
        }
    }

    /** Fast recovery starts (RFC 6675 5, RFC 6937 initialisation). */
    private void enterRecovery() {
        priorSsthresh = 0;
        initUndo();
        if (caState != CongestionControl.CA_RECOVERY && caState != CongestionControl.CA_CWR) {
            priorSsthresh = currentSsthresh();
            initCwndReduction();
        }
        fastRetransmits++;
        stack.counters().increment(Counter.TCP_FAST_RETRANSMITS);
        if (sackOk) {
            stack.counters().increment(Counter.TCP_SACK_RECOVERIES);
        }
        setCaState(CongestionControl.CA_RECOVERY);
    }

    private void initCwndReduction() {
        highSeq = sndMax;
        tlpHighSeq = 0;
        cwnd.cwndCount = 0;
        priorCwnd = cwnd.cwnd;
        prrDelivered = 0;
        prrOut = 0;
        cwnd.ssthresh = cc.ssthresh(cwnd);
    }

    /** Linux tcp_end_cwnd_reduction: cwnd = ssthresh at the end of recovery (unless undone). */
    private void endCwndReduction() {
        if (cwnd.ssthresh < CongestionWindow.INFINITE_SSTHRESH && (caState == CongestionControl.CA_CWR || undoMarked)) {
            cwnd.cwnd = cwnd.ssthresh;
        }
    }

    private int currentSsthresh() {
        if (caState == CongestionControl.CA_CWR || caState == CongestionControl.CA_RECOVERY) {
            return cwnd.ssthresh;
        }
        return Math.max(cwnd.ssthresh, (cwnd.cwnd >> 1) + (cwnd.cwnd >> 2));
    }

    private void initUndo() {
        undoMarked = true;
        undoMarker = sndUna;
        undoRetrans = board.retransOut > 0 ? board.retransOut : -1;
    }

    private void tryToOpen() {
        if (board.retransOut == 0 && !anyRetransmissionInFlight()) {
            retransStampNs = 0;
        }
        if (caState != CongestionControl.CA_CWR) {
            tryKeepOpen();
        }
    }

    private void tryKeepOpen() {
        int next = (board.sackedOut + renoSacked + board.lostOut > 0 || anyRetransmissionInFlight())
            ? CongestionControl.CA_DISORDER : CongestionControl.CA_OPEN;
        if (caState != next) {
            setCaState(next);
            highSeq = sndMax;
        }
    }

    private boolean anyRetransmissionInFlight() {
        return board.retransOut > 0;
    }

    /** tcp_packet_delayed: the ACK echoes a timestamp older than our first retransmission (Eifel, RFC 3522). */
    private boolean packetDelayed(TcpSegment seg) {
        return retransStampNs != 0 && tsOk && seg.hasTimestamps && seg.tsEcr != 0
            && Seq.lt(seg.tsEcr, tsValAt(retransStampNs));
    }

    private boolean mayUndo(TcpSegment seg) {
        return undoMarked && (undoRetrans == 0 || packetDelayed(seg));
    }

    private void undoCwndReduction(boolean unmarkLoss) {
        if (unmarkLoss) {
            for (int i = 0; i < board.size(); i++) {
                int s = board.slot(i);
                board.unmarkLost(s);
            }
        }
        if (priorSsthresh != 0) {
            cwnd.cwnd = cc.undoCwnd(cwnd);
            if (priorSsthresh > cwnd.ssthresh) {
                cwnd.ssthresh = priorSsthresh;
            }
        }
        undoMarked = false;
        rackAdvanced = true;
        undos++;
        stack.counters().increment(Counter.TCP_SPURIOUS_UNDOS);
    }

    private boolean tryUndoRecovery(TcpSegment seg) {
        if (mayUndo(seg)) {
            undoCwndReduction(false);
        } else if (rackReoWndPersist > 0) {
            rackReoWndPersist--;
        }
        if (sndUna == highSeq && !sackOk) {
            // RFC 6582: hold the state until something above the recovery point is acknowledged.
            return true;
        }
        setCaState(CongestionControl.CA_OPEN);
        return false;
    }

    private boolean tryUndoPartial(TcpSegment seg, int priorUna) {
        if (undoMarked && packetDelayed(seg)) {
            checkReordering(priorUna);
            if (board.retransOut > 0) {
                return true;
            }
            undoCwndReduction(true);
            tryKeepOpen();
        }
        return false;
    }

    private boolean tryUndoDsack() {
        if (undoMarked && undoRetrans == 0) {
            rackReoWndPersist = Math.min(16, rackReoWndPersist + 1);
            undoCwndReduction(false);
            return true;
        }
        return false;
    }

    private boolean tryUndoLoss(boolean frtoUndo, TcpSegment seg) {
        if (frtoUndo || mayUndo(seg)) {
            undoCwndReduction(true);
            retries = 0;
            if (frtoUndo || sackOk) {
                setCaState(CongestionControl.CA_OPEN);
            }
            return true;
        }
        return false;
    }

    /** RFC 5682 (F-RTO, SACK-enhanced) and the end of Loss state (Linux tcp_process_loss). True: handled. */
    private boolean processLoss(int dupAcks, TcpSegment seg) {
        boolean recovered = Seq.ge(sndUna, highSeq);
        if ((ackFlags & FLAG_SND_UNA_ADVANCED) != 0 && tryUndoLoss(false, seg)) {
            return true;
        }
        if (frto) {
            // Step 3.b: spurious if data never retransmitted is (S)ACKed by an ACK after the new data of step
            // 2.b went out (as Linux 6.18 behaves: the first ACK after the timeout only triggers step 2.b).
            if ((ackFlags & FLAG_ORIG_SACK_ACKED) != 0 && Seq.gt(sndMax, highSeq) && tryUndoLoss(true, seg)) {
                return true;
            }
            if (Seq.gt(sndMax, highSeq)) {
                if ((ackFlags & FLAG_DATA_SACKED) != 0 || dupAcks > 0) {
                    frto = false; // step 3.a: the loss was real
                }
            } else if ((ackFlags & FLAG_SND_UNA_ADVANCED) != 0 && !recovered) {
                highSeq = sndMax;
                // Step 2.b: send new data if the window allows, to see which ACKs come back.
                if (dataEnd() != sndMax && Seq.gt(sndUna + sndWnd, sndMax)) {
                    frtoSendNew = true;
                    tcp.markOutput(this);
                    return true;
                }
                frto = false;
            }
        }
        if (recovered) {
            tryUndoRecovery(seg);
            return true;
        }
        if (!sackOk) {
            if (Seq.gt(sndMax, highSeq) && dupAcks > 0) {
                addRenoSack(dupAcks);
            } else if ((ackFlags & FLAG_SND_UNA_ADVANCED) != 0) {
                renoSacked = 0;
            }
        }
        return false;
    }

    /** RFC 8985 7.4: the ACK after a tail-loss probe tells whether the probe repaired a loss. */
    private void processTlpAck(int ack) {
        if (Seq.lt(ack, tlpHighSeq)) {
            return;
        }
        if (!tlpRetransmitted) {
            tlpHighSeq = 0; // a probe of new data was acknowledged
        } else if (tlpDsacked) {
            tlpHighSeq = 0; // the original and the probe both arrived: no loss
        } else if (Seq.gt(ack, tlpHighSeq)) {
            // The probe repaired a loss: reduce the window once (CWR), as after any loss.
            initCwndReduction();
            setCaState(CongestionControl.CA_CWR);
            endCwndReduction();
            tryKeepOpen();
        } else if ((ackFlags & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DATA_SACKED)) == 0) {
            tlpHighSeq = 0; // a pure duplicate: both arrived
        }
        tlpDsacked = false;
    }

    /** Linux tcp_cong_control: PRR during a reduction, else the algorithm grows the window. */
    private void congestionControl(int ack, int newlyDelivered, long nowNs) {
        if (caState == CongestionControl.CA_CWR || caState == CongestionControl.CA_RECOVERY) {
            prrReduction(newlyDelivered);
        } else if (mayRaiseCwnd()) {
            cwnd.cwndLimited = isCwndLimited();
            cwnd.sndNxt = sndMax;
            cc.congestionAvoidance(cwnd, ack, newlyDelivered, nowNs);
        }
        updatePacingRate();
    }

    /**
     * Linux tcp_update_pacing_rate: twice the current rate (cwnd over SRTT) in slow start, 1.2 times in
     * congestion avoidance. bypass does not pace; the rate sizes TSO super-segments ({@link #tsoLimit}).
     */
    private void updatePacingRate() {
        if (srttUs8 == 0) {
            pacingRate = Long.MAX_VALUE;
            return;
        }
        int ratioPercent = cwnd.cwnd < cwnd.ssthresh / 2 ? PACING_SS_RATIO : PACING_CA_RATIO;
        long rate = (long) smss * (1_000_000L / 100 * 8) * ratioPercent;
        rate *= Math.max(cwnd.cwnd, board.packetsOut);
        pacingRate = rate / srttUs8;
    }

    private boolean mayRaiseCwnd() {
        if (reordering > config.reordering()) {
            return (ackFlags & FLAG_FORWARD_PROGRESS) != 0;
        }
        return (ackFlags & FLAG_DATA_ACKED) != 0;
    }

    /** Linux tcp_is_cwnd_limited: the window, not the application, limited the last flight. */
    private boolean isCwndLimited() {
        if (cwndLimitedFlag) {
            return true;
        }
        return cwnd.inSlowStart() && cwnd.cwnd < 2 * maxPacketsOut;
    }

    /** Proportional Rate Reduction (RFC 6937), as Linux's tcp_cwnd_reduction. */
    private void prrReduction(int newlyDelivered) {
        if (newlyDelivered <= 0 || priorCwnd == 0) {
            return;
        }
        int inFlight = inFlight();
        int delta = cwnd.ssthresh - inFlight;
        prrDelivered += newlyDelivered;
        int sendCount;
        if (delta < 0) {
            // RFC 6937: pipe above ssthresh: send in proportion to what was delivered.
            long dividend = (long) cwnd.ssthresh * prrDelivered + priorCwnd - 1;
            sendCount = (int) (dividend / priorCwnd) - prrOut;
        } else {
            // Slow-start reduction bound: catch up towards ssthresh, at most delivered + 1 per ACK.
            sendCount = Math.max(prrDelivered - prrOut, newlyDelivered);
            if ((ackFlags & FLAG_SND_UNA_ADVANCED) != 0 && ackNewlyLost == 0) {
                sendCount++;
            }
            sendCount = Math.min(delta, sendCount);
        }
        // Force a fast retransmit upon entering fast recovery.
        sendCount = Math.max(sendCount, prrOut > 0 ? 0 : 1);
        cwnd.cwnd = inFlight + sendCount;
    }

    private int inFlight() {
        return Math.max(0, board.inFlight() - renoSacked);
    }

    private void setCaState(int next) {
        if (next != caState) {
            caState = next;
            cc.onStateChange(cwnd, next);
        }
    }

    // ---- RACK (RFC 8985)

    /** RFC 8985 6.2 step 2: remember the most recently sent segment that was delivered. */
    private void rackAdvance(int entryFlags, int endSeq, long sentAtNs, long nowNs) {
        long rttUs = (nowNs - sentAtNs) / 1000;
        if ((entryFlags & TcpScoreboard.EVER_RETRANS) != 0 && minRttUs > 0 && rttUs < minRttUs) {
            return; // ambiguous: the original, not the retransmission, was probably delivered
        }
        rackAdvanced = true;
        rackRttUs = rttUs;
        if (sentAfter(sentAtNs, rackSentAtNs, endSeq, rackEndSeq)) {
            rackSentAtNs = sentAtNs;
            rackEndSeq = endSeq;
        }
    }

    private static boolean sentAfter(long t1, long t2, int seq1, int seq2) {
        return t1 > t2 || (t1 == t2 && Seq.gt(seq1, seq2));
    }

    /** RFC 8985 6.2 step 4: the reordering window. Zero while no reordering was seen and in recovery. */
    private long rackReorderingWindowUs() {
        if (reordSeenCount == 0) { // Linux's !tp->reord_seen
            if (caState >= CongestionControl.CA_RECOVERY) {
                return 0;
            }
            if (board.sackedOut >= reordering) {
                return 0;
            }
        }
        long srttUs = srttUs8 >> 3;
        return Math.min((minRttUs >> 2) * rackReoWndSteps, srttUs);
    }

    /** RFC 8985 6.2 step 5 (Linux tcp_rack_mark_lost): true if a reordering timer was armed. */
    private boolean rackMarkLost(long nowNs) {
        if (!rackAdvanced) {
            return false;
        }
        rackAdvanced = false;
        long reoWndUs = rackReorderingWindowUs();
        long waitUs = 0;
        for (int i = 0; i < board.size(); i++) {
            int s = board.slot(i);
            int f = board.flags(s);
            if ((f & TcpScoreboard.SACKED) != 0 || ((f & TcpScoreboard.LOST) != 0 && (f & TcpScoreboard.RETRANS) == 0)) {
                continue;
            }
            if (!sentAfter(rackSentAtNs, board.sentAtNs(s), rackEndSeq, board.end(s))) {
                continue;
            }
            long remaining = rackRttUs + reoWndUs - (nowNs - board.sentAtNs(s)) / 1000;
            if (remaining <= 0) {
                markLost(s);
            } else {
                waitUs = Math.max(waitUs, remaining);
            }
        }
        if (waitUs > 0) {
            armTimer(TIMER_REORDER, nowNs + (waitUs + TIMEOUT_MIN_US) * 1000);
            return true;
        }
        return false;
    }

    /** RFC 8985 6.3: the reordering timer expired: what it waited for is lost; recover. */
    private void rackReorderTimeout(long nowNs) {
        int lostBefore = board.lostOut;
        rackAdvanced = true;
        rackMarkLost(nowNs);
        int newlyLost = board.lostOut - lostBefore;
        if (newlyLost > 0 && caState != CongestionControl.CA_RECOVERY && caState != CongestionControl.CA_LOSS) {
            enterRecovery();
            ackFlags = 0;
            ackNewlyLost = newlyLost;
            prrReduction(1);
        }
        if (retransmitAt == Deadlines.NONE) {
            rearmRto(nowNs);
        }
        tcp.markOutput(this);
    }

    // ---- delivery rate (draft-cheng-iccrg-delivery-rate-estimation)

    private void rateSampleFrom(int s, long nowNs) {
        int deliveredNow = delivered + board.pcount(s);
        long sendIntervalNs = board.sentAtNs(s) - board.firstSentAtSend(s);
        long ackIntervalNs = nowNs - board.deliveredTimeAtSend(s);
        long intervalNs = Math.max(sendIntervalNs, ackIntervalNs);
        int packets = deliveredNow - board.deliveredAtSend(s);
        firstSentTimeNs = board.sentAtNs(s);
        deliveredTimeNs = nowNs;
        if (intervalNs > 0 && packets > 0 && (minRttUs == 0 || intervalNs >= minRttUs * 1000)) {
            deliveryRateBytesPerSecond = (long) packets * smss * 1_000_000_000L / intervalNs;
            deliveryRateAppLimited = (board.flags(s) & TcpScoreboard.APP_LIMITED) != 0;
        }
    }

    // ---- timers after an ACK: TLP, or the RTO

    /** Linux tcp_set_xmit_timer: a tail-loss probe if one may be scheduled, else the RTO. */
    private void setTransmitTimer(long nowNs) {
        if (!scheduleLossProbe(nowNs, true)) {
            rearmRto(nowNs);
        }
    }

    /** RFC 6298 5.2/5.3 (Linux tcp_rearm_rto): off when nothing is in flight, else restarted. */
    private void rearmRto(long nowNs) {
        if (board.isEmpty()) {
            if (retransmitKind != TIMER_PERSIST) {
                retransmitAt = Deadlines.NONE;
                retransmitKind = TIMER_RTO;
            }
            return;
        }
        long at = nowNs + rtoNs;
        if (retransmitKind == TIMER_TLP || retransmitKind == TIMER_REORDER) {
            // The RTO counts from when the oldest outstanding segment was sent.
            long fromHead = board.sentAtNs(board.slot(0)) + rtoNs;
            at = Math.max(fromHead, nowNs + 1);
        }
        armTimer(TIMER_RTO, at);
    }

    /** RFC 8985 7.2 (Linux tcp_schedule_loss_probe): a probe 2*SRTT after the last send, if allowed. */
    private boolean scheduleLossProbe(long nowNs, boolean advancingRto) {
        if (!config.tailLossProbe() || board.isEmpty() || !sackOk
            || (caState != CongestionControl.CA_OPEN && caState != CongestionControl.CA_CWR)) {
            return false;
        }
        long timeoutNs;
        if (srttUs8 != 0) {
            long us = srttUs8 >> 2;
            us += board.packetsOut == 1 ? config.rtoMinNs() / 1000 : TIMEOUT_MIN_US;
            timeoutNs = us * 1000;
        } else {
            timeoutNs = config.rtoInitialNs();
        }
        long rtoDeltaNs = advancingRto ? rtoNs
            : (retransmitKind == TIMER_RTO && retransmitAt != Deadlines.NONE ? retransmitAt - nowNs : rtoNs);
        if (rtoDeltaNs > 0) {
            timeoutNs = Math.min(timeoutNs, rtoDeltaNs);
        }
        armTimer(TIMER_TLP, nowNs + timeoutNs);
        return true;
    }

    /** RFC 8985 7.3: send one new segment, or retransmit the last one, to get an ACK that shows the loss. */
    private void sendLossProbe(long nowNs) {
        if (tlpHighSeq == 0) {
            int before = board.packetsOut;
            // New data (or a FIN held behind the window) goes as the probe when the peer's window takes it.
            boolean finUnsent = finQueued && Seq.le(sndMax, finSeq);
            if (dataEnd() != sndMax && Seq.le(sndMax + Math.min(smss, dataEnd() - sndMax), sndUna + sndWnd)
                || dataEnd() == sndMax && finUnsent) {
                sendNewData(nowNs, SEND_PROBE);
            }
            if (board.packetsOut > before) {
                tlpRetransmitted = false;
                tlpHighSeq = sndMax;
                tlpProbes++;
            } else if (!board.isEmpty()) {
                int i = board.size() - 1;
                int s = board.slot(i);
                // The probe is the last segment: cut it off (the MSS may have shrunk since it was sent).
                int length = board.dataLength(s);
                if (length > smss) {
                    int last = length % smss == 0 ? smss : length % smss;
                    if (board.splitAt(i, board.start(s) + length - last, smss)) {
                        i++;
                        s = board.slot(i);
                    }
                }
                if (transmitEntry(s, nowNs, false)) {
                    tlpRetransmitted = true;
                    tlpHighSeq = sndMax;
                    tlpProbes++;
                }
            }
            stack.counters().increment(Counter.TCP_LOSS_PROBES);
        }
        retransmitKind = TIMER_RTO;
        retransmitAt = Deadlines.NONE;
        rearmRto(nowNs);
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
                    if (!receiveData(seg, buffer, nowNs)) {
                        return; // no receive ring: the data (and a FIN after it) is dropped unacknowledged
                    }
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

    /**
     * Stores the segment's data. False when no receive ring could be had (the buffer pool is exhausted): the
     * data is dropped without an ACK, so the peer retransmits it once rings are back.
     */
    private boolean receiveData(TcpSegment seg, DirectBuffer buffer, long nowNs) {
        int at = seg.seq - rcvNxt;
        int length = seg.payloadLength;
        if (!takeReceiveRing()) {
            return false;
        }
        boolean holesBefore = receive.ranges() > 0;
        boolean duplicate = at > 0 && receive.covered(at, at + length);
        int advanced = receive.insert(at, buffer, seg.payloadOffset, length);
        if (advanced < 0) {
            stack.counters().increment(Counter.TCP_OUT_OF_ORDER_DROPPED);
            ackNow = true;
            tcp.markOutput(this);
            return true;
        }
        if (advanced == 0) {
            if (duplicate) {
                noteDuplicate(seg.seq, seg.seq + length); // already held out of order (RFC 2883 4.1.2)
            } else {
                noteSackArrival(seg.seq);
            }
            // Out of order: an immediate duplicate ACK tells the sender (RFC 5681 4.2).
            outOfOrderSegments++;
            stack.counters().increment(Counter.TCP_OUT_OF_ORDER_QUEUED);
            ackNow = true;
            tcp.markOutput(this);
            return true;
        }
        rcvNxt += advanced;
        bytesReceived += advanced;
        raise(EVENT_READABLE);
        dataReceived(length, nowNs);
        if (peerFinPending && rcvNxt == peerFinSeq) {
            ackForced = true; // the data filled the hole before the FIN
            processFin(nowNs);
            return true;
        }
        unackedReceivedBytes += advanced;
        ackForced = holesBefore || unackedReceivedBytes > rcvMss;
        if (ackForced || !config.delayedAck() || inQuickAckMode()) {
            // Filling a hole, more than one full segment unacknowledged, or quick-ACK mode: ACK now
            // (RFC 5681 4.2, RFC 9293 3.8.6.3; Linux __tcp_ack_snd_check).
            ackNow = true;
        } else {
            scheduleDelayedAck(nowNs);
        }
        tcp.markOutput(this);
        return true;
    }

    /**
     * Linux tcp_event_data_recv and tcp_measure_rcv_mss: the first data starts quick-ACK mode; the gap
     * between arrivals tunes the delayed-ACK timeout; a gap longer than the RTO starts quick-ACK mode again.
     */
    private void dataReceived(int length, long nowNs) {
        ackScheduled = true;
        if (rcvMss == 0) {
            rcvMss = Math.max(Math.min(Math.min(advertisedMssForAck(), DEFAULT_RCV_MSS), receiveBufferBytes / 2), 88);
        }
        if (length >= rcvMss) {
            rcvMss = Math.min(length, advertisedMssForAck());
        }
        long atoMin = config.delayedAckNs();
        if (atoNs == 0) {
            increaseQuickAcks();
            atoNs = atoMin;
        } else {
            long gap = nowNs - lastDataReceiveNs;
            if (gap <= atoMin / 2) {
                atoNs = (atoNs >> 1) + atoMin / 2;
            } else if (gap < atoNs) {
                atoNs = Math.min((atoNs >> 1) + gap, rtoNs);
            } else if (gap > rtoNs) {
                increaseQuickAcks();
            }
        }
        lastDataReceiveNs = nowNs;
    }

    /** Linux tcp_incr_quickack: as many quick ACKs as half the window holds segments, 2 to 16. */
    private void increaseQuickAcks() {
        int mss = Math.max(rcvMss, 1);
        int n = (rcvEdge - rcvNxt) / (2 * mss);
        if (n <= 0) {
            n = 2;
        }
        quickAcks = Math.max(quickAcks, Math.min(n, MAX_QUICK_ACKS));
    }

    /** Linux tcp_enter_quickack_mode: a duplicate or out-of-window segment arrived. */
    private void enterQuickAckMode() {
        increaseQuickAcks();
        pingpong = false;
        atoNs = config.delayedAckNs();
    }

    private boolean inQuickAckMode() {
        return quickAcks > 0 && !pingpong;
    }

    /**
     * Linux tcp_send_delayed_ack: the ACK waits the ato, bounded by the smoothed RTT (at least the minimum)
     * and by 200 ms in an interactive exchange or 500 ms otherwise; an earlier deadline already set stays.
     * Before any data arrived the ato is 0 and the ACK goes at once.
     */
    private void scheduleDelayedAck(long nowNs) {
        long atoMin = config.delayedAckNs();
        long ato = atoNs;
        if (ato == 0) {
            ackNow = true; // no data received yet, no ato: Linux's timer fires at the next tick (a FIN alone)
            return;
        }
        if (ato > atoMin) {
            long max = pingpong ? MAX_DELAYED_ACK_NS : MAX_ATO_NS;
            if (srttUs8 != 0) {
                max = Math.min(max, Math.max((srttUs8 >> 3) * 1000, atoMin));
            }
            ato = Math.min(ato, max);
        }
        long at = nowNs + ato;
        if (delayedAckAt == Deadlines.NONE || at - delayedAckAt < 0) {
            delayedAckAt = at;
            updateTimer();
        }
    }

    private int advertisedMssForAck() {
        return advertisedMss - (tsOk ? TIMESTAMP_OPTION_BYTES : 0);
    }

    /** The peer's FIN, all data before it received (RFC 9293 3.10.7.4, eighth). */
    private void processFin(long nowNs) {
        peerFinPending = false;
        peerFinReceived = true;
        rcvNxt += 1;
        ackScheduled = true;
        tcp.markOutput(this);
        raise(EVENT_READABLE);
        if (state == TcpState.SYN_RECEIVED || state == TcpState.ESTABLISHED) {
            // Linux tcp_fin: the application will likely answer with its own FIN, so the ACK waits for it
            // (pingpong), unless the FIN fills a hole or data before it needs an ACK anyway.
            setState(TcpState.CLOSE_WAIT);
            pingpong = true;
            ackNow = ackForced || !config.delayedAck();
            if (!ackNow) {
                scheduleDelayedAck(nowNs);
            }
            return;
        }
        ackNow = true;
        switch (state) {
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
        retransmitKind = TIMER_RTO;
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
                stack.counters().increment(Counter.TCP_PMTU_REDUCTIONS);
                board.markAllLost(); // RFC 1191 6.5 (Linux tcp_simple_retransmit): no window reduction
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

    /** Sends retransmissions, new data, a FIN and owed ACKs as the windows, Nagle and the FIN allow. */
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
        boolean sent = false;
        if (frtoSendNew) {
            // F-RTO step 2.b: new data instead of retransmissions, to tell a spurious timeout.
            // RFC 5682 step 2.b: up to two new segments; Linux 6.18 sends them as one super-segment.
            frtoSendNew = false;
            frtoBurst = true;
            sent = sendNewData(nowNs, SEND_ALL) > 0;
            frtoBurst = false;
            if (!Seq.gt(sndMax, highSeq)) {
                frto = false;
            }
        }
        if (board.lostOut > 0) {
            sent |= retransmitLost(nowNs);
        }
        sent |= sendNewData(nowNs, SEND_ALL) > 0;
        // Data waiting with nothing in flight (Linux tcp_check_probe_timer): a zero window is probed (persist
        // timer); an open one, where the cork, MSG_MORE or sender SWS avoidance holds the data, gets the head of
        // the queue one RTO from now (tcp_write_wakeup).
        if (!sent && dataEnd() != sndMax && board.isEmpty() && retransmitAt == Deadlines.NONE) {
            if (sndWnd > 0) {
                persistProbes = 0; // no backoff: the timer sends data, it does not probe a closed window
            }
            armTimer(TIMER_PERSIST, nowNs + persistInterval());
        }
        if (!sent && ackNow) {
            sendAckNow(nowNs);
        }
        updateTimer();
    }

    /**
     * RFC 6675 NextSeg() rule 1 as Linux's tcp_xmit_retransmit_queue: every entry deemed lost and not yet
     * retransmitted, oldest first, as far as the congestion window allows.
     */
    private boolean retransmitLost(long nowNs) {
        boolean any = false;
        for (int i = 0; i < board.size(); i++) {
            int s = board.slot(i);
            int f = board.flags(s);
            if ((f & TcpScoreboard.LOST) == 0 || (f & (TcpScoreboard.RETRANS | TcpScoreboard.SACKED)) != 0) {
                continue;
            }
            int quota = Math.min(cwnd.cwnd - inFlight(), tsoLimit() / smss);
            if (quota <= 0) {
                break;
            }
            int most = Math.min(quota * smss, tsoLimit());
            if (board.dataLength(s) > most && board.splitAt(i, board.start(s) + most, smss)) {
                s = board.slot(i);
            }
            int packets = board.pcount(s);
            if (!transmitEntry(s, nowNs, true)) {
                break;
            }
            any = true;
            if (caState == CongestionControl.CA_RECOVERY || caState == CongestionControl.CA_CWR) {
                prrOut += packets;
            }
        }
        return any;
    }

    /** Sends one scoreboard entry again; {@code counted} marks it RETRANS (a TLP retransmission is not). */
    private boolean transmitEntry(int s, long nowNs, boolean counted) {
        int length = board.dataLength(s);
        int f = board.flags(s);
        boolean push = (f & TcpScoreboard.PSH) != 0 || board.pcount(s) > 1; // super-segments get PSH on the wire
        int flags = ACK | ((f & TcpScoreboard.FIN) != 0 ? FIN : 0) | (push ? PSH : 0);
        if (!sendSegment(board.start(s), flags, length, nowNs)) {
            return false;
        }
        int packets = board.pcount(s);
        retransmits += packets;
        totalRetransPackets += packets;
        bytesRetransmitted += length;
        stack.counters().add(Counter.TCP_RETRANS_SEGS, packets);
        boolean appLimited = appLimitedUntil != 0;
        if (counted) {
            board.markRetransmitted(s, nowNs, delivered, deliveredTimeNs, firstSentTimeNs, appLimited);
            if (retransStampNs == 0) {
                retransStampNs = nowNs;
            }
            if (undoRetrans < 0) {
                undoRetrans = 0;
            }
            undoRetrans += packets;
        } else {
            board.markProbed(s, nowNs, delivered, deliveredTimeNs, firstSentTimeNs, appLimited);
        }
        return true;
    }

    /**
     * New data from SND.MAX on (Linux tcp_write_xmit): as much as the congestion window (in packets, at
     * most half of it per super-segment so two stay in flight), the peer's window, Nagle (RFC 9293 3.7.4)
     * and sender SWS avoidance (RFC 9293 3.8.6.2.1) allow; a TSO super-segment carries whole segments.
     * {@code mode} SEND_ONE stops after one (super-)segment; SEND_PROBE, a tail-loss probe, sends one segment
     * whatever the congestion window. Returns the packets sent.
     */
    private int sendNewData(long nowNs, int mode) {
        boolean probe = mode == SEND_PROBE;
        boolean wakeup = mode == SEND_WAKEUP;
        // Linux's nonagle for this push: a MSG_MORE write's push is corked (TCP_NAGLE_CORK alone); the connection's
        // cork holds unless TCP_NODELAY pushed what is queued (TCP_NAGLE_PUSH). Pushes inside a write
        // (TCP_NAGLE_PUSH), tail-loss probes (TCP_NAGLE_OFF) and the probe timer are not corked.
        boolean corked = mode == SEND_ALL && (morePending || (cork && !pushQueued));
        if (config.slowStartAfterIdle() && board.isEmpty() && nowNs - lastSendNs > rtoNs && dataEnd() != sndMax) {
            restartAfterIdle(nowNs);
        }
        int sentPackets = 0;
        boolean cwndLimitedNow = false;
        boolean priorEmpty = board.isEmpty();
        while (true) {
            int dataEnd = dataEnd();
            int unsent = dataEnd - sndMax;
            if (unsent < 0) {
                unsent = 0;
            }
            boolean finUnsent = finQueued && Seq.le(sndMax, finSeq);
            if (unsent == 0 && !finUnsent) {
                break;
            }
            int quota = cwndQuota();
            if (quota == 0) {
                if (!probe && !wakeup) {
                    cwndLimitedNow = true;
                    break;
                }
                quota = 1;
            }
            if (board.isFull()) {
                break;
            }
            int windowRoom = sndUna + sndWnd - sndMax;
            int first = Math.min(unsent, smss);
            if (unsent > 0 && windowRoom < first && !(wakeup && windowRoom > 0)) {
                break; // the peer's window holds not even the next segment (persist takes over)
            }
            int maxSegment = wakeup ? smss : Math.min(tsoLimit(), quota * smss);
            int length = Math.min(unsent, Math.min(windowRoom, maxSegment));
            int mark = nextPushMark();
            if (mark != sndMax && Seq.gt(sndMax + length, mark)) {
                length = mark - sndMax; // a pushed piece ends its segment (Linux sends each skb on its own)
            }
            boolean fin = finUnsent && sndMax + length == finSeq;
            if (corked && length > 0 && !fin && length < smss && length == unsent) {
                break; // corked: the partial segment at the end of the queue waits (Linux tcp_nagle_check)
            }
            if (length > 0 && !fin && length < smss && !wakeup) {
                boolean allQueued = length == unsent || sndMax + length == mark; // the queue, or a pushed piece
                boolean nothingInFlight = board.isEmpty();
                // Nagle and sender SWS avoidance: a short segment goes only if it empties the queue and nothing
                // is in flight (or Nagle is off), or it fills at least half the largest window offered.
                boolean nagleAllows = allQueued && (noDelay || nothingInFlight || probe
                    || (pushQueued && mode == SEND_ALL));
                boolean halfWindow = length >= maxSndWnd / 2 && maxSndWnd > 0 && nothingInFlight;
                if (!nagleAllows && !halfWindow) {
                    break;
                }
            }
            if (length > smss && length % smss != 0) {
                // A partial tail rides along only where a lone partial segment could be sent (Linux
                // tcp_mss_split_point): never while corked.
                boolean tailAllowed = length == unsent && !corked && (noDelay || board.isEmpty());
                if (!tailAllowed) {
                    length -= length % smss;
                    fin = false;
                }
            }
            // PSH as Linux sends it: kept on the segment that ends a write or a forced push (tcp_mark_push; the end
            // of the queue is not a write's end while the write pushes a piece, SEND_ONE), and added on the wire to
            // every super-segment (__tcp_transmit_skb, to flush the receiver's GRO).
            boolean writeEnd = sndMax + length == dataEnd && mark == sndMax && mode != SEND_ONE && tailPushed;
            boolean push = length > 0 && (sndMax + length == mark || writeEnd || wakeup);
            int flags = ACK | (fin ? FIN : 0) | (push || length > smss ? PSH : 0);
            if (board.isEmpty()) {
                cc.onTransmitStart(cwnd, nowNs);
            }
            if (!sendSegment(sndMax, flags, length, nowNs)) {
                break; // no frame: resume on a later poll
            }
            int end = sndMax + length + (fin ? 1 : 0);
            boolean appLimited = appLimitedUntil != 0;
            board.add(sndMax, end, fin, smss, nowNs, delivered, deliveredTimeNs, firstSentTimeNs, appLimited);
            if (push) {
                board.markPush(board.slot(board.size() - 1));
            }
            if (board.size() == 1) {
                firstSentTimeNs = nowNs;
                deliveredTimeNs = nowNs;
            }
            bytesSent += length;
            dataSegsOut++;
            if (length > 0 && atoNs != 0 && nowNs - lastDataReceiveNs < atoNs) {
                pingpong = true; // a reply within the ato of the data it answers (Linux tcp_event_data_sent)
            }
            sndMax = end;
            sndNxt = end;
            cwnd.sndNxt = sndMax;
            sentPackets += TcpScoreboard.packets(length, smss);
            if (wakeup && Seq.gt(sndMax, pushedSeq)) {
                pushedSeq = sndMax; // Linux tcp_write_wakeup moves pushed_seq past what it sends
            }
            if (mode != SEND_ALL && mode != SEND_PUSH) {
                break;
            }
        }
        cwndValidate(cwndLimitedNow || inFlight() >= cwnd.cwnd);
        if (sentPackets > 0) {
            if (caState == CongestionControl.CA_RECOVERY || caState == CongestionControl.CA_CWR) {
                prrOut += sentPackets;
            }
            if (priorEmpty || retransmitKind == TIMER_TLP || retransmitAt == Deadlines.NONE
                || retransmitKind == TIMER_PERSIST) {
                rearmRto(nowNs);
            }
            if (!probe && !wakeup) {
                scheduleLossProbe(nowNs, false);
            }
        }
        return sentPackets;
    }

    /** Linux tcp_cwnd_test: packets the window allows now, at most half the window per burst. */
    private int cwndQuota() {
        int inFlight = inFlight();
        int window = cwnd.cwnd;
        if (inFlight >= window) {
            return 0;
        }
        return frtoBurst ? Math.min(2, window - inFlight) : Math.min(Math.max(window >> 1, 1), window - inFlight);
    }

    /** Linux tcp_cwnd_validate: remember whether the window or the application limited this flight. */
    private void cwndValidate(boolean limited) {
        if (!Seq.lt(sndUna, cwndUsageSeq) || (limited && !cwndLimitedFlag)
            || (!cwndLimitedFlag && board.packetsOut > maxPacketsOut)) {
            cwndLimitedFlag = limited;
            maxPacketsOut = board.packetsOut;
            cwndUsageSeq = sndMax;
        }
    }

    /** RFC 5681 4.1 (Linux tcp_cwnd_restart): after an idle RTO, at most the initial window. */
    private void restartAfterIdle(long nowNs) {
        int restart = Math.min(config.initialWindowSegments(), cwnd.cwnd);
        cwnd.ssthresh = currentSsthresh();
        long idle = nowNs - lastSendNs;
        int window = cwnd.cwnd;
        while ((idle -= rtoNs) > 0 && window > restart) {
            window >>= 1;
        }
        cwnd.cwnd = Math.max(window, restart);
    }

    /** Sequence number after the last byte the application queued. */
    private int dataEnd() {
        return sndUna + send.size() + (synAcked ? 0 : 1);
    }

    /** Largest payload for one segment: the MSS, or a TSO super-segment when the device offers it. */
    private int tsoLimit() {
        if (!config.tso()) {
            return smss;
        }
        int deviceLimit = Math.max(smss, tcp.maxTsoPayload(smss));
        // Linux tcp_tso_autosize: about 1 ms of the pacing rate (rate >> 10), plus a share of the device's
        // limit on short paths (halved for every doubling of min RTT above 512 us), at least minTsoSegments.
        long bytes = pacingRate >> 10;
        long shift = minRttUs == 0 ? Long.SIZE : minRttUs >> TSO_RTT_LOG;
        if (shift < Integer.SIZE) {
            bytes += deviceLimit >> shift;
        }
        bytes = Math.min(bytes, deviceLimit);
        long segments = Math.max(bytes / smss, config.minTsoSegments());
        return (int) Math.min(deviceLimit, segments * smss);
    }

    /** The MSS after the socket's clamp (TCP_MAXSEG), if it has one. */
    private int clampMss(int mss) {
        return config.maxSegmentSize() > 0 ? Math.min(mss, config.maxSegmentSize()) : mss;
    }

    /** Packets (full segments, rounded up) in {@code bytes}. */
    private int packets(int bytes) {
        return (bytes + smss - 1) / smss;
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

    /**
     * True if a read freed enough of the buffer to be worth an ACK of its own (Linux tcp_cleanup_rbuf): the
     * window last advertised is at most half the largest, and the window now is at least twice it.
     */
    private boolean windowUpdateWorthSending() {
        int free = receiveBufferBytes - receive.readable();
        int advertised = Math.max(rcvEdge - rcvNxt, 0);
        if (2L * advertised > receiveBufferBytes) {
            return false;
        }
        int now = (free >> rcvWscale) << rcvWscale;
        return now > 0 && now >= 2L * advertised && now - advertised >= swsThreshold();
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
            int kind = retransmitKind;
            retransmitKind = TIMER_RTO;
            switch (kind) {
                case TIMER_PERSIST -> persistTimeout(nowNs);
                case TIMER_TLP -> sendLossProbe(nowNs);
                case TIMER_REORDER -> rackReorderTimeout(nowNs);
                default -> retransmissionTimeout(nowNs);
            }
            if (state == TcpState.CLOSED) {
                return;
            }
        }
        if (Deadlines.expired(delayedAckAt, nowNs)) {
            delayedAckAt = Deadlines.NONE;
            // Linux tcp_delack_timer_handler: a delayed ACK that had to be sent on its own inflates the ato;
            // in an interactive exchange it ends the pingpong mode instead.
            if (pingpong) {
                pingpong = false;
                atoNs = config.delayedAckNs();
            } else if (atoNs != 0) {
                atoNs = Math.min(atoNs << 1, rtoNs);
            }
            if (unackedReceivedBytes > 0 || ackScheduled || ackNow) {
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

    private void armTimer(int kind, long at) {
        retransmitKind = kind;
        retransmitAt = at;
        updateTimer();
    }

    /** Linux tcp_enter_loss: the Loss state after a timeout, with F-RTO (RFC 5682) armed if allowed. */
    private void enterLoss(int retriesBefore, long nowNs) {
        boolean newRecovery = caState < CongestionControl.CA_RECOVERY;
        boolean reneged = (board.flags(board.slot(0)) & TcpScoreboard.SACKED) != 0;
        if (reneged) {
            board.unsackAll(); // the peer dropped what it SACKed (RFC 2018 8): trust only cumulative ACKs
        }
        renoSacked = 0;
        for (int i = 0; i < board.size(); i++) {
            int s = board.slot(i);
            if (!reneged && config.rack() && i > 0 && (board.flags(s) & TcpScoreboard.SACKED) == 0
                && rackRttUs - (nowNs - board.sentAtNs(s)) / 1000 > 0) {
                continue; // sent too recently to be lost yet
            }
            markLost(s);
        }
        if (caState <= CongestionControl.CA_DISORDER || !Seq.gt(highSeq, sndUna)
            || (caState == CongestionControl.CA_LOSS && retriesBefore == 0)) {
            priorSsthresh = currentSsthresh();
            priorCwnd = cwnd.cwnd;
            cwnd.ssthresh = cc.ssthresh(cwnd);
            initUndo();
        }
        cwnd.cwnd = inFlight() + 1;
        cwnd.cwndCount = 0;
        if (caState <= CongestionControl.CA_DISORDER && board.sackedOut >= config.reordering()) {
            reordering = Math.min(reordering, config.reordering());
        }
        setCaState(CongestionControl.CA_LOSS);
        highSeq = sndMax;
        tlpHighSeq = 0;
        frto = config.frto() && (newRecovery || retriesBefore > 0);
    }

    /**
     * RFC 6298 5.4-5.7 and RFC 6675 5.1 (Linux tcp_retransmit_timer): everything not SACKed is deemed
     * lost, the window drops to one packet, the oldest segment goes again and the RTO backs off.
     */
    private void retransmissionTimeout(long nowNs) {
        int retriesBefore = retries;
        retries++;
        timeouts++;
        stack.counters().increment(Counter.TCP_TIMEOUTS);
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
            totalRetransPackets++;
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
        if (board.isEmpty()) {
            return;
        }
        enterLoss(retriesBefore, nowNs);
        backoff++;
        int s = board.slot(0);
        if (board.dataLength(s) > smss) {
            board.splitAt(0, board.start(s) + smss, smss);
            s = board.slot(0);
        }
        transmitEntry(s, nowNs, true);
        armTimer(TIMER_RTO, nowNs + rtoNs);
    }

    /**
     * Linux tcp_probe_timer, with data waiting and nothing in flight: into an open window the head of the queue
     * goes whatever holds it (tcp_write_wakeup); a zero window gets a probe, a segment below SND.UNA that the peer
     * must ACK with its window.
     */
    private void persistTimeout(long nowNs) {
        if (sndWnd > 0 || dataEnd() == sndMax) {
            persistProbes = 0;
            if (sndWnd > 0 && dataEnd() != sndMax && board.isEmpty() && state.isSynchronized()
                && sendNewData(nowNs, SEND_WAKEUP) > 0) {
                return;
            }
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
        armTimer(TIMER_PERSIST, nowNs + persistInterval());
    }

    private long persistInterval() {
        long interval = Math.max(rtoNs, config.rtoMinNs()) << Math.min(persistProbes, 20);
        return Math.min(Math.max(interval, config.rtoMinNs()), config.rtoMaxNs());
    }

    /**
     * Linux tcp_keepalive_timer: once the peer has been silent for the idle time, a probe; then one every
     * interval while none is answered (any segment from the peer answers), and the connection is reset when
     * the probes run out.
     */
    private void keepaliveTimeout(long nowNs) {
        if (!keepAlive || !keepaliveRuns()) {
            return;
        }
        long idle = nowNs - lastReceiveNs;
        if (idle < keepAliveIdleNs) {
            keepaliveAt = lastReceiveNs + keepAliveIdleNs;
            return;
        }
        if (sndMax != sndUna) {
            keepaliveAt = nowNs + keepAliveIntervalNs; // data in flight: the RTO watches the peer
            return;
        }
        if (keepaliveUnanswered >= keepAliveProbes) {
            error = TcpError.TIMED_OUT;
            stack.counters().increment(Counter.TCP_KEEPALIVE_TIMEOUTS);
            stack.counters().increment(Counter.TCP_ESTAB_RESETS);
            sendSegment(sndMax, RST | ACK, 0, nowNs);
            terminate(nowNs);
            return;
        }
        keepaliveUnanswered++;
        stack.counters().increment(Counter.TCP_KEEPALIVE_PROBES);
        sendSegment(sndUna - 1, ACK, 0, nowNs); // RFC 9293 3.8.4: SEG.SEQ = SND.NXT-1, no data
        keepaliveAt = nowNs + keepAliveIntervalNs;
    }

    /** The connection has started: keepalive, if on, probes one idle time after the last segment received. */
    private void armKeepalive() {
        if (keepAlive && keepaliveRuns()) {
            keepaliveAt = lastReceiveNs + keepAliveIdleNs;
            keepaliveUnanswered = 0;
        } else {
            keepaliveAt = Deadlines.NONE;
        }
        updateTimer();
    }

    /** Keepalive probes go in ESTABLISHED and CLOSE-WAIT only. */
    private boolean keepaliveRuns() {
        return state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT;
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

    /**
     * Linux's RTT estimator (tcp_rtt_estimator), RFC 6298's with two refinements: the variation grows at
     * once but shrinks only once per round trip, and never below the minimum RTO; RTO = SRTT + RTTVAR,
     * in whole milliseconds as Linux's jiffies, at most the configured maximum.
     */
    private void rttSample(long mUs) {
        long rtoMinUs = config.rtoMinNs() / 1000;
        long m = mUs;
        long srtt = srttUs8;
        if (srtt != 0) {
            m -= srtt >> 3;
            srtt += m;
            if (m < 0) {
                m = -m;
                m -= mdevUs >> 2;
                if (m > 0) {
                    m >>= 3; // a falling RTT moves the variation slowly (Eifel-like)
                }
            } else {
                m -= mdevUs >> 2;
            }
            mdevUs += m;
            if (mdevUs > mdevMaxUs) {
                mdevMaxUs = mdevUs;
                if (mdevMaxUs > rttvarUs) {
                    rttvarUs = mdevMaxUs;
                }
            }
            if (Seq.gt(sndUna, rttSeq)) {
                if (mdevMaxUs < rttvarUs) {
                    rttvarUs -= (rttvarUs - mdevMaxUs) >> 2;
                }
                rttSeq = sndMax;
                mdevMaxUs = rtoMinUs;
            }
        } else {
            srtt = m << 3;
            mdevUs = m << 1; // RTO = 3 * RTT after the first sample
            rttvarUs = Math.max(mdevUs, rtoMinUs);
            mdevMaxUs = rttvarUs;
            rttSeq = sndMax;
        }
        srttUs8 = Math.max(1, srtt);
        long rtoUs = (srttUs8 >> 3) + rttvarUs;
        long rtoMs = (rtoUs + 999) / 1000;
        rtoNs = Math.min(rtoMs * 1_000_000L, config.rtoMaxNs());
    }

    /** Our timestamp clock (RFC 7323 5.4: milliseconds, with a per-connection offset). */
    private int tsValAt(long nowNs) {
        return (int) (nowNs / 1_000_000) + tsOffset;
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
        tcp.timers().cancel(handle);
        tcp.connectionClosed(this);
        if (send.hasRing()) {
            tcp.giveRing(send.detach()); // unsent and unacknowledged data will never go now
        }
        returnReceiveRingIfDrained(); // data not yet read stays readable until the connection is freed
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

    /**
     * The SACK blocks for the next ACK (RFC 2018 4): a D-SACK block first if a duplicate arrived (RFC 2883),
     * then the block holding the most recently received segment, then the other recent ones, then any
     * other out-of-order ranges; three blocks fit beside timestamps, four without.
     */
    private int buildSackBlocks() {
        int max = tsOk ? 3 : 4;
        int n = 0;
        if (dsackPending && config.dsack()) {
            sackBlocksOut[0] = dsackStart;
            sackBlocksOut[1] = dsackEnd;
            n = 1;
        } else {
            dsackPending = false;
        }
        int ranges = receive.ranges();
        for (int r = 0; r < sackRecentCount && n < max; r++) {
            int at = sackRecent[r] - rcvNxt;
            for (int i = 0; i < ranges; i++) {
                if (receive.rangeStart(i) <= at && at < receive.rangeEnd(i)) {
                    n = addSackBlock(n, rcvNxt + receive.rangeStart(i), rcvNxt + receive.rangeEnd(i));
                    break;
                }
            }
        }
        for (int i = 0; i < ranges && n < max; i++) {
            n = addSackBlock(n, rcvNxt + receive.rangeStart(i), rcvNxt + receive.rangeEnd(i));
        }
        return n;
    }

    private int addSackBlock(int n, int start, int end) {
        int first = dsackPending && config.dsack() ? 1 : 0;
        for (int b = first; b < n; b++) {
            if (sackBlocksOut[2 * b] == start) {
                return n;
            }
        }
        sackBlocksOut[2 * n] = start;
        sackBlocksOut[2 * n + 1] = end;
        return n + 1;
    }

    /** Remembers an out-of-order arrival for the SACK blocks, newest first (RFC 2018 4). */
    private void noteSackArrival(int seq) {
        int keep = Math.min(sackRecentCount, MAX_SACK_BLOCKS - 1);
        System.arraycopy(sackRecent, 0, sackRecent, 1, keep);
        sackRecent[0] = seq;
        sackRecentCount = keep + 1;
    }

    /** A duplicate arrived: report it in a D-SACK block of the next ACK (RFC 2883 4). */
    private void noteDuplicate(int start, int end) {
        if (!sackOk || !config.dsack()) {
            return;
        }
        dsackPending = true;
        dsackStart = start;
        dsackEnd = end;
    }

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
        int tsVal = tsValAt(nowNs);
        boolean sackPermitted = syn && (active ? config.sack() : sackOk);
        int sackBlocks = !syn && (flags & ACK) != 0 && (flags & RST) == 0 && sackOk ? buildSackBlocks() : 0;
        int dataOffset = seq - sndUna - (synAcked ? 0 : 1);
        boolean sent = tcp.emit(this, seq, syn && state == TcpState.SYN_SENT ? 0 : rcvNxt, flags, window, mss, wscale,
            sackPermitted, ts, tsVal, syn && (flags & ACK) == 0 ? 0 : tsRecent, sackBlocksOut, sackBlocks, send, dataOffset, length,
            smss, nowNs);
        if (!sent) {
            tcp.markOutput(this);
            return false;
        }
        segmentsOut++;
        lastSendNs = nowNs;
        if (sackBlocks > 0 && dsackPending) {
            dsackPending = false;
            stack.counters().increment(Counter.TCP_DSACKS_SENT);
        }
        if ((flags & ACK) != 0) {
            if (quickAcks > 0 && ackScheduled) {
                quickAcks--; // Linux tcp_dec_quickack_mode
                if (quickAcks == 0) {
                    atoNs = config.delayedAckNs();
                }
            }
            ackScheduled = false;
            lastAckSent = rcvNxt;
            ackNow = false;
            unackedReceivedBytes = 0;
            delayedAckAt = Deadlines.NONE;
        }
        return true;
    }

    /** Internal loss-recovery state, for debugging. */
    public String debugState() {
        StringBuilder b = new StringBuilder(toString()).append(" ca=").append(caState).append(" una=").append(sndUna)
            .append(" max=").append(sndMax).append(" dataEnd=").append(dataEnd()).append(" wnd=").append(sndWnd)
            .append(" cwnd=").append(cwnd.cwnd).append(" ssth=").append(cwnd.ssthresh).append(" out=").append(board.packetsOut)
            .append(" sacked=").append(board.sackedOut).append(" lost=").append(board.lostOut).append(" retrans=")
            .append(board.retransOut).append(" reno=").append(renoSacked).append(" timer=").append(retransmitKind).append('@')
            .append(retransmitAt).append(" now=").append(stack.nowNs()).append(" high=").append(highSeq).append(" rcvNxt=")
            .append(rcvNxt).append(" ranges=").append(receive.ranges()).append(" readable=").append(receive.readable())
            .append(" entries:");
        for (int i = 0; i < Math.min(board.size(), 12); i++) {
            int sl = board.slot(i);
            b.append(' ').append(board.start(sl) - sndUna).append('-').append(board.end(sl) - sndUna).append('/')
                .append(board.flags(sl));
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "tcp " + IpAddress.v4ToString(localAddress) + ":" + localPort + "<->" + IpAddress.v4ToString(remoteAddress)
            + ":" + remotePort + " " + state;
    }
}
