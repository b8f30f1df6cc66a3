package dev.bypass.stack;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.counters.StackCounters;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The direct-memory rings of TCP send and receive buffers, lent to connections while data flows. A
 * connection takes a send ring on its first write and a receive ring when its first payload arrives, and
 * gives each back once it is empty again; so an idle connection holds no buffer memory, and a stack with a
 * million mostly idle connections needs rings only for the few that are moving data.
 *
 * <p>Rings are kept in free lists by size (a size class per distinct ring size: the per-connection
 * {@code sendBufferBytes} and {@code receiveBufferBytes} plus slack, which sockets may set one by one), so
 * memory once allocated is reused and a steady state of connects, transfers and closes allocates nothing.
 * The pool never holds more than {@link TcpConfig#bufferPoolBytes()}: when a ring of a size is wanted, none
 * of that size is free and the bound is reached, free rings of other sizes are dropped to make room (their
 * memory goes back when the garbage collector frees the buffer); if that is not enough the take fails and
 * the caller waits (a write returns 0, a segment's data is dropped unacknowledged for the peer to resend).
 *
 * <p>Used from the stack's poll thread only: no synchronisation. Its figures are the
 * {@code tcp.buffer_pool.*} counters.
 */
final class TcpBufferPool {
    private final long limitBytes;
    private final StackCounters counters;
    private SizeClass[] classes = new SizeClass[4];
    private int classCount;
    private long bytesAllocated;
    private long bytesInUse;

    TcpBufferPool(long limitBytes, StackCounters counters) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("tcp bufferPoolBytes must be positive, got " + limitBytes);
        }
        this.limitBytes = limitBytes;
        this.counters = counters;
    }

    /** Free rings of one size, as a stack. */
    private static final class SizeClass {
        final int size;
        UnsafeBuffer[] free = new UnsafeBuffer[8];
        int freeCount;

        SizeClass(int size) {
            this.size = size;
        }
    }

    long limitBytes() {
        return limitBytes;
    }

    /** Direct memory the pool allocated and still holds, lent or free. */
    long bytesAllocated() {
        return bytesAllocated;
    }

    /** Bytes of the rings lent to connections now. */
    long bytesInUse() {
        return bytesInUse;
    }

    /** Free rings held of {@code size} bytes. */
    int freeRings(int size) {
        SizeClass c = find(size);
        return c == null ? 0 : c.freeCount;
    }

    /** A send ring of {@code size} bytes, or null when the pool is exhausted (counted). */
    UnsafeBuffer takeSend(int size) {
        return take(size, Counter.TCP_BUFFER_POOL_EXHAUSTED_SEND);
    }

    /** A receive ring of {@code size} bytes, or null when the pool is exhausted (counted). */
    UnsafeBuffer takeReceive(int size) {
        return take(size, Counter.TCP_BUFFER_POOL_EXHAUSTED_RECEIVE);
    }

    private UnsafeBuffer take(int size, Counter exhausted) {
        SizeClass c = classOf(size);
        UnsafeBuffer ring;
        if (c.freeCount > 0) {
            ring = c.free[--c.freeCount];
            c.free[c.freeCount] = null;
        } else {
            if (bytesAllocated + size > limitBytes && !dropFreeRings(bytesAllocated + size - limitBytes)) {
                counters.increment(exhausted);
                return null;
            }
            ring = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
            bytesAllocated += size;
            counters.set(Counter.TCP_BUFFER_POOL_BYTES_ALLOCATED, bytesAllocated);
        }
        bytesInUse += size;
        counters.set(Counter.TCP_BUFFER_POOL_BYTES_IN_USE, bytesInUse);
        counters.increment(Counter.TCP_BUFFER_POOL_TAKES);
        return ring;
    }

    /** Takes back a ring from {@link #takeSend} or {@link #takeReceive}. */
    void give(UnsafeBuffer ring) {
        int size = ring.capacity();
        SizeClass c = classOf(size);
        if (c.freeCount == c.free.length) {
            c.free = java.util.Arrays.copyOf(c.free, 2 * c.free.length);
        }
        c.free[c.freeCount++] = ring;
        bytesInUse -= size;
        counters.set(Counter.TCP_BUFFER_POOL_BYTES_IN_USE, bytesInUse);
        counters.increment(Counter.TCP_BUFFER_POOL_RETURNS);
    }

    /** Forgets free rings until {@code bytes} are released; false (and nothing dropped) if the free rings hold fewer. */
    private boolean dropFreeRings(long bytes) {
        long free = bytesAllocated - bytesInUse;
        if (free < bytes) {
            return false;
        }
        long dropped = 0;
        for (int i = 0; i < classCount && dropped < bytes; i++) {
            SizeClass c = classes[i];
            while (c.freeCount > 0 && dropped < bytes) {
                c.free[--c.freeCount] = null;
                dropped += c.size;
            }
        }
        bytesAllocated -= dropped;
        counters.set(Counter.TCP_BUFFER_POOL_BYTES_ALLOCATED, bytesAllocated);
        return true;
    }

    private SizeClass find(int size) {
        for (int i = 0; i < classCount; i++) {
            if (classes[i].size == size) {
                return classes[i];
            }
        }
        return null;
    }

    private SizeClass classOf(int size) {
        SizeClass c = find(size);
        if (c == null) {
            if (classCount == classes.length) {
                classes = java.util.Arrays.copyOf(classes, 2 * classes.length);
            }
            c = new SizeClass(size);
            classes[classCount++] = c;
        }
        return c;
    }
}
