package dev.bypass.stack.device;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One packet buffer, lent by a {@link FramePool}: the shape of a DPDK mbuf, so the DPDK driver can map
 * one onto the other without copying.
 *
 * <pre>
 *   buffer():  [0 ........ offset ......... offset+length ........ capacity)
 *               headroom   |<--- packet data --->|       tailroom
 * </pre>
 *
 * <p>The data window starts after a headroom so that lower layers (and, later, encapsulation templates)
 * can {@link #prepend} their headers in place. Offsets given to protocol code are absolute offsets into
 * {@link #buffer()}.
 *
 * <p>Ownership: whoever holds a frame either passes it on ({@link NetworkDevice#transmit}) or calls
 * {@link #release()}. A holder that keeps a received frame past the call that lent it first calls
 * {@link #retain()}. A frame is owned by one thread at a time, like its pool.
 *
 * <p>Metadata follows the mbuf: on receive, the queue, the RSS hash and what the device checked; on
 * transmit, the offloads asked for and the header lengths the device needs for them.
 */
public final class Frame {
    // Receive flags (what the device checked), as DPDK's RTE_MBUF_F_RX_*.
    /** The device verified the IPv4 header checksum and found it good. */
    public static final int RX_IP_CHECKSUM_GOOD = 1;
    /** The device verified the TCP/UDP checksum and found it good. */
    public static final int RX_L4_CHECKSUM_GOOD = 1 << 1;
    /** {@link #rssHash()} holds the device's RSS hash. */
    public static final int RX_RSS_HASH = 1 << 2;

    // Transmit offload requests, as DPDK's RTE_MBUF_F_TX_*.
    /** The device computes the IPv4 header checksum (the field is written as 0). */
    public static final int TX_IP_CHECKSUM = 1;
    /** The device computes the TCP checksum; the field holds the pseudo-header sum (with length). */
    public static final int TX_TCP_CHECKSUM = 1 << 1;
    /** The device computes the UDP checksum; the field holds the pseudo-header sum (with length). */
    public static final int TX_UDP_CHECKSUM = 1 << 2;
    /**
     * The device cuts this TCP super-segment into segments of {@link #tsoSegmentSize()} payload bytes.
     * Implies {@link #TX_TCP_CHECKSUM}; the checksum field holds the pseudo-header sum without the length
     * (DPDK's convention for TSO).
     */
    public static final int TX_TCP_SEGMENTATION = 1 << 3;

    private final FramePool pool;
    private final int index;
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    private long address;
    private int capacity;
    private int offset;
    private int length;
    private int refCount;

    private int queue;
    private int rssHash;
    private int rxFlags;
    private int txFlags;
    private int l2Length;
    private int l3Length;
    private int l4Length;
    private int tsoSegmentSize;
    private long handle;

    /** For pool implementations: a frame over {@code capacity} bytes at {@code address}. */
    public Frame(FramePool pool, int index, long address, int capacity) {
        this.pool = pool;
        this.index = index;
        rewrap(address, capacity);
    }

    /** For drivers whose frames move between buffers (a DPDK mbuf per packet): points this frame at new memory. */
    public void rewrap(long address, int capacity) {
        this.address = address;
        this.capacity = capacity;
        buffer.wrap(address, capacity);
    }

    /** The whole buffer, headroom and tailroom included; protocol offsets are absolute offsets into it. */
    public UnsafeBuffer buffer() {
        return buffer;
    }

    public long address() {
        return address;
    }

    public int capacity() {
        return capacity;
    }

    /** Start of the packet data in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    /** Packet length in bytes. */
    public int length() {
        return length;
    }

    public int headroom() {
        return offset;
    }

    public int tailroom() {
        return capacity - offset - length;
    }

    /** Sets the data window. */
    public void set(int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > capacity) {
            throw new IllegalArgumentException("frame window [" + offset + ", " + (offset + length)
                + ") outside capacity " + capacity);
        }
        this.offset = offset;
        this.length = length;
    }

    /** Grows the data window at the front by {@code bytes} (a lower layer adding its header); returns the new offset. */
    public int prepend(int bytes) {
        if (bytes > offset) {
            throw new IllegalStateException("frame headroom " + offset + " too small to prepend " + bytes + " bytes");
        }
        offset -= bytes;
        length += bytes;
        return offset;
    }

    /** Shrinks the data window at the front by {@code bytes} (stripping a header). */
    public void trimFront(int bytes) {
        if (bytes > length) {
            throw new IllegalStateException("cannot strip " + bytes + " bytes from a " + length + " byte frame");
        }
        offset += bytes;
        length -= bytes;
    }

    /** Sets the packet length, keeping the start. */
    public void length(int length) {
        if (length < 0 || offset + length > capacity) {
            throw new IllegalArgumentException("frame length " + length + " does not fit capacity " + capacity
                + " at offset " + offset);
        }
        this.length = length;
    }

    public FramePool pool() {
        return pool;
    }

    /** This frame's slot in its pool. */
    public int index() {
        return index;
    }

    /** Driver-private handle (the mbuf pointer of a DPDK frame). */
    public long handle() {
        return handle;
    }

    public void handle(long handle) {
        this.handle = handle;
    }

    public int queue() {
        return queue;
    }

    public void queue(int queue) {
        this.queue = queue;
    }

    public int rssHash() {
        return rssHash;
    }

    public void rssHash(int rssHash) {
        this.rssHash = rssHash;
    }

    public int rxFlags() {
        return rxFlags;
    }

    public void rxFlags(int rxFlags) {
        this.rxFlags = rxFlags;
    }

    public int txFlags() {
        return txFlags;
    }

    /** Asks the device for offloads; header lengths are given for the device's parser. */
    public void txOffload(int txFlags, int l2Length, int l3Length, int l4Length, int tsoSegmentSize) {
        this.txFlags = txFlags;
        this.l2Length = l2Length;
        this.l3Length = l3Length;
        this.l4Length = l4Length;
        this.tsoSegmentSize = tsoSegmentSize;
    }

    public int l2Length() {
        return l2Length;
    }

    public int l3Length() {
        return l3Length;
    }

    public int l4Length() {
        return l4Length;
    }

    public int tsoSegmentSize() {
        return tsoSegmentSize;
    }

    public int refCount() {
        return refCount;
    }

    /** Keeps the frame past the call that lent it; pair with one more {@link #release()}. */
    public Frame retain() {
        if (refCount <= 0) {
            throw new IllegalStateException("retain of a frame that is not held (refCount " + refCount + ")");
        }
        refCount++;
        return this;
    }

    /** Gives the frame back: it returns to its pool when the last holder releases it. */
    public void release() {
        if (refCount <= 0) {
            throw new IllegalStateException("release of a frame that is not held (double release?) pool="
                + pool + " index=" + index);
        }
        if (--refCount == 0) {
            pool.recycle(this);
        }
    }

    /** For pools: a frame handed out fresh, metadata cleared and the data window empty after {@code headroom}. */
    public void reset(int headroom) {
        refCount = 1;
        offset = Math.min(headroom, capacity);
        length = 0;
        queue = 0;
        rssHash = 0;
        rxFlags = 0;
        txFlags = 0;
        l2Length = 0;
        l3Length = 0;
        l4Length = 0;
        tsoSegmentSize = 0;
    }

    /** Copies data window and transmit metadata from another frame (for devices that duplicate frames). */
    public void copyFrom(Frame other) {
        int off = Math.min(other.offset, capacity - other.length);
        if (off < 0) {
            throw new IllegalArgumentException("frame of " + other.length + " bytes does not fit capacity " + capacity);
        }
        buffer.putBytes(off, other.buffer, other.offset, other.length);
        offset = off;
        length = other.length;
        queue = other.queue;
        rssHash = other.rssHash;
        rxFlags = other.rxFlags;
        txOffload(other.txFlags, other.l2Length, other.l3Length, other.l4Length, other.tsoSegmentSize);
    }

    /** The packet bytes as a new array: for tests and diagnostics, never the data path. */
    public byte[] toByteArray() {
        byte[] b = new byte[length];
        buffer.getBytes(offset, b);
        return b;
    }

    @Override
    public String toString() {
        return "Frame[" + index + " off=" + offset + " len=" + length + " ref=" + refCount + "]";
    }
}
