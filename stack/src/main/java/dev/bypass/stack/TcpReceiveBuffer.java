package dev.bypass.stack;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Received bytes of a connection: in-order bytes waiting for the application, then the window, where
 * out-of-order data is stored at its final place and tracked as ranges (the assembler, as smoltcp's).
 * When the gap before a range fills, the range joins the readable bytes without a copy.
 *
 * <pre>
 *   head            head+readable (= RCV.NXT)                       capacity
 *   |<-- readable -->|<------ window: holes and out-of-order ranges ----->|
 * </pre>
 *
 * Range offsets are relative to RCV.NXT. The number of ranges is bounded; a segment that would need one
 * more is refused (the peer retransmits it).
 *
 * <p>The ring is lent by the stack's {@link TcpBufferPool} while the buffer holds bytes: it is attached
 * when the first payload arrives and detached once everything is read and no out-of-order data is held, so
 * an idle connection holds only this small object. The range table is allocated at the first out-of-order
 * segment and kept for the connection object's later lives (most connections never need one).
 */
final class TcpReceiveBuffer {
    private static final int[] NO_RANGES = new int[0];

    private UnsafeBuffer ring;
    private int capacity;
    private int maxRanges;
    private int[] rangeStart = NO_RANGES;
    private int[] rangeEnd = NO_RANGES;
    private int ranges;
    private int head;
    private int readable;

    /** An unconfigured buffer: {@link #configure} it for each connection. */
    TcpReceiveBuffer() {
    }

    /** A buffer with a ring of its own (not from a pool): for tests of the buffer alone. */
    TcpReceiveBuffer(int capacity, int maxRanges) {
        configure(capacity, maxRanges);
        attach(new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(capacity)));
    }

    /** Sets the capacity and range bound for a new connection; the buffer must hold no ring. */
    void configure(int capacity, int maxRanges) {
        if (ring != null) {
            throw new IllegalStateException("receive ring still attached");
        }
        this.capacity = capacity;
        this.maxRanges = maxRanges;
        if (rangeStart.length != 0 && rangeStart.length != maxRanges) {
            rangeStart = NO_RANGES;
            rangeEnd = NO_RANGES;
        }
        clear();
    }

    int capacity() {
        return capacity;
    }

    int maxRanges() {
        return maxRanges;
    }

    boolean hasRing() {
        return ring != null;
    }

    /** True when nothing is held: no readable bytes and no out-of-order ranges (the ring may go back). */
    boolean isEmpty() {
        return readable == 0 && ranges == 0;
    }

    /** Lends the buffer a ring of {@link #capacity()} bytes. */
    void attach(UnsafeBuffer ring) {
        this.ring = ring;
        head = 0;
    }

    /** Takes the ring back (whatever it held is dropped); returns it. */
    UnsafeBuffer detach() {
        UnsafeBuffer r = ring;
        ring = null;
        clear();
        return r;
    }

    int readable() {
        return readable;
    }

    /** Out-of-order ranges held. */
    int ranges() {
        return ranges;
    }

    int rangeStart(int i) {
        return rangeStart[i];
    }

    int rangeEnd(int i) {
        return rangeEnd[i];
    }

    void clear() {
        head = 0;
        readable = 0;
        ranges = 0;
    }

    /** True if [start, end) (offsets from RCV.NXT) lies wholly inside one out-of-order range. */
    boolean covered(int start, int end) {
        for (int i = 0; i < ranges; i++) {
            if (rangeStart[i] <= start && end <= rangeEnd[i]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Stores {@code length} bytes that start {@code at} bytes after RCV.NXT (the caller trimmed them to
     * the window, which fits after the readable bytes). Returns how far RCV.NXT advances (0 for data
     * after a hole), or -1 if out-of-order data was refused because the range table is full.
     */
    int insert(int at, DirectBuffer source, int offset, int length) {
        if (at > 0 && !canTrack(at, at + length)) {
            return -1;
        }
        int start = (head + readable + at) % capacity;
        int first = Math.min(length, capacity - start);
        ring.putBytes(start, source, offset, first);
        if (length > first) {
            ring.putBytes(0, source, offset + first, length - first);
        }
        if (at > 0) {
            addRange(at, at + length);
            return 0;
        }
        // In order: this data and every range it now touches become readable.
        int advance = length;
        int kept = 0;
        for (int i = 0; i < ranges; i++) {
            if (rangeStart[i] <= advance) {
                advance = Math.max(advance, rangeEnd[i]);
            } else {
                rangeStart[kept] = rangeStart[i];
                rangeEnd[kept] = rangeEnd[i];
                kept++;
            }
        }
        ranges = kept;
        for (int i = 0; i < ranges; i++) {
            rangeStart[i] -= advance;
            rangeEnd[i] -= advance;
        }
        readable += advance;
        return advance;
    }

    /** True if [start, end) merges into an existing range or a free slot is left. */
    private boolean canTrack(int start, int end) {
        if (rangeStart.length == 0) {
            rangeStart = new int[maxRanges]; // the first out-of-order segment of this connection object
            rangeEnd = new int[maxRanges];
        }
        if (ranges < rangeStart.length) {
            return true;
        }
        for (int i = 0; i < ranges; i++) {
            if (start <= rangeEnd[i] && end >= rangeStart[i]) {
                return true;
            }
        }
        return false;
    }

    /** Adds [start, end) to the sorted, disjoint ranges, merging what it overlaps or touches. */
    private void addRange(int start, int end) {
        int i = 0;
        while (i < ranges && rangeEnd[i] < start) {
            i++;
        }
        int j = i;
        while (j < ranges && rangeStart[j] <= end) {
            start = Math.min(start, rangeStart[j]);
            end = Math.max(end, rangeEnd[j]);
            j++;
        }
        int removed = j - i;
        if (removed == 0) {
            System.arraycopy(rangeStart, i, rangeStart, i + 1, ranges - i);
            System.arraycopy(rangeEnd, i, rangeEnd, i + 1, ranges - i);
            ranges++;
        } else if (removed > 1) {
            System.arraycopy(rangeStart, j, rangeStart, i + 1, ranges - j);
            System.arraycopy(rangeEnd, j, rangeEnd, i + 1, ranges - j);
            ranges -= removed - 1;
        }
        rangeStart[i] = start;
        rangeEnd[i] = end;
    }

    /** Copies up to {@code length} readable bytes out; returns how many. */
    int read(MutableDirectBuffer destination, int offset, int length) {
        int n = Math.min(length, readable);
        int first = Math.min(n, capacity - head);
        destination.putBytes(offset, ring, head, first);
        if (n > first) {
            destination.putBytes(offset + first, ring, 0, n - first);
        }
        head = (head + n) % capacity;
        readable -= n;
        return n;
    }
}
