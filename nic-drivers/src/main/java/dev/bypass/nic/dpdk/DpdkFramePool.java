package dev.bypass.nic.dpdk;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.FramePool;
import java.lang.foreign.MemorySegment;

/**
 * A {@link FramePool} over a DPDK mempool: each lent {@link Frame} is a view of one mbuf's buffer (its
 * {@link Frame#handle()} is the mbuf's address), so a frame is received, processed and sent without a
 * copy.
 *
 * <p>The Frame objects are made once, one per mbuf of the mempool (no more mbufs can be lent out at once),
 * and {@linkplain Frame#rewrap rewrapped} over whichever mbuf they carry: allocating, receiving and
 * releasing creates no Java object. Allocation is {@code rte_pktmbuf_alloc}; the last {@link Frame#release}
 * frees the mbuf ({@code rte_pktmbuf_free}). A frame whose mbuf went to the port (tx burst) has its handle
 * cleared first, so that releasing it returns only the Frame object: the PMD frees the mbuf once sent.
 *
 * <p>Single-threaded, like every pool: the poll thread of the device. The mempool itself is thread-safe,
 * but the Frame objects are not.
 */
final class DpdkFramePool implements FramePool {
    /** All of memory, for reading and writing mbuf fields at an address (no segment per mbuf). */
    static final MemorySegment NATIVE = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private final String name;
    private final long mempool;
    private final MbufLayout layout;
    private final int mbufs;
    private final int frameCapacity;
    private final Frame[] frames;
    private final int[] free;
    private int freeCount;
    private long exhausted;

    DpdkFramePool(String name, long mempool, MbufLayout layout, int mbufs, int dataRoom) {
        this.name = name;
        this.mempool = mempool;
        this.layout = layout;
        this.mbufs = mbufs;
        this.frameCapacity = dataRoom;
        this.frames = new Frame[mbufs];
        this.free = new int[mbufs];
        for (int i = 0; i < mbufs; i++) {
            frames[i] = new Frame(this, i, 0, 0);
            free[i] = mbufs - 1 - i;
        }
        freeCount = mbufs;
    }

    long mempool() {
        return mempool;
    }

    @Override
    public Frame allocate() {
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
     * the last reference, only the Frame object returns to the pool.
     */
    void releaseSent(Frame frame) {
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

    /** Bytes of each mbuf's buffer, headroom included. */
    @Override
    public int frameCapacity() {
        return frameCapacity;
    }

    @Override
    public int headroom() {
        return layout.headroom();
    }

    /** Mbufs in the mempool (the ports' rx rings hold some of them at any time). */
    @Override
    public int size() {
        return mbufs;
    }

    /** Mbufs in the mempool now: neither lent to the stack nor in a port's rings. */
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
        return mbufs - freeCount;
    }

    @Override
    public String toString() {
        return "pool '" + name + "' " + freeCount + "/" + mbufs + " frames free";
    }
}
