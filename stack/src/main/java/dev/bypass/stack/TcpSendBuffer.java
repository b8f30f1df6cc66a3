package dev.bypass.stack;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The bytes of one direction of a connection from SND.UNA on: acknowledged bytes leave the front,
 * the application's writes join the back. A ring over direct memory; offsets are relative to SND.UNA.
 *
 * <p>The ring is lent by the stack's {@link TcpBufferPool} while the buffer holds bytes: it is attached
 * before the first write and detached once every byte is acknowledged, so an idle connection holds only
 * this small object. The capacity (the ring size the connection was opened with) stays known without it.
 */
final class TcpSendBuffer {
    private UnsafeBuffer ring;
    private int capacity;
    private int head;
    private int size;

    /** Sets the capacity for a new connection; the buffer must hold no ring. */
    void configure(int capacity) {
        if (ring != null) {
            throw new IllegalStateException("send ring still attached");
        }
        this.capacity = capacity;
        clear();
    }

    int capacity() {
        return capacity;
    }

    boolean hasRing() {
        return ring != null;
    }

    /** Lends the buffer a ring of {@link #capacity()} bytes. */
    void attach(UnsafeBuffer ring) {
        this.ring = ring;
        head = 0;
    }

    /** Takes the ring back (the buffer must be empty); returns it. */
    UnsafeBuffer detach() {
        UnsafeBuffer r = ring;
        ring = null;
        head = 0;
        size = 0;
        return r;
    }

    /** Bytes held: sent and unacknowledged, then not yet sent. */
    int size() {
        return size;
    }

    int free() {
        return capacity - size;
    }

    void clear() {
        head = 0;
        size = 0;
    }

    /** Appends up to {@code length} bytes; returns how many fit. */
    int write(DirectBuffer source, int offset, int length) {
        int n = Math.min(length, capacity - size);
        int tail = (head + size) % capacity;
        int first = Math.min(n, capacity - tail);
        ring.putBytes(tail, source, offset, first);
        if (n > first) {
            ring.putBytes(0, source, offset + first, n - first);
        }
        size += n;
        return n;
    }

    /**
     * Bytes that can be appended in one contiguous run at the back (what a zero-copy claim may grant): up to
     * the ring's end, or up to the front when the back has wrapped. An empty ring starts over at offset 0 so
     * the whole of it is contiguous.
     */
    int contiguousFree() {
        if (size == 0) {
            head = 0;
            return capacity;
        }
        int tail = (head + size) % capacity;
        return tail < head ? head - tail : capacity - tail;
    }

    /** Offset in {@link #memory()} where the next appended byte goes. */
    int tailOffset() {
        return (head + size) % capacity;
    }

    /** The ring's memory, for a zero-copy claim to write into at {@link #tailOffset()}. */
    MutableDirectBuffer memory() {
        return ring;
    }

    /**
     * Appends {@code n} bytes the caller has already put at {@link #tailOffset()} (a committed zero-copy claim);
     * {@code n} must not exceed {@link #contiguousFree()}.
     */
    void appendInPlace(int n) {
        size += n;
    }

    /** Copies {@code length} bytes starting {@code from} bytes after SND.UNA into {@code destination}. */
    void copyOut(int from, MutableDirectBuffer destination, int destinationOffset, int length) {
        int start = (head + from) % capacity;
        int first = Math.min(length, capacity - start);
        destination.putBytes(destinationOffset, ring, start, first);
        if (length > first) {
            destination.putBytes(destinationOffset + first, ring, 0, length - first);
        }
    }

    /** Drops {@code n} acknowledged bytes from the front. */
    void consume(int n) {
        head = (head + n) % capacity;
        size -= n;
    }
}
