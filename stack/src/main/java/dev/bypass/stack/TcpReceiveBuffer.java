package dev.bypass.stack;

import java.nio.ByteBuffer;
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
 */
final class TcpReceiveBuffer {
    private final UnsafeBuffer ring;
    private final int capacity;
    private final int[] rangeStart;
    private final int[] rangeEnd;
    private int ranges;
    private int head;
    private int readable;

    TcpReceiveBuffer(int capacity, int maxRanges) {
        this.capacity = capacity;
        this.ring = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
        this.rangeStart = new int[maxRanges];
        this.rangeEnd = new int[maxRanges];
    }

    int capacity() {
        return capacity;
    }

    int maxRanges() {
        return rangeStart.length;
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
