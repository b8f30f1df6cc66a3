package dev.bypass.nic.dpdk;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.FramePool;
import java.lang.foreign.MemorySegment;

/**
 * A {@link FramePool} over DPDK mbufs: each lent {@link Frame} is a view of one mbuf's buffer (its
 * {@link Frame#handle()} is the mbuf's address), so a frame is received, processed and sent without a
 * copy.
 *
 * <p>A {@link DpdkDevice} has one such pool per queue, owned by the thread that polls the queue: its
 * Frame objects and free list are that thread's alone. The mbufs come from the port's mempools, which
 * every queue shares: DPDK's mempools are multi-producer, multi-consumer safe, also from threads EAL does
 * not know (without an lcore id a thread has no per-lcore cache and goes to the mempool's ring itself; the
 * driver's mempools have no cache anyway).
 *
 * <p>The Frame objects are made once, as many as the port's mempools hold mbufs (no more can be lent out
 * at once), and {@linkplain Frame#rewrap rewrapped} over whichever mbuf they carry: allocating, receiving
 * and releasing creates no Java object. {@link #allocate} takes an mbuf from the pool's allocation mempool
 * ({@code rte_pktmbuf_alloc}): the port's mempool, or its jumbo mempool when the port's MTU does not fit
 * one mbuf. The last {@link Frame#release} frees the mbuf ({@code rte_pktmbuf_free}) into whichever
 * mempool it came from. A frame whose mbuf went to the port (tx burst) has its handle cleared first, so
 * that releasing it returns only the Frame object: the PMD frees the mbuf once sent.
 */
final class DpdkFramePool implements FramePool {
    /** All of memory, for reading and writing mbuf fields at an address (no segment per mbuf). */
    static final MemorySegment NATIVE = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private final String name;
    private final Object owner;
    private final long mempool;
    private final MbufLayout layout;
    private final int mbufs;
    private final int frameCapacity;
    private final Frame[] frames;
    private final int[] free;
    private int freeCount;
    private long exhausted;

    /**
     * @param owner the device: frames of pools with the same owner are mbufs of the same port (a frame of
     *     another queue's pool is sent without a copy by a thread that polls both queues)
     * @param mempool where {@link #allocate} takes mbufs
     * @param mbufs mbufs in {@code mempool}
     * @param dataRoom bytes of each of those mbufs' buffers, headroom included
     * @param frameObjects Frame objects: the most mbufs this pool can lend at once (every mempool of the port)
     */
    DpdkFramePool(String name, Object owner, long mempool, MbufLayout layout, int mbufs, int dataRoom, int frameObjects) {
        this.name = name;
        this.owner = owner;
        this.mempool = mempool;
        this.layout = layout;
        this.mbufs = mbufs;
        this.frameCapacity = dataRoom;
        this.frames = new Frame[frameObjects];
        this.free = new int[frameObjects];
        for (int i = 0; i < frameObjects; i++) {
            frames[i] = new Frame(this, i, 0, 0);
            free[i] = frameObjects - 1 - i;
        }
        freeCount = frameObjects;
    }

    /** The mempool {@link #allocate} takes mbufs from. */
    long mempool() {
        return mempool;
    }

    /** The device whose mbufs this pool lends. */
    Object owner() {
        return owner;
    }

    @Override
    public Frame allocate() {
        return allocateFrom(mempool);
    }

    /** As {@link #allocate()}, with an mbuf of another of the port's mempools. */
    Frame allocateFrom(long mempool) {
        long mbuf = DpdkShim.bp_pktmbuf_alloc(mempool);
        if (mbuf == 0) {
            exhausted++;
            return null;
        }
        Frame frame = wrap(mbuf);
        if (frame == null) {
            DpdkShim.bp_pktmbuf_free(mbuf);
            exhausted++;
            return null;
        }
        frame.reset(layout.headroom());
        return frame;
    }

    /** A frame over a received mbuf, its window the mbuf's data; null (mbuf untouched) if no Frame object is free. */
    Frame wrapReceived(long mbuf) {
        Frame frame = wrap(mbuf);
        if (frame == null) {
            return null;
        }
        frame.reset(0);
        frame.set(Short.toUnsignedInt(NATIVE.get(JAVA_SHORT, mbuf + layout.dataOff())),
            Short.toUnsignedInt(NATIVE.get(JAVA_SHORT, mbuf + layout.dataLen())));
        return frame;
    }

    /**
     * A frame over one fresh mbuf of {@code into} holding the bytes of the chain {@code head} (its data
     * after the headroom), or null if {@code into} has no mbuf free, the data does not fit one, or no
     * Frame object is free. The chain is left as it is: the caller frees it.
     */
    Frame linearise(long head, long into) {
        int length = NATIVE.get(JAVA_INT, head + layout.pktLen());
        long mbuf = DpdkShim.bp_pktmbuf_alloc(into);
        if (mbuf == 0) {
            return null;
        }
        int offset = Short.toUnsignedInt(NATIVE.get(JAVA_SHORT, mbuf + layout.dataOff()));
        int room = Short.toUnsignedInt(NATIVE.get(JAVA_SHORT, mbuf + layout.bufLen())) - offset;
        if (length > room) {
            DpdkShim.bp_pktmbuf_free(mbuf);
            return null;
        }
        long to = NATIVE.get(JAVA_LONG, mbuf + layout.bufAddr()) + offset;
        int copied = 0;
        for (long segment = head; segment != 0 && copied < length; segment = NATIVE.get(JAVA_LONG, segment + layout.next())) {
            int n = Math.min(Short.toUnsignedInt(NATIVE.get(JAVA_SHORT, segment + layout.dataLen())), length - copied);
            long from = NATIVE.get(JAVA_LONG, segment + layout.bufAddr())
                + Short.toUnsignedInt(NATIVE.get(JAVA_SHORT, segment + layout.dataOff()));
            MemorySegment.copy(NATIVE, from, NATIVE, to + copied, n);
            copied += n;
        }
        NATIVE.set(JAVA_SHORT, mbuf + layout.dataLen(), (short) copied);
        NATIVE.set(JAVA_INT, mbuf + layout.pktLen(), copied);
        Frame frame = wrapReceived(mbuf);
        if (frame == null) {
            DpdkShim.bp_pktmbuf_free(mbuf);
        }
        return frame;
    }

    private Frame wrap(long mbuf) {
        if (freeCount == 0) {
            return null;
        }
        Frame frame = frames[free[--freeCount]];
        frame.rewrap(NATIVE.get(JAVA_LONG, mbuf + layout.bufAddr()),
            Short.toUnsignedInt(NATIVE.get(JAVA_SHORT, mbuf + layout.bufLen())));
        frame.handle(mbuf);
        return frame;
    }

    /**
     * Releases the holder's reference to a frame whose mbuf the port now owns (it was sent): if this was
     * the last reference, only the Frame object returns to its pool.
     */
    static void releaseSent(Frame frame) {
        if (frame.refCount() == 1) {
            frame.handle(0);
        }
        frame.release();
    }

    @Override
    public void recycle(Frame frame) {
        if (frame.pool() != this) {
            throw new IllegalArgumentException("frame " + frame + " belongs to pool " + frame.pool() + ", not " + this);
        }
        if (freeCount == free.length) {
            throw new IllegalStateException("pool '" + name + "' is already full: frame " + frame + " recycled twice");
        }
        long mbuf = frame.handle();
        if (mbuf != 0) {
            DpdkShim.bp_pktmbuf_free(mbuf);
            frame.handle(0);
        }
        frame.rewrap(0, 0);
        free[freeCount++] = frame.index();
    }

    /** Bytes of each mbuf {@link #allocate} gives, headroom included. */
    @Override
    public int frameCapacity() {
        return frameCapacity;
    }

    @Override
    public int headroom() {
        return layout.headroom();
    }

    /** Mbufs in the allocation mempool (shared by every queue; the port's rx rings hold some at any time). */
    @Override
    public int size() {
        return mbufs;
    }

    /** Mbufs in the allocation mempool now: neither lent out (by any queue) nor in a port's rings. */
    @Override
    public int available() {
        return DpdkShim.bp_mempool_avail_count(mempool);
    }

    @Override
    public long exhaustedCount() {
        return exhausted;
    }

    /** Frames lent out by this pool (allocated or received, not yet released). */
    int framesLent() {
        return frames.length - freeCount;
    }

    @Override
    public String toString() {
        return "pool '" + name + "' " + freeCount + "/" + frames.length + " frames free";
    }
}
