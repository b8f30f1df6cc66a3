package dev.bypass.stack;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.counters.StackCounters;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.FramePool;
import dev.bypass.stack.device.NetworkDevice;
import dev.bypass.stack.device.Toeplitz;
import dev.bypass.stack.time.Deadlines;
import dev.bypass.stack.time.TimerQueue;
import dev.bypass.stack.wire.EthernetHeader;
import org.agrona.MutableDirectBuffer;

/**
 * The protocols over one device (one "resource"): Ethernet, ARP, IPv4 with ICMP, UDP and TCP. Pure: no
 * threads, no I/O of its own, no clock — whoever drives it passes the time in.
 *
 * <p>One duty cycle is one {@link #poll}: receive a burst from each rx queue and process every frame,
 * run expired timers, deliver events to handlers, send what connections have to send, flush the tx
 * burst (and every {@link StackConfig#txBurst()} frames before that). {@link #nextDeadlineNs()} says when the next call is due if no frame arrives first, so a
 * virtual clock can jump to it and a poll thread can idle until it.
 *
 * <p>Every frame taken from the device ends in exactly one counter: {@link Counter#STACK_RX_ACCEPTED}
 * or a drop reason. Protocol code returns the reason instead of counting it, so a drop cannot go
 * uncounted; an exception from a malformed frame is caught here, counted as an internal error and the
 * frame dropped: input never throws out of the stack.
 *
 * <p>A stack and everything it returns (connections, sockets) belong to the thread that polls it.
 */
public final class NetworkStack implements AutoCloseable {
    private static final int ARP_TIMER = 0;
    private static final int REASSEMBLY_TIMER = 1;
    private static final int IGMP_TIMER = 2;
    private static final int FIRST_TCP_TIMER = 3;
    /** With the frame pool empty and output waiting, the stack asks to be polled again this much later. */
    private static final long STARVED_RETRY_NS = 10_000;

    private final StackConfig config;
    private final NetworkDevice device;
    private final StackCounters counters;
    private final TimerQueue timers;
    private final Ethernet ethernet;
    private final Arp arp;
    private final Ipv4 ipv4;
    private final Icmp icmp;
    private final Igmp igmp;
    private final Udp udp;
    private final Tcp tcp;
    private final Frame[] burst;
    /** The receive queues this stack polls: [firstRxQueue, endRxQueue). */
    private final int firstRxQueue;
    private final int endRxQueue;
    private final int txQueue;
    /** The queue this stack serves alone, or -1 when it serves the whole device. */
    private final int queue;
    private final FramePool pool;
    /** The device's RSS hash when this stack serves one of several queues, else null. */
    private final Toeplitz rss;
    private final int rssQueues;
    /** Set by {@link QueueShards}: where ARP frames go for the other queues' stacks, and where theirs come in. */
    private QueueShards shards;
    /** Where frames the stack does not claim go (the host's kernel), or null: they are dropped or refused. */
    private ExceptionPath exceptionPath;
    /** The frame {@link #receive} is processing, for the exception path; null outside it. */
    private Frame receiving;
    /** Frames handed to the device since its last flush. */
    private int txQueued;
    private long nowNs;
    private boolean started;
    private RuntimeException lastInternalError;

    public NetworkStack(StackConfig config, NetworkDevice device) {
        this(config, device, new StackCounters(config.name()));
    }

    public NetworkStack(StackConfig config, NetworkDevice device, StackCounters counters) {
        this(config, device, counters, -1);
    }

    /**
     * A stack that serves only queue {@code queue} of {@code device} (receive and transmit), on a thread of
     * its own, alongside one such stack per other queue ({@link QueueShards} builds and links them), or the
     * whole device when {@code queue} is -1. A queue's stack takes its frames from the queue's pool and, when
     * the device spreads flows by RSS, picks the source ports of its active opens so that replies come back
     * to its own queue.
     */
    public NetworkStack(StackConfig config, NetworkDevice device, StackCounters counters, int queue) {
        this.config = config;
        this.device = device;
        this.counters = counters;
        DeviceCapabilities caps = device.capabilities();
        if (queue < -1 || queue >= caps.rxQueues() || queue >= caps.txQueues()) {
            throw new IllegalArgumentException("stack '" + config.name() + "': queue " + queue + " is not one of device "
                + device.name() + "'s (" + caps.rxQueues() + " receive, " + caps.txQueues() + " transmit queues)");
        }
        this.queue = queue;
        this.pool = queue < 0 ? device.pool() : device.pool(queue);
        byte[] key = device.rssKey();
        this.rss = queue >= 0 && caps.rxQueues() > 1 && key != null ? new Toeplitz(key) : null;
        this.rssQueues = caps.rxQueues();
        int mtu = config.mtu() == 0 ? device.mtu() : config.mtu();
        if (mtu > device.mtu()) {
            throw new IllegalArgumentException("stack '" + config.name() + "': mtu " + mtu + " above the device's "
                + device.mtu());
        }
        int frameRoom = pool.frameCapacity() - pool.headroom();
        if (frameRoom < mtu + EthernetHeader.LENGTH + EthernetHeader.VLAN_TAG_LENGTH) {
            throw new IllegalArgumentException("stack '" + config.name() + "': frames of " + pool.frameCapacity()
                + " bytes with " + pool.headroom() + " bytes headroom cannot hold an MTU " + mtu + " packet");
        }
        this.timers = new TimerQueue(FIRST_TCP_TIMER + config.tcp().maxConnections());
        this.ethernet = new Ethernet(this, device.macAddress());
        this.arp = new Arp(this, config, ARP_TIMER);
        this.ipv4 = new Ipv4(this, config, mtu, caps.has(DeviceCapabilities.OFFLOAD_TX_IP_CHECKSUM), REASSEMBLY_TIMER);
        this.icmp = new Icmp(this, config);
        this.igmp = new Igmp(this, IGMP_TIMER);
        this.udp = new Udp(this, config, caps.has(DeviceCapabilities.OFFLOAD_TX_UDP_CHECKSUM));
        this.tcp = new Tcp(this, config, caps, frameRoom, pool.size(), FIRST_TCP_TIMER);
        timers.register(ARP_TIMER, arp);
        timers.register(REASSEMBLY_TIMER, ipv4.reassemblyTimerOwner());
        timers.register(IGMP_TIMER, igmp);
        this.burst = new Frame[config.rxBurst()];
        this.firstRxQueue = Math.max(queue, 0);
        this.endRxQueue = queue < 0 ? caps.rxQueues() : queue + 1;
        this.txQueue = Math.max(queue, 0);
    }

    /** Announces the stack (gratuitous ARP); called by the first {@link #poll} if not before. */
    public void start(long nowNs) {
        if (started) {
            return;
        }
        started = true;
        this.nowNs = nowNs;
        if (config.gratuitousArp()) {
            arp.announce();
        }
        flushTx();
    }

    /**
     * One duty cycle at time {@code nowNs}; returns the work done (frames, timers, events, connections
     * served), 0 when idle.
     */
    public int poll(long nowNs) {
        this.nowNs = nowNs;
        if (!started) {
            start(nowNs);
        }
        int work = 0;
        if (shards != null) {
            work += shards.receiveArp(this);
        }
        if (exceptionPath != null) {
            work += exceptionPath.transmitFromKernel();
        }
        for (int q = firstRxQueue; q < endRxQueue; q++) {
            int n = device.receive(q, burst, burst.length, nowNs);
            for (int i = 0; i < n; i++) {
                Frame frame = burst[i];
                burst[i] = null;
                receive(frame);
            }
            work += n;
        }
        work += timers.poll(nowNs);
        work += tcp.dispatchEvents();
        work += udp.dispatchEvents();
        work += tcp.runOutput(nowNs);
        work += flushTx();
        return work;
    }

    /** Processes one received frame and releases it. For drivers that push frames instead of being polled. */
    public void receive(Frame frame) {
        counters.increment(Counter.ETH_RX_FRAMES);
        Counter drop;
        receiving = frame;
        try {
            drop = ethernet.input(frame, nowNs);
        } catch (RuntimeException e) {
            lastInternalError = e;
            drop = Counter.STACK_INTERNAL_ERRORS;
        } finally {
            receiving = null;
        }
        counters.increment(drop == null ? Counter.STACK_RX_ACCEPTED : drop);
        frame.release();
    }

    /**
     * Sends the frames the stack does not claim to the host's kernel, and the kernel's frames out on this
     * stack's device ({@link ExceptionPath}); on the stack's thread (before the first poll, or inside it).
     */
    public NetworkStack exceptionPath(ExceptionPath path) {
        if (exceptionPath != null) {
            throw new IllegalStateException("stack '" + config.name() + "' has an exception path already");
        }
        path.attach(this);
        this.exceptionPath = path;
        return this;
    }

    /**
     * The frame being received is not the stack's. With an exception path it goes to the kernel and this
     * returns the counter of its fate; without one (or for a datagram reassembled from fragments, which is
     * no longer one frame) this returns null and the caller does what it does without a kernel: drop,
     * reset or ICMP error.
     */
    Counter passToKernel(boolean reassembled) {
        if (exceptionPath == null || receiving == null || reassembled) {
            return null;
        }
        return exceptionPath.toKernel(receiving);
    }

    /** The kernel gets a copy of the frame being received (ARP: both it and the stack need it). */
    void copyToKernel() {
        if (exceptionPath != null && receiving != null) {
            Counter fate = exceptionPath.toKernel(receiving);
            counters.increment(fate == Counter.EXCEPTION_TO_KERNEL ? Counter.EXCEPTION_COPIED_TO_KERNEL
                : Counter.EXCEPTION_COPY_RING_FULL);
        }
    }

    /**
     * When this stack next needs a {@link #poll} if nothing arrives: a timer, a device's held frame, now
     * if events wait for handlers, and a little later if output waits for frames from an empty pool.
     */
    public long nextDeadlineNs() {
        if (tcp.hasPendingEvents() || udp.hasPendingWork()) {
            return nowNs;
        }
        if ((shards != null && shards.arpWaiting(this)) || (exceptionPath != null && exceptionPath.fromKernelWaiting())) {
            return nowNs;
        }
        long next = Deadlines.earliest(timers.nextDeadlineNs(), device.nextDeadlineNs());
        if (tcp.hasPendingOutput()) {
            // Output waits for frames: soon if the pool holds what it waits for, else when the device frees some.
            boolean enough = pool.available() >= tcp.framesWanted();
            return Deadlines.earliest(next, enough ? nowNs : nowNs + STARVED_RETRY_NS);
        }
        return next;
    }

    public Tcp tcp() {
        return tcp;
    }

    public Udp udp() {
        return udp;
    }

    public Icmp icmp() {
        return icmp;
    }

    /** Multicast group membership of this stack (this resource). */
    public Igmp igmp() {
        return igmp;
    }

    public StackCounters counters() {
        return counters;
    }

    public StackConfig config() {
        return config;
    }

    public NetworkDevice device() {
        return device;
    }

    /** The device queue this stack serves alone, or -1 when it serves the whole device. */
    public int queue() {
        return queue;
    }

    /**
     * True if a TCP or UDP flow from {@code remoteAddress:remotePort} to {@code localAddress:localPort} reaches
     * this stack: always, unless the stack serves one queue of a device that spreads flows by RSS, and the
     * flow's hash selects another queue.
     */
    public boolean receivesFlow(int remoteAddress, int localAddress, int remotePort, int localPort) {
        return rss == null
            || Toeplitz.queueOf(rss.hash(remoteAddress, localAddress, remotePort, localPort), rssQueues) == queue;
    }

    /** The time of the current (or last) poll, or of {@link #advanceTo}. */
    public long nowNs() {
        return nowNs;
    }

    /** True once {@link #start} (or the first {@link #poll}) gave the stack its clock. */
    public boolean started() {
        return started;
    }

    /**
     * Moves the stack's clock forward (never back) without polling: for drivers that run application code
     * before the poll of a duty cycle, so calls such as connect see the current time.
     */
    public void advanceTo(long nowNs) {
        if (!started) {
            start(nowNs);
        } else if (nowNs - this.nowNs > 0) {
            this.nowNs = nowNs;
        }
    }

    /** The last exception a frame raised inside the stack (a bug; counted as an internal error), or null. */
    public RuntimeException lastInternalError() {
        return lastInternalError;
    }

    /** The MAC that ARP resolved for {@code address}, or -1: for tests and diagnostics. */
    public long arpLookup(int address) {
        return arp.lookup(address);
    }

    /** Path MTU towards {@code address}. */
    public int pathMtu(int address) {
        return ipv4.pathMtu(address, nowNs);
    }

    /** Closes the device, unless this stack serves one of its queues ({@link QueueShards} closes it then). */
    @Override
    public void close() {
        if (queue < 0) {
            device.close();
        }
    }

    /** Links this stack into its queue group: called once by {@link QueueShards}. */
    void joinShards(QueueShards group) {
        if (queue < 0) {
            throw new IllegalStateException("stack '" + config.name() + "' serves the whole device, not one queue");
        }
        this.shards = group;
    }

    /** An ARP frame arrived: the stacks of the device's other queues learn from it too. */
    void arpSeen(MutableDirectBuffer buffer, int offset, int length) {
        if (shards != null) {
            shards.forwardArp(this, buffer, offset, length);
        }
    }

    // ----------------------------------------------------------------- for the protocol layers

    Ethernet ethernet() {
        return ethernet;
    }

    Arp arp() {
        return arp;
    }

    Ipv4 ipv4() {
        return ipv4;
    }

    TimerQueue timers() {
        return timers;
    }

    /** A frame for output, or null (counted) when the pool is empty. */
    Frame allocateTxFrame() {
        Frame frame = pool.allocate();
        if (frame == null) {
            counters.increment(Counter.STACK_TX_NO_BUFFER);
        }
        return frame;
    }

    /** Frames the device's pool can still give out (a software segmentation takes all it needs or none). */
    int txFramesAvailable() {
        return pool.available();
    }

    void transmit(Frame frame) {
        counters.increment(Counter.ETH_TX_FRAMES);
        device.transmit(txQueue, frame, nowNs);
        // A device's queue is finite and drops what overflows it: one poll can send far more than it holds
        // (forty connections answering at once, a large congestion window opened by one ACK), so send a
        // burst as soon as it is full rather than only at the end of the poll.
        if (++txQueued >= config.txBurst()) {
            flushTx();
        }
    }

    private int flushTx() {
        txQueued = 0;
        return device.flush(txQueue, nowNs);
    }
}
