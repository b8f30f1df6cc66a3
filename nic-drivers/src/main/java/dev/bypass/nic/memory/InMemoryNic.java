package dev.bypass.nic.memory;

import dev.bypass.nic.offload.SoftwareOffload;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.DirectFramePool;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.FramePool;
import dev.bypass.stack.device.NetworkDevice;
import dev.bypass.stack.device.Toeplitz;
import dev.bypass.stack.wire.EthernetHeader;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * A NIC on a port of an {@link InMemoryNetwork}: the device the stack runs on in tests and the embedded
 * demo, behaving as a hardware NIC does where the stack can tell.
 *
 * <p><b>Receive.</b> Each receive queue is an Agrona {@link ManyToOneRingBuffer} over off-heap memory:
 * the sending NICs, on their own threads, copy frames into it (the wire), and {@link #receive} copies
 * them into frames of this NIC's own pool (the DMA). A full ring drops the frame (counted in
 * {@link #rxRingFull()}), as does an empty pool ({@link #rxNoBuffer()}, DPDK's {@code rx_nombuf}); the NIC
 * carries on once frames come back. With more than one receive queue, or with
 * {@link DeviceCapabilities#OFFLOAD_RX_RSS_HASH}, the NIC computes the Toeplitz hash of each IPv4 frame
 * ({@link RssHash}), delivers it in {@link Frame#rssHash()} with {@link Frame#RX_RSS_HASH}, and picks the
 * queue with {@link Toeplitz#queueOf}; other frames land on queue 0 without a hash.
 *
 * <p><b>Transmit.</b> {@link #transmit} queues a frame (a full queue drops it); {@link #flush} completes
 * any offloads the frame asks for in software ({@link SoftwareOffload}: checksums, TSO cut into segments
 * from this NIC's pool) and hands each wire frame to the switch. The wire only ever carries plain frames
 * of at most MTU + 14 bytes (+ 4 with a VLAN tag); larger ones are dropped ({@link #txOversize()}). A
 * frame asking for an offload the NIC does not advertise is completed all the same, so the wire stays
 * plain.
 *
 * <p><b>Threads.</b> One thread polls a queue: either one thread polls the whole NIC, or each queue has a
 * thread of its own (a stack per queue, {@code StackConfig.queue}). Everything a queue touches is its
 * own: its pool ({@link #pool(int)}), its receive ring's reading side, its transmit queue, its software
 * offload and its counters (plain fields of that thread; the sums read from other threads are
 * snapshots). Between NICs there are only the lock-free rings and MAC table; the receive drops are
 * counted atomically by the sending threads.
 * {@link #linkUp(boolean)} may be called from any thread; while the link is down, frames to and from the
 * NIC are dropped and counted. Nothing is allocated per frame.
 */
public final class InMemoryNic implements NetworkDevice {
    /** Bytes in front of each frame in a receive-ring record: the RSS hash. */
    static final int RING_RECORD_HEADER_BYTES = 4;
    private static final int MSG_FRAME = 1;
    private static final int MSG_FRAME_WITH_HASH = 2;

    private final InMemoryNetwork network;
    private final int port;
    private final InMemoryNicConfig config;
    private final DeviceCapabilities capabilities;
    private final ManyToOneRingBuffer[] rxRings;
    /** One per queue (the larger of the receive and transmit queue counts): what that queue's thread owns. */
    private final Lane[] lanes;
    /** Null when the NIC does not hash: one queue and no RSS hash offload. */
    private final Toeplitz toeplitz;
    private volatile boolean linkUp = true;
    private boolean closed;

    // Counted by the sending NICs' threads.
    private final AtomicLong rxRingFull = new AtomicLong();
    private final AtomicLong rxLinkDown = new AtomicLong();
    private final AtomicLong rxOversize = new AtomicLong();

    /** Creates the NIC and attaches it to {@code port} of {@code network}. */
    public InMemoryNic(InMemoryNetwork network, int port, InMemoryNicConfig config) {
        this.network = network;
        this.port = port;
        this.config = config;
        boolean hashing = config.rxQueues() > 1 || (config.offloads() & DeviceCapabilities.OFFLOAD_RX_RSS_HASH) != 0;
        int offloads = config.offloads() | (hashing ? DeviceCapabilities.OFFLOAD_RX_RSS_HASH : 0);
        this.capabilities = new DeviceCapabilities(config.rxQueues(), config.txQueues(), offloads, config.maxTsoBytes());
        this.toeplitz = hashing ? new Toeplitz(config.rssKey()) : null;
        this.rxRings = new ManyToOneRingBuffer[config.rxQueues()];
        for (int q = 0; q < rxRings.length; q++) {
            // Direct ByteBuffers, not an arena: a sender may still be copying into a ring after close(),
            // and the garbage collector frees the memory only once no ring refers to it.
            int bytes = config.rxRingBytes() + RingBufferDescriptor.TRAILER_LENGTH;
            rxRings[q] = new ManyToOneRingBuffer(new UnsafeBuffer(BufferUtil.allocateDirectAligned(bytes, BitUtil.CACHE_LINE_LENGTH)));
        }
        this.lanes = new Lane[Math.max(config.rxQueues(), config.txQueues())];
        try {
            for (int q = 0; q < lanes.length; q++) {
                String poolName = lanes.length == 1 ? config.name() : config.name() + "-q" + q;
                lanes[q] = new Lane(q, new DirectFramePool(poolName, config.poolFrames(), config.frameCapacityBytes(),
                    config.headroomBytes()));
            }
            network.attach(port, this);
        } catch (RuntimeException e) {
            closePools();
            throw e;
        }
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public long macAddress() {
        return config.mac();
    }

    @Override
    public int mtu() {
        return config.mtu();
    }

    @Override
    public boolean linkUp() {
        return linkUp;
    }

    /** Plugs the cable in or out; from any thread. While down, frames to and from this NIC are dropped. */
    public void linkUp(boolean up) {
        linkUp = up;
    }

    @Override
    public DeviceCapabilities capabilities() {
        return capabilities;
    }

    /** The pool of queue 0. */
    @Override
    public FramePool pool() {
        return lanes[0].pool;
    }

    /** Each queue has a pool of {@link InMemoryNicConfig#poolFrames()} frames, owned by the thread polling it. */
    @Override
    public FramePool pool(int queue) {
        if (queue < 0 || queue >= lanes.length) {
            throw new IllegalArgumentException(name() + ": queue " + queue + " does not exist (" + lanes.length + " queues)");
        }
        return lanes[queue].pool;
    }

    @Override
    public byte[] rssKey() {
        return toeplitz == null ? null : config.rssKey();
    }

    public InMemoryNicConfig config() {
        return config;
    }

    /** The switch port this NIC is plugged into. */
    public int port() {
        return port;
    }

    @Override
    public int receive(int queue, Frame[] frames, int max, long nowNs) {
        checkOpen();
        if (queue < 0 || queue >= rxRings.length) {
            throw new IllegalArgumentException(name() + ": receive queue " + queue + " does not exist (" + rxRings.length + " queues)");
        }
        if (max < 0 || max > frames.length) {
            throw new IllegalArgumentException(name() + ": receive burst of " + max + " into an array of " + frames.length);
        }
        ReceiveHandler handler = lanes[queue].receiveHandler;
        handler.start(frames);
        ManyToOneRingBuffer ring = rxRings[queue];
        int records = ring.read(handler, max);
        if (records < max) {
            // A read stops at the end of the ring's memory: records that wrapped to its start need a second one.
            ring.read(handler, max - records);
        }
        return handler.count;
    }

    @Override
    public void transmit(int queue, Frame frame, long nowNs) {
        checkOpen();
        checkTxQueue(queue);
        Lane lane = lanes[queue];
        if (!linkUp) {
            lane.txLinkDown++;
            frame.release();
            return;
        }
        if (lane.txQueued == lane.txQueue.length) {
            lane.txQueueFull++;
            frame.release();
            return;
        }
        lane.txQueue[lane.txQueued++] = frame;
    }

    @Override
    public int flush(int queue, long nowNs) {
        checkOpen();
        checkTxQueue(queue);
        Lane lane = lanes[queue];
        Frame[] frames = lane.txQueue;
        int queued = lane.txQueued;
        lane.txQueued = 0;
        int sent = 0;
        for (int i = 0; i < queued; i++) {
            Frame frame = frames[i];
            frames[i] = null;
            sent += send(lane, frame);
        }
        return sent;
    }

    /** Completes the frame's offloads and puts the resulting frames on the wire; returns how many went. */
    private int send(Lane lane, Frame frame) {
        if (!linkUp) {
            lane.txLinkDown++;
            frame.release();
            return 0;
        }
        if (!SoftwareOffload.needsCompletion(frame)) {
            return sendOnWire(lane, frame);
        }
        int made = lane.offload.complete(frame, lane.pool, lane.wireFrames, 0);
        int sent = 0;
        for (int i = 0; i < made; i++) {
            sent += sendOnWire(lane, lane.wireFrames[i]);
            lane.wireFrames[i] = null;
        }
        return sent;
    }

    private int sendOnWire(Lane lane, Frame frame) {
        int length = frame.length();
        boolean tagged = length >= EthernetHeader.LENGTH
            && (frame.buffer().getShort(frame.offset() + EthernetHeader.TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) == EthernetHeader.TYPE_VLAN;
        if (length > config.mtu() + EthernetHeader.LENGTH + (tagged ? EthernetHeader.VLAN_TAG_LENGTH : 0)) {
            lane.txOversize++;
            frame.release();
            return 0;
        }
        network.forward(port, frame.buffer(), frame.offset(), length);
        lane.txFrames++;
        lane.txBytes += length;
        frame.release();
        return 1;
    }

    /**
     * Takes a frame off the wire into the receive ring its RSS hash selects; called on the sending NIC's
     * thread, so it touches only the thread-safe parts of this NIC. Returns false if the frame was dropped.
     */
    boolean deliver(DirectBuffer frame, int offset, int length) {
        if (!linkUp) {
            rxLinkDown.incrementAndGet();
            return false;
        }
        if (length > config.maxWireFrameBytes()) {
            rxOversize.incrementAndGet();
            return false;
        }
        long hash = toeplitz == null ? RssHash.NO_HASH : RssHash.of(toeplitz, frame, offset, length);
        int queue = hash == RssHash.NO_HASH ? 0 : Toeplitz.queueOf((int) hash, rxRings.length);
        ManyToOneRingBuffer ring = rxRings[queue];
        int index = ring.tryClaim(hash == RssHash.NO_HASH ? MSG_FRAME : MSG_FRAME_WITH_HASH, RING_RECORD_HEADER_BYTES + length);
        if (index < 0) {
            rxRingFull.incrementAndGet();
            return false;
        }
        MutableDirectBuffer ringBuffer = ring.buffer();
        ringBuffer.putInt(index, (int) hash);
        ringBuffer.putBytes(index + RING_RECORD_HEADER_BYTES, frame, offset, length);
        ring.commit(index);
        return true;
    }

    /** What one queue owns: its pool, transmit queue, software offload and counters. */
    private final class Lane {
        final DirectFramePool pool;
        final Frame[] txQueue = new Frame[config.txQueueFrames()];
        int txQueued;
        final SoftwareOffload offload = new SoftwareOffload();
        final Frame[] wireFrames = new Frame[SoftwareOffload.maxSegments(config.frameCapacityBytes())];
        final ReceiveHandler receiveHandler;
        long txFrames;
        long txBytes;
        long txQueueFull;
        long txLinkDown;
        long txOversize;
        long rxFrames;
        long rxBytes;
        long rxNoBuffer;

        Lane(int queue, DirectFramePool pool) {
            this.pool = pool;
            this.receiveHandler = new ReceiveHandler(this, queue);
        }
    }

    /** Copies ring records into frames of the queue's pool, for one {@link #receive} call. */
    private static final class ReceiveHandler implements MessageHandler {
        private final Lane lane;
        private final int queue;
        private Frame[] frames;
        private int count;

        ReceiveHandler(Lane lane, int queue) {
            this.lane = lane;
            this.queue = queue;
        }

        void start(Frame[] frames) {
            this.frames = frames;
            this.count = 0;
        }

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            Frame frame = lane.pool.allocate();
            if (frame == null) {
                lane.rxNoBuffer++;
                return;
            }
            int frameLength = length - RING_RECORD_HEADER_BYTES;
            frame.buffer().putBytes(frame.offset(), buffer, index + RING_RECORD_HEADER_BYTES, frameLength);
            frame.length(frameLength);
            frame.queue(queue);
            if (msgTypeId == MSG_FRAME_WITH_HASH) {
                frame.rssHash(buffer.getInt(index));
                frame.rxFlags(Frame.RX_RSS_HASH);
            }
            frames[count++] = frame;
            lane.rxFrames++;
            lane.rxBytes += frameLength;
        }
    }

    private void checkTxQueue(int queue) {
        if (queue < 0 || queue >= config.txQueues()) {
            throw new IllegalArgumentException(name() + ": transmit queue " + queue + " does not exist (" + config.txQueues() + " queues)");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("in-memory NIC '" + name() + "' is closed");
        }
    }

    /** Frames put on the wire (wire frames: a super-frame counts as its segments), all queues. */
    public long txFrames() {
        long n = 0;
        for (Lane lane : lanes) {
            n += lane.txFrames;
        }
        return n;
    }

    /** Bytes put on the wire. */
    public long txBytes() {
        long n = 0;
        for (Lane lane : lanes) {
            n += lane.txBytes;
        }
        return n;
    }

    /** Frames dropped by {@link #transmit}: the transmit queue was full until the next flush. */
    public long txQueueFull() {
        long n = 0;
        for (Lane lane : lanes) {
            n += lane.txQueueFull;
        }
        return n;
    }

    /** Frames dropped because the link was down when sending. */
    public long txLinkDown() {
        long n = 0;
        for (Lane lane : lanes) {
            n += lane.txLinkDown;
        }
        return n;
    }

    /** Frames dropped because they were longer than MTU + Ethernet header: the stack built them too large. */
    public long txOversize() {
        long n = 0;
        for (Lane lane : lanes) {
            n += lane.txOversize;
        }
        return n;
    }

    /** Frames whose headers did not match their offload metadata, dropped: a stack bug. */
    public long txOffloadMalformed() {
        long n = 0;
        for (Lane lane : lanes) {
            n += lane.offload.malformedFrames();
        }
        return n;
    }

    /** TSO segments not sent because the queue's pool was empty while cutting a super-frame. */
    public long txSegmentsNoBuffer() {
        long n = 0;
        for (Lane lane : lanes) {
            n += lane.offload.segmentsLostNoBuffer();
        }
        return n;
    }

    /** Frames taken off the rings into frames. */
    public long rxFrames() {
        long n = 0;
        for (Lane lane : lanes) {
            n += lane.rxFrames;
        }
        return n;
    }

    /** Frames taken off the ring of receive queue {@code queue}. */
    public long rxFrames(int queue) {
        return lanes[queue].rxFrames;
    }

    public long rxBytes() {
        long n = 0;
        for (Lane lane : lanes) {
            n += lane.rxBytes;
        }
        return n;
    }

    /** Frames dropped on receive because the pool was empty (DPDK's {@code rx_nombuf}): frames not released. */
    public long rxNoBuffer() {
        long n = 0;
        for (Lane lane : lanes) {
            n += lane.rxNoBuffer;
        }
        return n;
    }

    /** Frames dropped because a receive ring was full: this NIC is polled too slowly for its senders. */
    public long rxRingFull() {
        return rxRingFull.get();
    }

    /** Frames dropped because they arrived while this NIC's link was down. */
    public long rxLinkDown() {
        return rxLinkDown.get();
    }

    /** Frames dropped because they were longer than this NIC's MTU allows (a sender with a larger MTU). */
    public long rxOversize() {
        return rxOversize.get();
    }

    @Override
    public long txDropped() {
        return txQueueFull() + txLinkDown() + txOversize() + txOffloadMalformed() + txSegmentsNoBuffer();
    }

    @Override
    public long rxDropped() {
        return rxNoBuffer() + rxRingFull.get() + rxLinkDown.get() + rxOversize.get();
    }

    /** Bytes waiting in the ring of receive queue {@code queue} (a snapshot while senders are writing). */
    public int rxRingBytesUsed(int queue) {
        return rxRings[queue].size();
    }

    /**
     * Unplugs the NIC from its port, drops what is queued for transmit and frees the pools: frames lent to
     * the stack must have been released before. Senders still copying into this NIC's rings finish
     * harmlessly (the rings are freed by the garbage collector).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        network.detach(port, this);
        for (Lane lane : lanes) {
            for (int i = 0; i < lane.txQueued; i++) {
                lane.txQueue[i].release();
                lane.txQueue[i] = null;
            }
            lane.txQueued = 0;
        }
        closePools();
    }

    private void closePools() {
        for (Lane lane : lanes) {
            if (lane != null) {
                lane.pool.close();
            }
        }
    }

    @Override
    public String toString() {
        return "InMemoryNic[" + name() + " " + MacAddress.toString(macAddress()) + " port " + port
            + " tx " + txFrames() + " (dropped " + txDropped() + ") rx " + rxFrames() + " (dropped " + rxDropped() + ")]";
    }
}
