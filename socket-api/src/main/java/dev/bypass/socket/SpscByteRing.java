package dev.bypass.socket;

import java.nio.ByteBuffer;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A single-producer single-consumer byte stream ring over off-heap memory: one thread writes bytes, one
 * other thread reads them, in order, without locks. Agrona's rings carry messages; a TCP stream wants bytes,
 * so writes and reads of any length meet here and no framing is kept.
 *
 * <pre>
 *   0                                  capacity        +128            +256            +384
 *   +----------------------------------+---------------+---------------+---------------+
 *   | data (capacity bytes, power of 2)| (padding)     | tail (long)   | head (long)   |
 *   +----------------------------------+---------------+---------------+---------------+
 * </pre>
 *
 * <p>{@code tail} is the producer's position (bytes ever written), {@code head} the consumer's (bytes ever
 * read); both only grow and the byte at position {@code p} lives at {@code p & (capacity - 1)}. The producer
 * stores the tail with release semantics after copying, the consumer reads it with acquire semantics before
 * copying (and the other way round for the head), so a reader never sees a byte before it is written and a
 * writer never overwrites a byte before it is read. Each side caches the other's counter and re-reads it only
 * when the cache says the ring is full (or empty), so an uncontended transfer touches one shared cache line.
 *
 * <p>Full ring: a write takes what fits and returns the count (0 when full): back-pressure, never loss.
 *
 * <p>Threads: the producer methods ({@code write*}, {@code commitWrite}, {@code producer*}, {@code free}) from
 * one thread at a time, the consumer methods ({@code read*}, {@code commitRead}, {@code consumer*},
 * {@code readable}) from one other thread at a time. {@link #readable()} and {@link #free()} may be read by
 * anyone as a hint.
 */
public final class SpscByteRing {
    private static final int PAD = 128;
    /** Bytes after the data: the two counters, each on its own pair of cache lines. */
    public static final int TRAILER_LENGTH = 3 * PAD;

    private final AtomicBuffer buffer;
    private final int capacity;
    private final int mask;
    private final int tailOffset;
    private final int headOffset;
    /** Producer's cache of the head. */
    private long headCache;
    /** Consumer's cache of the tail. */
    private long tailCache;

    /** A ring over {@code buffer}, whose capacity less {@link #TRAILER_LENGTH} must be a power of two. */
    public SpscByteRing(AtomicBuffer buffer) {
        int cap = buffer.capacity() - TRAILER_LENGTH;
        if (cap <= 0 || !BitUtil.isPowerOfTwo(cap)) {
            throw new IllegalArgumentException("byte ring data must be a power of two, got " + cap + " (buffer of "
                + buffer.capacity() + " bytes less a trailer of " + TRAILER_LENGTH + ")");
        }
        buffer.verifyAlignment();
        this.buffer = buffer;
        this.capacity = cap;
        this.mask = cap - 1;
        this.tailOffset = cap + PAD;
        this.headOffset = cap + 2 * PAD;
    }

    /** A ring of at least {@code capacityBytes} (rounded up to a power of two) over fresh direct memory. */
    public static SpscByteRing allocate(int capacityBytes) {
        if (capacityBytes <= 0 || capacityBytes > (1 << 30)) {
            throw new IllegalArgumentException("byte ring capacity must be 1..1 GiB, got " + capacityBytes);
        }
        int cap = BitUtil.findNextPositivePowerOfTwo(capacityBytes);
        return new SpscByteRing(new UnsafeBuffer(ByteBuffer.allocateDirect(cap + TRAILER_LENGTH)));
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Empties the ring for a new producer and consumer (both counters back to 0). Only while no thread uses it;
     * the new users must see this through a happens-before edge (a volatile write, a concurrent queue).
     */
    public void reset() {
        buffer.putLongVolatile(tailOffset, 0);
        buffer.putLongVolatile(headOffset, 0);
        headCache = 0;
        tailCache = 0;
    }

    /** The memory under the ring: data, then the trailer. */
    public AtomicBuffer buffer() {
        return buffer;
    }

    /** Bytes waiting to be read (a snapshot; exact on the consumer's thread as a lower bound). */
    public int readable() {
        return (int) (buffer.getLongVolatile(tailOffset) - buffer.getLongVolatile(headOffset));
    }

    /** Bytes that can be written (a snapshot; exact on the producer's thread as a lower bound). */
    public int free() {
        return capacity - (int) (buffer.getLongVolatile(tailOffset) - buffer.getLongVolatile(headOffset));
    }

    /** Bytes ever written. */
    public long producerPosition() {
        return buffer.getLongVolatile(tailOffset);
    }

    /** Bytes ever read. */
    public long consumerPosition() {
        return buffer.getLongVolatile(headOffset);
    }

    // ------------------------------------------------------------------------------------------ producer

    /** Free bytes from the producer's position to the end of the data (or the head): one copy's worth. */
    public int producerContiguous() {
        long tail = buffer.getLong(tailOffset);
        int free = capacity - (int) (tail - headCache);
        if (free == 0) {
            headCache = buffer.getLongVolatile(headOffset);
            free = capacity - (int) (tail - headCache);
        }
        return Math.min(free, capacity - (int) (tail & mask));
    }

    /** Index in {@link #buffer()} where the next written byte goes. */
    public int producerIndex() {
        return (int) (buffer.getLong(tailOffset) & mask);
    }

    /** Publishes {@code n} bytes written in place at {@link #producerIndex()} (at most {@link #producerContiguous()}). */
    public void commitWrite(int n) {
        buffer.putLongOrdered(tailOffset, buffer.getLong(tailOffset) + n);
    }

    /** Copies up to {@code length} bytes of {@code source}; returns how many fit (0 when the ring is full). */
    public int write(DirectBuffer source, int offset, int length) {
        long tail = buffer.getLong(tailOffset);
        int n = Math.min(length, freeForProducer(tail, length));
        if (n <= 0) {
            return 0;
        }
        int index = (int) (tail & mask);
        int first = Math.min(n, capacity - index);
        buffer.putBytes(index, source, offset, first);
        if (first < n) {
            buffer.putBytes(0, source, offset + first, n - first);
        }
        buffer.putLongOrdered(tailOffset, tail + n);
        return n;
    }

    /**
     * Copies up to {@code source.remaining()} bytes from a heap or direct {@code source}, advancing its
     * position; returns how many fit.
     */
    public int write(ByteBuffer source) {
        long tail = buffer.getLong(tailOffset);
        int length = source.remaining();
        int n = Math.min(length, freeForProducer(tail, length));
        if (n <= 0) {
            return 0;
        }
        int index = (int) (tail & mask);
        int first = Math.min(n, capacity - index);
        int position = source.position();
        buffer.putBytes(index, source, position, first);
        if (first < n) {
            buffer.putBytes(0, source, position + first, n - first);
        }
        source.position(position + n);
        buffer.putLongOrdered(tailOffset, tail + n);
        return n;
    }

    private int freeForProducer(long tail, int wanted) {
        int free = capacity - (int) (tail - headCache);
        if (free < wanted) {
            headCache = buffer.getLongVolatile(headOffset);
            free = capacity - (int) (tail - headCache);
        }
        return free;
    }

    // ------------------------------------------------------------------------------------------ consumer

    /** Readable bytes from the consumer's position to the end of the data (or the tail): one copy's worth. */
    public int consumerContiguous() {
        long head = buffer.getLong(headOffset);
        int available = (int) (tailCache - head);
        if (available == 0) {
            tailCache = buffer.getLongVolatile(tailOffset);
            available = (int) (tailCache - head);
        }
        return Math.min(available, capacity - (int) (head & mask));
    }

    /** Index in {@link #buffer()} of the next byte to read. */
    public int consumerIndex() {
        return (int) (buffer.getLong(headOffset) & mask);
    }

    /** Releases {@code n} bytes read in place at {@link #consumerIndex()} (at most {@link #consumerContiguous()}). */
    public void commitRead(int n) {
        buffer.putLongOrdered(headOffset, buffer.getLong(headOffset) + n);
    }

    /** Copies up to {@code length} bytes into {@code destination}; returns how many (0 when the ring is empty). */
    public int read(MutableDirectBuffer destination, int offset, int length) {
        long head = buffer.getLong(headOffset);
        int n = Math.min(length, availableForConsumer(head, length));
        if (n <= 0) {
            return 0;
        }
        int index = (int) (head & mask);
        int first = Math.min(n, capacity - index);
        destination.putBytes(offset, buffer, index, first);
        if (first < n) {
            destination.putBytes(offset + first, buffer, 0, n - first);
        }
        buffer.putLongOrdered(headOffset, head + n);
        return n;
    }

    /** Copies up to {@code destination.remaining()} bytes into a heap or direct buffer, advancing its position. */
    public int read(ByteBuffer destination) {
        long head = buffer.getLong(headOffset);
        int n = Math.min(destination.remaining(), availableForConsumer(head, destination.remaining()));
        if (n <= 0) {
            return 0;
        }
        int index = (int) (head & mask);
        int first = Math.min(n, capacity - index);
        int position = destination.position();
        buffer.getBytes(index, destination, position, first);
        if (first < n) {
            buffer.getBytes(0, destination, position + first, n - first);
        }
        destination.position(position + n);
        buffer.putLongOrdered(headOffset, head + n);
        return n;
    }

    private int availableForConsumer(long head, int wanted) {
        int available = (int) (tailCache - head);
        if (available < wanted) {
            tailCache = buffer.getLongVolatile(tailOffset);
            available = (int) (tailCache - head);
        }
        return available;
    }

    @Override
    public String toString() {
        return "byte ring " + readable() + "/" + capacity + " bytes";
    }
}
