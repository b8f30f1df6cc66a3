package dev.bypass.stack;

import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.time.Deadlines;
import dev.bypass.stack.time.TimerQueue;
import dev.bypass.stack.wire.Ipv4Header;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reassembly of IPv4 fragments (RFC 791 section 3.2, RFC 815 hole bookkeeping) with bounded memory and a
 * timeout.
 *
 * <p>A fixed number of slots, each able to hold one datagram of up to 65535 bytes, keyed by (source,
 * destination, protocol, identification). Fragments are copied into place; the received ranges are kept
 * sorted and merged. The datagram is complete when one range covers [0, total) and the first fragment's
 * header is in. Defences, as Linux since 4.19 and RFC 5722 for IPv6: a fragment overlapping received
 * data drops the whole datagram; an exact duplicate drops only itself; fragments past 65535 bytes or not
 * a multiple of 8 bytes (but the last) are dropped. When every slot is busy the oldest datagram is given
 * up, so a flood of never-completed datagrams cannot block reassembly for ever.
 */
final class Ipv4Reassembly implements TimerQueue.Owner {
    /** Room in front of the data for the first fragment's header (at most 60 bytes). */
    private static final int HEADER_ROOM = Ipv4Header.MAX_LENGTH;
    private static final int MAX_DATAGRAM = 65535;

    private final NetworkStack stack;
    private final StackConfig config;
    private final int timerHandle;
    private final Ipv4Packet whole = new Ipv4Packet();

    private final boolean[] inUse;
    private final int[] source;
    private final int[] destination;
    private final int[] protocol;
    private final int[] identification;
    private final long[] createdAt;
    private final int[] totalLength;      // payload bytes; -1 until the last fragment arrives
    private final int[] headerLength;     // of the first fragment; 0 until it arrives
    private final int[][] ranges;         // [start0, end0, start1, end1, ...] sorted, merged
    private final int[] rangeCount;
    private final int[] fragments;
    private final UnsafeBuffer[] buffers; // allocated on first use, then kept

    Ipv4Reassembly(NetworkStack stack, StackConfig config, int timerHandle) {
        this.stack = stack;
        this.config = config;
        this.timerHandle = timerHandle;
        int n = config.reassemblySlots();
        inUse = new boolean[n];
        source = new int[n];
        destination = new int[n];
        protocol = new int[n];
        identification = new int[n];
        createdAt = new long[n];
        totalLength = new int[n];
        headerLength = new int[n];
        ranges = new int[n][2 * config.reassemblyMaxFragments()];
        rangeCount = new int[n];
        fragments = new int[n];
        buffers = new UnsafeBuffer[n];
    }

    /**
     * Takes one fragment (its payload at {@code p.payloadOffset}, {@code offsetBytes} into the datagram);
     * delivers the datagram when it completes. Returns the drop reason or null.
     */
    Counter input(Ipv4Packet p, int offsetBytes, boolean more, long nowNs) {
        stack.counters().increment(Counter.IP_REASM_REQDS);
        int length = p.payloadLength;
        int end = offsetBytes + length;
        if (length == 0 || (more && (length & 7) != 0) || end > MAX_DATAGRAM - p.headerLength) {
            return Counter.IP_DROP_BAD_FRAGMENT;
        }
        int slot = find(p);
        if (slot < 0) {
            slot = allocate(p, nowNs);
            if (slot < 0) {
                return Counter.IP_DROP_REASM_NO_MEMORY;
            }
        }
        int[] r = ranges[slot];
        int n = rangeCount[slot];
        // The last fragment fixes the length; everything must agree with it.
        if (!more) {
            if ((totalLength[slot] >= 0 && totalLength[slot] != end) || (n > 0 && r[2 * n - 1] > end)) {
                fail(slot);
                return Counter.IP_DROP_BAD_FRAGMENT;
            }
            totalLength[slot] = end;
        } else if (totalLength[slot] >= 0 && end > totalLength[slot]) {
            fail(slot);
            return Counter.IP_DROP_BAD_FRAGMENT;
        }
        for (int i = 0; i < n; i++) {
            int s = r[2 * i];
            int e = r[2 * i + 1];
            if (offsetBytes < e && end > s) {
                if (offsetBytes >= s && end <= e && isDuplicate(slot, p, offsetBytes)) {
                    return Counter.IP_DROP_BAD_FRAGMENT; // a copy of data we have: drop just this one
                }
                fail(slot);
                return Counter.IP_DROP_BAD_FRAGMENT;
            }
        }
        if (++fragments[slot] > config.reassemblyMaxFragments()) {
            fail(slot);
            return Counter.IP_DROP_BAD_FRAGMENT;
        }
        UnsafeBuffer buffer = buffers[slot];
        buffer.putBytes(HEADER_ROOM + offsetBytes, p.buffer, p.payloadOffset, length);
        if (offsetBytes == 0) {
            headerLength[slot] = p.headerLength;
            buffer.putBytes(HEADER_ROOM - p.headerLength, p.buffer, p.headerOffset, p.headerLength);
        }
        insertRange(slot, offsetBytes, end);
        if (totalLength[slot] >= 0 && headerLength[slot] > 0 && rangeCount[slot] == 1 && r[0] == 0
            && r[1] == totalLength[slot]) {
            if (headerLength[slot] + totalLength[slot] > MAX_DATAGRAM) {
                // Each fragment fit with its own header, the whole does not with the first one's (RFC 791
                // total length is 16 bits; Linux counts this "oversized").
                fail(slot);
                return Counter.IP_DROP_BAD_FRAGMENT;
            }
            return complete(slot, nowNs);
        }
        return null;
    }

    private Counter complete(int slot, long nowNs) {
        UnsafeBuffer buffer = buffers[slot];
        int hl = headerLength[slot];
        int headerOffset = HEADER_ROOM - hl;
        int total = hl + totalLength[slot];
        // Make the stored header describe the whole datagram (ICMP errors quote it).
        buffer.putShort(headerOffset + Ipv4Header.TOTAL_LENGTH_OFFSET, (short) total, BIG_ENDIAN);
        buffer.putShort(headerOffset + Ipv4Header.FLAGS_FRAGMENT_OFFSET, (short) 0);
        Ipv4Packet w = whole;
        w.buffer = buffer;
        w.headerOffset = headerOffset;
        w.headerLength = hl;
        w.totalLength = total;
        w.payloadOffset = HEADER_ROOM;
        w.payloadLength = totalLength[slot];
        w.source = source[slot];
        w.destination = destination[slot];
        w.protocol = protocol[slot];
        w.ttl = buffer.getByte(headerOffset + Ipv4Header.TTL_OFFSET) & 0xFF;
        w.tos = buffer.getByte(headerOffset + Ipv4Header.TOS_OFFSET) & 0xFF;
        w.identification = identification[slot];
        w.rxFlags = 0;
        w.broadcast = !stack.config().isLocalAddress(destination[slot]);
        w.reassembled = true;
        stack.counters().increment(Counter.IP_REASM_OKS);
        release(slot);
        // The buffer stays intact until the next fragment is stored: delivery reads it now.
        return stack.ipv4().deliver(w, nowNs);
    }

    private boolean isDuplicate(int slot, Ipv4Packet p, int offsetBytes) {
        UnsafeBuffer buffer = buffers[slot];
        for (int i = 0; i < p.payloadLength; i++) {
            if (buffer.getByte(HEADER_ROOM + offsetBytes + i) != p.buffer.getByte(p.payloadOffset + i)) {
                return false;
            }
        }
        return true;
    }

    private void insertRange(int slot, int start, int end) {
        int[] r = ranges[slot];
        int n = rangeCount[slot];
        int i = 0;
        while (i < n && r[2 * i] < start) {
            i++;
        }
        System.arraycopy(r, 2 * i, r, 2 * i + 2, 2 * (n - i));
        r[2 * i] = start;
        r[2 * i + 1] = end;
        n++;
        // Merge touching neighbours (overlaps were refused before).
        int w = 0;
        for (int k = 1; k < n; k++) {
            if (r[2 * k] == r[2 * w + 1]) {
                r[2 * w + 1] = r[2 * k + 1];
            } else {
                w++;
                r[2 * w] = r[2 * k];
                r[2 * w + 1] = r[2 * k + 1];
            }
        }
        rangeCount[slot] = w + 1;
    }

    private int find(Ipv4Packet p) {
        for (int i = 0; i < inUse.length; i++) {
            if (inUse[i] && identification[i] == p.identification && source[i] == p.source
                && destination[i] == p.destination && protocol[i] == p.protocol) {
                return i;
            }
        }
        return -1;
    }

    private int allocate(Ipv4Packet p, long nowNs) {
        int slot = -1;
        for (int i = 0; i < inUse.length; i++) {
            if (!inUse[i]) {
                slot = i;
                break;
            }
        }
        if (slot < 0) {
            // All busy: give up the oldest datagram rather than refuse every new one.
            long oldest = Long.MAX_VALUE;
            for (int i = 0; i < inUse.length; i++) {
                if (createdAt[i] - oldest < 0 || oldest == Long.MAX_VALUE) {
                    oldest = createdAt[i];
                    slot = i;
                }
            }
            fail(slot);
        }
        if (buffers[slot] == null) {
            buffers[slot] = new UnsafeBuffer(ByteBuffer.allocateDirect(HEADER_ROOM + MAX_DATAGRAM));
        }
        inUse[slot] = true;
        source[slot] = p.source;
        destination[slot] = p.destination;
        protocol[slot] = p.protocol;
        identification[slot] = p.identification;
        createdAt[slot] = nowNs;
        totalLength[slot] = -1;
        headerLength[slot] = 0;
        rangeCount[slot] = 0;
        fragments[slot] = 0;
        reschedule();
        return slot;
    }

    private void fail(int slot) {
        stack.counters().increment(Counter.IP_REASM_FAILS);
        release(slot);
    }

    private void release(int slot) {
        inUse[slot] = false;
        reschedule();
    }

    @Override
    public void onTimer(int handle, long nowNs) {
        for (int i = 0; i < inUse.length; i++) {
            if (inUse[i] && nowNs - (createdAt[i] + config.reassemblyTimeoutNs()) >= 0) {
                stack.counters().increment(Counter.IP_REASM_TIMEOUTS);
                fail(i);
            }
        }
        reschedule();
    }

    private void reschedule() {
        long next = Deadlines.NONE;
        for (int i = 0; i < inUse.length; i++) {
            if (inUse[i]) {
                next = Deadlines.earliest(next, createdAt[i] + config.reassemblyTimeoutNs());
            }
        }
        stack.timers().schedule(timerHandle, next);
    }
}
