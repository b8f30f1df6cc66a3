package dev.bypass.stack;

import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.FIN;
import static dev.bypass.stack.wire.TcpHeader.PSH;
import static dev.bypass.stack.wire.TcpHeader.RST;
import static dev.bypass.stack.wire.TcpHeader.SYN;

import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.time.TimerQueue;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.TcpHeader;
import dev.bypass.stack.wire.TcpSegment;
import java.util.Arrays;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * TCP for one stack: finds the connection or listener of each segment, answers segments that have
 * neither with a reset (RFC 9293 3.10.7.1), opens connections, and builds every segment sent.
 *
 * <p>Connections come from a pool sized by {@link TcpConfig#maxConnections()}: a SYN beyond it is
 * dropped and counted, a connect beyond it is refused with an exception. Each connection has a fixed
 * timer handle in the stack's {@link TimerQueue}.
 *
 * <p>Work that a segment or an application call creates is deferred to the end of the stack's poll:
 * connections marked for output send once, and events reach handlers after all input was processed
 * (never re-entering a protocol step).
 */
public final class Tcp {
    private static final int HEADERS = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH + TcpHeader.MIN_LENGTH;
    private static final int MAX_OPTIONS_ON_DATA = 12 + 4 + 36; // timestamps, and room for SACK later
    /** Largest super-segment cut in software when the device has no TSO (Linux's GSO limit, 64 KiB). */
    private static final int GSO_MAX_BYTES = 65535 + EthernetHeader.LENGTH;

    private final NetworkStack stack;
    private final StackConfig stackConfig;
    private final TcpConfig config;
    private final TcpSegment segment = new TcpSegment();
    private final TcpHeader header = new TcpHeader();
    private final TcpSecrets secrets;
    private final TcpConnectionTable table;
    private final Int2ObjectHashMap<TcpListener> listeners = new Int2ObjectHashMap<>();
    private final TcpConnection[] connections;
    private final int[] free;
    private int freeCount;
    private final boolean offloadChecksum;
    /** Largest frame the device segments itself; 0 without TSO. */
    private final int maxTsoBytes;
    /** Super-segments are built (config.tso()): cut by the device's TSO, or in software (GSO) without it. */
    private final boolean superSegments;
    /** Most segments one software cut may take: a fraction of the frame pool, so a small pool never starves. */
    private final int gsoMaxSegments;
    /** Frames the largest software cut of this output pass waited for (0: none waited). */
    private int framesWanted;
    private int nextEphemeral;

    private TcpConnection[] outputList;
    private int outputCount;
    private TcpConnection[] readyList;
    private int readyCount;
    private TcpListener[] readyListeners = new TcpListener[8];
    private int readyListenerCount;
    private final TcpBufferPool bufferPool;
    /** Connections whose write found the buffer pool exhausted, woken when a ring is returned. */
    private TcpConnection[] sendRingWaiters = new TcpConnection[8];
    private int sendRingWaiterCount;

    Tcp(NetworkStack stack, StackConfig stackConfig, DeviceCapabilities capabilities, int frameRoom, int poolFrames,
        int firstTimerHandle) {
        this.stack = stack;
        this.stackConfig = stackConfig;
        this.config = stackConfig.tcp();
        this.secrets = new TcpSecrets(stackConfig.secretSeed());
        this.table = new TcpConnectionTable(config.maxConnections(), secrets.hashKey());
        this.offloadChecksum = capabilities.has(DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM);
        this.maxTsoBytes = config.tso() && capabilities.has(DeviceCapabilities.OFFLOAD_TSO)
            ? Math.min(Math.min(capabilities.maxTsoBytes(), frameRoom), 65535 + EthernetHeader.LENGTH) : 0;
        this.superSegments = config.tso();
        this.gsoMaxSegments = Math.max(2, poolFrames / 8);
        this.bufferPool = new TcpBufferPool(config.bufferPoolBytes(), stack.counters());
        int n = config.maxConnections();
        connections = new TcpConnection[n];
        free = new int[n];
        for (int i = 0; i < n; i++) {
            connections[i] = new TcpConnection(this, stack, config, firstTimerHandle + i);
            stack.timers().register(firstTimerHandle + i, connections[i]);
            free[i] = n - 1 - i;
        }
        freeCount = n;
        outputList = new TcpConnection[n];
        readyList = new TcpConnection[n];
        nextEphemeral = 0;
    }

    TcpSecrets secrets() {
        return secrets;
    }

    TimerQueue timers() {
        return stack.timers();
    }

    TcpBufferPool bufferPool() {
        return bufferPool;
    }

    /** Bytes of send and receive rings lent to connections now (0 when every connection is idle). */
    public long bufferBytesInUse() {
        return bufferPool.bytesInUse();
    }

    /** Direct memory the TCP buffer pool holds, lent or free. */
    public long bufferBytesAllocated() {
        return bufferPool.bytesAllocated();
    }

    /** {@code c} waits for a send ring: it hears of the next one returned. */
    void waitForSendRing(TcpConnection c) {
        sendRingWaiters = grow(sendRingWaiters, sendRingWaiterCount);
        sendRingWaiters[sendRingWaiterCount++] = c;
    }

    /** Gives a ring back to the pool and wakes the writers that waited for one (they try again). */
    void giveRing(UnsafeBuffer ring) {
        bufferPool.give(ring);
        int n = sendRingWaiterCount;
        if (n > 0) {
            sendRingWaiterCount = 0;
            for (int i = 0; i < n; i++) {
                TcpConnection c = sendRingWaiters[i];
                sendRingWaiters[i] = null;
                if (c.inUse) {
                    c.sendRingAvailable();
                }
            }
        }
    }

    /** Connections in use (any state, TIME-WAIT included). */
    public int connectionCount() {
        return connections.length - freeCount;
    }

    // =============================================================================================
    // Input
    // =============================================================================================

    Counter input(Ipv4Packet p, long nowNs) {
        if (p.broadcast) {
            return Counter.TCP_DROP_BAD_ADDRESS;
        }
        TcpSegment seg = segment;
        if (!seg.parse(p.buffer, p.payloadOffset, p.payloadLength)) {
            return Counter.TCP_DROP_MALFORMED;
        }
        if ((p.rxFlags & Frame.RX_L4_CHECKSUM_GOOD) == 0) {
            int sum = Checksum.add(Checksum.pseudoHeaderV4(p.source, p.destination, Ipv4Header.PROTOCOL_TCP,
                p.payloadLength), Checksum.sum(p.buffer, p.payloadOffset, p.payloadLength));
            if (!Checksum.isValid(sum)) {
                return Counter.TCP_DROP_BAD_CHECKSUM;
            }
        }
        stack.counters().increment(Counter.TCP_IN_SEGS);
        if (seg.badOptions) {
            stack.counters().increment(Counter.TCP_BAD_OPTIONS);
        }
        TcpConnection c = table.get(p.destination, seg.destinationPort, p.source, seg.sourcePort);
        if (c != null) {
            if (c.state != TcpState.TIME_WAIT || !reopensTimeWait(c, seg)) {
                return c.input(seg, p.buffer, nowNs);
            }
            // RFC 6191 / RFC 1122 4.2.2.13: a new SYN may end TIME-WAIT early; it goes to the listener.
            c.endTimeWait(nowNs);
        }
        TcpListener listener = listeners.get(seg.destinationPort);
        if (listener != null) {
            return inputListen(listener, seg, p, nowNs);
        }
        Counter fate = stack.passToKernel(p.reassembled); // ssh and the like, with an exception path
        return fate != null ? fate : inputClosed(seg, p);
    }

    private boolean reopensTimeWait(TcpConnection c, TcpSegment seg) {
        return seg.has(SYN) && !seg.has(ACK) && !seg.has(RST) && listeners.containsKey(seg.destinationPort)
            && c.acceptsNewSyn(seg);
    }

    /** RFC 9293 3.10.7.1: no connection. A reset answers anything but a reset. */
    private Counter inputClosed(TcpSegment seg, Ipv4Packet p) {
        if (!seg.has(RST)) {
            if (seg.has(ACK)) {
                sendReset(p.destination, seg.destinationPort, p.source, seg.sourcePort, seg.ack, 0, false);
            } else {
                sendReset(p.destination, seg.destinationPort, p.source, seg.sourcePort, 0, seg.seq + seg.sequenceLength(),
                    true);
            }
        }
        return Counter.TCP_DROP_NO_SOCKET;
    }

    /** RFC 9293 3.10.7.2: LISTEN. */
    private Counter inputListen(TcpListener listener, TcpSegment seg, Ipv4Packet p, long nowNs) {
        if (seg.has(RST)) {
            return Counter.TCP_DROP_IGNORED;
        }
        if (seg.has(ACK)) {
            sendReset(p.destination, seg.destinationPort, p.source, seg.sourcePort, seg.ack, 0, false);
            return Counter.TCP_DROP_BAD_ACK;
        }
        if (!seg.has(SYN) || seg.has(FIN)) {
            return Counter.TCP_DROP_IGNORED; // nothing to do; SYN+FIN is a scanner's probe, not an open
        }
        if (listener.isFull()) {
            return Counter.TCP_DROP_LISTEN_OVERFLOW;
        }
        TcpConnection c = allocate(p.destination, seg.destinationPort, p.source, seg.sourcePort, listener.options());
        if (c == null) {
            return Counter.TCP_DROP_NO_MEMORY;
        }
        listener.halfOpenStarted();
        table.put(c);
        c.openPassive(listener, seg, nowNs);
        return null;
    }

    /** ICMP error about one of our segments: checked against the connection's window (RFC 5927). */
    boolean onIcmpError(int localAddress, int remoteAddress, int localPort, int remotePort, int seq, int code, int mtu,
                        long nowNs) {
        TcpConnection c = table.get(localAddress, localPort, remoteAddress, remotePort);
        if (c == null || !c.sequenceInFlight(seq)) {
            return false;
        }
        c.icmpUnreachable(code, mtu, nowNs);
        return true;
    }

    // =============================================================================================
    // Opening
    // =============================================================================================

    /** Listens on {@code port} (0 picks a free ephemeral port) with the configured backlog. */
    public TcpListener listen(int port) {
        return listen(port, config.listenBacklog());
    }

    public TcpListener listen(int port, int backlog) {
        return listen(port, backlog, config);
    }

    /**
     * Listens on {@code port} with the per-socket settings of {@code options} (buffers, Nagle, keepalive,
     * congestion control, MSS clamp, ...): connections it accepts inherit them, as accepted sockets
     * inherit the listening socket's options on Linux. Stack-wide limits still come from the stack's
     * config.
     */
    public TcpListener listen(int port, int backlog, TcpConfig options) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("TCP port out of range 0..65535: " + port);
        }
        if (backlog <= 0) {
            throw new IllegalArgumentException("listen backlog must be positive, got " + backlog);
        }
        if (port == 0) {
            port = freeListenPort();
        } else if (listeners.containsKey(port)) {
            throw new IllegalStateException("TCP port " + port + " already has a listener on "
                + IpAddress.v4ToString(stackConfig.address()));
        }
        TcpListener l = new TcpListener(this, stackConfig.address(), port, backlog, options);
        listeners.put(port, l);
        return l;
    }

    void unlisten(TcpListener listener) {
        listeners.remove(listener.port());
    }

    /** Opens a connection to {@code remote} from an ephemeral port. */
    public TcpConnection connect(Endpoint remote) {
        return connect(remote.address().v4(), remote.port(), 0);
    }

    /**
     * Opens a connection to {@code remoteAddress:remotePort} from {@code localPort} (0: an ephemeral port
     * chosen per RFC 6056 algorithm 3). The SYN leaves on this poll; {@link TcpHandler#onConnected} or
     * {@link TcpConnection#state()} tells when it is established.
     */
    public TcpConnection connect(int remoteAddress, int remotePort, int localPort) {
        return connect(remoteAddress, remotePort, localPort, config);
    }

    /**
     * As {@link #connect(int, int, int)}, with the per-socket settings of {@code options} (what
     * setsockopt before connect sets on Linux: buffers, Nagle, keepalive, congestion control, MSS clamp).
     */
    public TcpConnection connect(int remoteAddress, int remotePort, int localPort, TcpConfig options) {
        if (!stack.started()) {
            throw new IllegalStateException("stack '" + stackConfig.name() + "' has no clock yet: call start(nowNs) or"
                + " poll(nowNs) before connect");
        }
        if (remotePort <= 0 || remotePort > 65535) {
            throw new IllegalArgumentException("cannot connect to port " + remotePort + " (1..65535)");
        }
        if (!Ipv4.isUnicast(remoteAddress) || stack.ipv4().isDirectedBroadcast(remoteAddress)
            || stackConfig.isLocalAddress(remoteAddress)) {
            throw new IllegalArgumentException("cannot connect to " + IpAddress.v4ToString(remoteAddress)
                + ": not a remote unicast address");
        }
        if (stack.ipv4().route(remoteAddress) == 0) {
            throw new IllegalStateException("no route to " + IpAddress.v4ToString(remoteAddress) + " (stack '"
                + stackConfig.name() + "' routes: " + stackConfig.routes() + ")");
        }
        int local = stackConfig.address();
        if (localPort == 0) {
            localPort = ephemeralPort(local, remoteAddress, remotePort);
        } else if (table.get(local, localPort, remoteAddress, remotePort) != null) {
            throw new IllegalStateException("connection " + IpAddress.v4ToString(local) + ":" + localPort + " -> "
                + IpAddress.v4ToString(remoteAddress) + ":" + remotePort + " already exists");
        }
        TcpConnection c = allocate(local, localPort, remoteAddress, remotePort, options);
        if (c == null) {
            throw new IllegalStateException("TCP connection limit reached (" + config.maxConnections()
                + " connections, TcpConfig.maxConnections)");
        }
        table.put(c);
        c.openActive(stack.nowNs());
        return c;
    }

    /**
     * RFC 6056 algorithm 3: a per-destination offset plus a shared counter, skipping ports in use and, on a
     * stack that serves one queue of a multi-queue device, ports whose replies would land on another queue.
     */
    private int ephemeralPort(int local, int remoteAddress, int remotePort) {
        int first = config.ephemeralPortFirst();
        int span = config.ephemeralPortLast() - first + 1;
        int offset = secrets.portOffset(local, remoteAddress, remotePort);
        for (int i = 0; i < span; i++) {
            int port = first + (int) (((offset & 0xFFFF_FFFFL) + nextEphemeral + i) % span);
            if (!listeners.containsKey(port) && table.get(local, port, remoteAddress, remotePort) == null
                && stack.receivesFlow(remoteAddress, local, remotePort, port)) {
                nextEphemeral += i + 1;
                return port;
            }
        }
        throw new IllegalStateException("no free ephemeral port towards " + IpAddress.v4ToString(remoteAddress) + ":"
            + remotePort + " in " + first + ".." + config.ephemeralPortLast()
            + (stack.queue() >= 0 ? " whose replies hash to queue " + stack.queue() : ""));
    }

    private int freeListenPort() {
        for (int port = config.ephemeralPortFirst(); port <= config.ephemeralPortLast(); port++) {
            if (!listeners.containsKey(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port to listen on in the ephemeral range");
    }

    private TcpConnection allocate(int localAddress, int localPort, int remoteAddress, int remotePort,
        TcpConfig options) {
        if (freeCount == 0) {
            return null;
        }
        TcpConnection c = connections[free[--freeCount]];
        c.inUse = true;
        c.reset(localAddress, localPort, remoteAddress, remotePort, options);
        return c;
    }

    /** The connection left the table (CLOSED). */
    void connectionClosed(TcpConnection c) {
        table.remove(c);
        stack.timers().cancel(c.handle());
    }

    /** The connection object goes back to the pool. */
    void release(TcpConnection c) {
        if (!c.inUse) {
            return;
        }
        table.remove(c);
        stack.timers().cancel(c.handle());
        c.returnRings();
        c.inUse = false;
        free[freeCount++] = c.handle() - connections[0].handle();
    }

    // =============================================================================================
    // Deferred work: output and events
    // =============================================================================================

    void markOutput(TcpConnection c) {
        if (!c.onOutputList) {
            c.onOutputList = true;
            outputList = grow(outputList, outputCount);
            outputList[outputCount++] = c;
        }
    }

    void markReady(TcpConnection c) {
        if (!c.onReadyList) {
            c.onReadyList = true;
            readyList = grow(readyList, readyCount);
            readyList[readyCount++] = c;
        }
    }

    void markListenerReady(TcpListener l) {
        if (readyListenerCount == readyListeners.length) {
            readyListeners = Arrays.copyOf(readyListeners, readyListeners.length * 2);
        }
        readyListeners[readyListenerCount++] = l;
    }

    private static TcpConnection[] grow(TcpConnection[] list, int count) {
        return count < list.length ? list : Arrays.copyOf(list, list.length * 2);
    }

    boolean hasPendingEvents() {
        return readyCount > 0 || readyListenerCount > 0;
    }

    boolean hasPendingOutput() {
        return outputCount > 0;
    }

    /** Frames the output held back waits for: the largest software cut that found too few (at least 1). */
    int framesWanted() {
        return Math.max(1, framesWanted);
    }

    /** Runs output for the connections marked before this call; returns how many sent something. */
    int runOutput(long nowNs) {
        framesWanted = 0;
        int n = outputCount;
        int progressed = 0;
        for (int i = 0; i < n; i++) {
            TcpConnection c = outputList[i];
            c.onOutputList = false;
            if (c.inUse) {
                long before = c.segmentsSent();
                c.output(nowNs);
                if (c.segmentsSent() != before) {
                    progressed++;
                }
            }
        }
        // Connections marked during this pass (no frame free) wait for the next poll.
        int later = outputCount - n;
        System.arraycopy(outputList, n, outputList, 0, later);
        Arrays.fill(outputList, later, outputCount, null);
        outputCount = later;
        return progressed;
    }

    /** Delivers events to handlers; returns how many connections and listeners were told. */
    int dispatchEvents() {
        int n = readyListenerCount;
        for (int i = 0; i < n; i++) {
            TcpListener l = readyListeners[i];
            readyListeners[i] = null;
            l.dispatch();
        }
        System.arraycopy(readyListeners, n, readyListeners, 0, readyListenerCount - n);
        readyListenerCount -= n;
        int m = readyCount;
        for (int i = 0; i < m; i++) {
            TcpConnection c = readyList[i];
            c.onReadyList = false;
            if (c.inUse) {
                c.dispatch();
            }
        }
        int later = readyCount - m;
        System.arraycopy(readyList, m, readyList, 0, later);
        Arrays.fill(readyList, later, readyCount, null);
        readyCount = later;
        return n + m;
    }

    // =============================================================================================
    // Segment building
    // =============================================================================================

    /**
     * Largest payload of a super-segment (whole segments of {@code smss}): the device's TSO limit, or
     * Linux's 64 KiB GSO limit when the stack cuts super-segments itself; {@code smss} when they are off.
     */
    int maxTsoPayload(int smss) {
        if (!superSegments || smss <= 0) {
            return smss;
        }
        if (maxTsoBytes > 0) {
            int room = maxTsoBytes - HEADERS - MAX_OPTIONS_ON_DATA;
            return Math.max(smss, room - room % smss);
        }
        int room = GSO_MAX_BYTES - HEADERS - MAX_OPTIONS_ON_DATA;
        return Math.max(smss, Math.min(room - room % smss, gsoMaxSegments * smss));
    }

    /**
     * Builds a segment and hands it to IPv4: header, options, then {@code length} bytes copied from
     * {@code data} at {@code dataOffset}. A payload above the segment size is a super-segment: a TSO
     * device cuts it; without TSO it is cut here (generic segmentation, as Linux's GSO), each piece with the
     * same options and only the last keeping PSH and FIN. Returns false if no frame was free (nothing sent).
     */
    boolean emit(TcpConnection c, int seq, int ack, int flags, int window, int mss, int windowScale, boolean sackPermitted,
                 boolean timestamps, int tsVal, int tsEcr, int[] sackBlocks, int sackBlockCount, TcpSendBuffer data,
                 int dataOffset, int length, int smss, long nowNs) {
        int optionsLength = TcpSegment.optionsLength(mss >= 0, windowScale >= 0, sackPermitted, timestamps, sackBlockCount);
        // smss assumes the options of every data segment (timestamps); SACK blocks take room from the payload
        // of each wire segment (Linux tcp_current_mss). Super-segments are cut at that smaller size; without them
        // a full segment keeps its size and carries only the SACK blocks that fit (the next ACK carries them all).
        int segmentSize = smss;
        if (length > 0 && smss > 0 && sackBlockCount > 0) {
            int base = TcpSegment.optionsLength(false, false, false, timestamps, 0);
            if (!superSegments) {
                while (sackBlockCount > 0 && length > smss - (optionsLength - base)) {
                    sackBlockCount--;
                    optionsLength = TcpSegment.optionsLength(false, false, false, timestamps, sackBlockCount);
                }
            } else {
                segmentSize = smss - (optionsLength - base);
            }
        }
        boolean superSegment = length > segmentSize && segmentSize > 0;
        if (!superSegment || maxTsoBytes > 0) {
            return emitFrame(c, seq, ack, flags, window, mss, windowScale, sackPermitted, timestamps, tsVal, tsEcr,
                sackBlocks, sackBlockCount, optionsLength, data, dataOffset, length, superSegment ? segmentSize : 0, nowNs);
        }
        int pieces = (length + segmentSize - 1) / segmentSize;
        if (stack.txFramesAvailable() < pieces) {
            stack.counters().increment(Counter.TCP_TX_NO_BUFFER);
            framesWanted = Math.max(framesWanted, pieces);
            return false; // all or nothing: the connection resumes once the pool holds enough frames
        }
        stack.counters().increment(Counter.TCP_GSO_SEGMENTS);
        for (int offset = 0; offset < length; offset += segmentSize) {
            int piece = Math.min(segmentSize, length - offset);
            int pieceFlags = offset + piece < length ? flags & ~(PSH | FIN) : flags;
            emitFrame(c, seq + offset, ack, pieceFlags, window, mss, windowScale, sackPermitted, timestamps, tsVal, tsEcr,
                sackBlocks, sackBlockCount, optionsLength, data, dataOffset + offset, piece, 0, nowNs);
        }
        return true;
    }

    /** One frame: a segment, or a super-segment for the device to cut at {@code tsoSegmentSize} (0: none). */
    private boolean emitFrame(TcpConnection c, int seq, int ack, int flags, int window, int mss, int windowScale,
                              boolean sackPermitted, boolean timestamps, int tsVal, int tsEcr, int[] sackBlocks,
                              int sackBlockCount, int optionsLength, TcpSendBuffer data, int dataOffset, int length,
                              int tsoSegmentSize, long nowNs) {
        Frame frame = stack.allocateTxFrame();
        if (frame == null) {
            stack.counters().increment(Counter.TCP_TX_NO_BUFFER);
            return false;
        }
        int offset = frame.offset();
        int headerLength = TcpHeader.MIN_LENGTH + optionsLength;
        header.wrap(frame.buffer(), offset).write(c.localPort, c.remotePort, seq, ack, headerLength, flags, window);
        TcpSegment.emitOptions(frame.buffer(), offset + TcpHeader.MIN_LENGTH, mss, windowScale, sackPermitted, timestamps,
            tsVal, tsEcr, sackBlocks, sackBlockCount);
        if (length > 0) {
            data.copyOut(dataOffset, frame.buffer(), offset + headerLength, length);
        }
        int segmentLength = headerLength + length;
        frame.length(segmentLength);
        writeChecksum(frame, c.localAddress, c.remoteAddress, offset, headerLength, segmentLength, tsoSegmentSize);
        int wireSegments = tsoSegmentSize > 0 ? (length + tsoSegmentSize - 1) / tsoSegmentSize : 1;
        stack.counters().add(Counter.TCP_OUT_SEGS, wireSegments);
        if (tsoSegmentSize > 0) {
            stack.counters().increment(Counter.TCP_TSO_SEGMENTS);
        }
        if ((flags & RST) != 0) {
            stack.counters().increment(Counter.TCP_OUT_RSTS);
        }
        stack.ipv4().send(frame, c.localAddress, c.remoteAddress, Ipv4Header.PROTOCOL_TCP, true, nowNs);
        return true;
    }

    /**
     * Sends a reset from no connection (RFC 9293 3.10.7.1): {@code <SEQ=seq><CTL=RST>}, or with
     * {@code withAck} {@code <SEQ=0><ACK=ack><CTL=RST,ACK>}.
     */
    void sendReset(int localAddress, int localPort, int remoteAddress, int remotePort, int seq, int ack, boolean withAck) {
        Frame frame = stack.allocateTxFrame();
        if (frame == null) {
            return;
        }
        int offset = frame.offset();
        header.wrap(frame.buffer(), offset).write(localPort, remotePort, seq, withAck ? ack : 0, TcpHeader.MIN_LENGTH,
            withAck ? RST | ACK : RST, 0);
        frame.length(TcpHeader.MIN_LENGTH);
        writeChecksum(frame, localAddress, remoteAddress, offset, TcpHeader.MIN_LENGTH, TcpHeader.MIN_LENGTH, 0);
        stack.counters().increment(Counter.TCP_OUT_SEGS);
        stack.counters().increment(Counter.TCP_OUT_RSTS);
        stack.ipv4().send(frame, localAddress, remoteAddress, Ipv4Header.PROTOCOL_TCP, true, stack.nowNs());
    }

    /**
     * The TCP checksum over the pseudo-header (RFC 9293 3.1): in software, or left to the device, in which
     * case the field holds the pseudo-header sum (with the length, or without it for TSO: DPDK's rule).
     */
    private void writeChecksum(Frame frame, int source, int destination, int offset, int headerLength, int segmentLength,
                               int tsoSegmentSize) {
        if (tsoSegmentSize > 0) {
            header.checksum(Checksum.pseudoHeaderV4(source, destination, Ipv4Header.PROTOCOL_TCP, 0));
            frame.txOffload(Frame.TX_TCP_SEGMENTATION | Frame.TX_TCP_CHECKSUM, EthernetHeader.LENGTH,
                Ipv4Header.MIN_LENGTH, headerLength, tsoSegmentSize);
        } else if (offloadChecksum) {
            header.checksum(Checksum.pseudoHeaderV4(source, destination, Ipv4Header.PROTOCOL_TCP, segmentLength));
            frame.txOffload(Frame.TX_TCP_CHECKSUM, EthernetHeader.LENGTH, Ipv4Header.MIN_LENGTH, headerLength, 0);
        } else {
            int sum = Checksum.add(Checksum.pseudoHeaderV4(source, destination, Ipv4Header.PROTOCOL_TCP, segmentLength),
                Checksum.sum(frame.buffer(), offset, segmentLength));
            header.checksum(Checksum.finish(sum));
        }
    }
}
