package dev.bypass.stack;

/**
 * What the sender knows of each segment it sent and the peer has not yet acknowledged cumulatively: the
 * SACK scoreboard of RFC 6675, kept as Linux keeps its retransmission queue. One entry per segment as it
 * was first sent (a TSO super-segment is one entry); an entry is split where a SACK block, a cumulative
 * ACK or a partial retransmission ends inside it. Entries are in sequence order in a ring of bounded
 * size: when it is full no new data is sent until ACKs free entries. The ring starts small and grows to
 * its bound as the flight grows (see {@link #TcpScoreboard(int)}).
 *
 * <p>Per entry: the sequence range, when it was last sent, whether the peer SACKed it, whether it is
 * deemed lost, whether a retransmission of it is in flight, and the delivery-rate marks of its last
 * transmission (draft-cheng-iccrg-delivery-rate-estimation). The counters are in packets (full
 * segments, rounded up per entry), as Linux's {@code packets_out}, {@code sacked_out}, {@code lost_out}
 * and {@code retrans_out}; {@link #inFlight()} is RFC 6675's "pipe" in packets.
 *
 * <p>Sequence numbers compare wrap-safe with {@link Seq}; times are nanoseconds of the stack's clock.
 */
final class TcpScoreboard {
    /** The peer SACKed the entry. */
    static final int SACKED = 1;
    /** Deemed lost (RACK, the duplicate-ACK rule or a timeout) and not SACKed. */
    static final int LOST = 1 << 1;
    /** A retransmission of the entry is in flight (Linux TCPCB_SACKED_RETRANS). */
    static final int RETRANS = 1 << 2;
    /** The entry was retransmitted at least once (Karn: no RTT sample from it). */
    static final int EVER_RETRANS = 1 << 3;
    /** The entry ends with our FIN (which takes one sequence number). */
    static final int FIN = 1 << 4;
    /** Sent while the application, not the window, limited sending (rate samples from it are app-limited). */
    static final int APP_LIMITED = 1 << 5;
    /** The segment carried PSH (kept for its retransmissions). */
    static final int PSH = 1 << 6;

    /** Entries the scoreboard has room for once it holds any; it doubles as needed up to its {@link #limit()}. */
    static final int INITIAL_CAPACITY = 8;
    private static final int[] NO_INTS = new int[0];
    private static final long[] NO_LONGS = new long[0];

    private int capacity;
    private int limit;
    private int[] start;
    private int[] end;
    private int[] flags;
    private int[] pcount;
    private long[] sentAtNs;
    private int[] deliveredAtSend;
    private long[] deliveredTimeAtSend;
    private long[] firstSentAtSend;
    private int head;
    private int count;

    int packetsOut;
    int sackedOut;
    int lostOut;
    int retransOut;
    /** Highest sequence number SACKed so far (the forward-most SACK, "FACK"). */
    int highestSacked;
    /** True once any entry is SACKed in this flight. */
    boolean anySacked;

    /**
     * An empty scoreboard of at most {@code limit} entries. It holds no arrays until the first entry (an
     * idle connection never sends data), then room for {@link #INITIAL_CAPACITY}, doubling when full (a
     * one-time cost per connection object: the grown arrays are kept across reuse), so a connection that never
     * has much in flight never pays for a full send buffer's worth of entries.
     */
    TcpScoreboard(int limit) {
        allocate(0);
        this.limit = limit;
    }

    private void allocate(int entries) {
        if (entries == 0) {
            capacity = 0;
            start = end = flags = pcount = deliveredAtSend = NO_INTS;
            sentAtNs = deliveredTimeAtSend = firstSentAtSend = NO_LONGS;
            return;
        }
        capacity = entries;
        start = new int[entries];
        end = new int[entries];
        flags = new int[entries];
        pcount = new int[entries];
        sentAtNs = new long[entries];
        deliveredAtSend = new int[entries];
        deliveredTimeAtSend = new long[entries];
        firstSentAtSend = new long[entries];
    }

    /** Entries there is room for now (grows up to {@link #limit()}). */
    int capacity() {
        return capacity;
    }

    /** The most entries the scoreboard holds. */
    int limit() {
        return limit;
    }

    /** Empties the scoreboard and sets its bound for a new connection (the arrays are kept, or cut down to it). */
    void reset(int newLimit) {
        clear();
        if (capacity > newLimit) {
            allocate(0);
        }
        limit = newLimit;
    }

    /** Room for one more entry: true if there was, or the arrays could double; false at the limit. */
    private boolean ensureRoom() {
        if (count < capacity) {
            return true;
        }
        if (capacity >= limit) {
            return false;
        }
        int[] oStart = start;
        int[] oEnd = end;
        int[] oFlags = flags;
        int[] oPcount = pcount;
        long[] oSentAt = sentAtNs;
        int[] oDelivered = deliveredAtSend;
        long[] oDeliveredTime = deliveredTimeAtSend;
        long[] oFirstSent = firstSentAtSend;
        int oCapacity = capacity;
        allocate(Math.min(limit, Math.max(INITIAL_CAPACITY, 2 * capacity)));
        unwrap(oStart, start, oCapacity);
        unwrap(oEnd, end, oCapacity);
        unwrap(oFlags, flags, oCapacity);
        unwrap(oPcount, pcount, oCapacity);
        unwrap(oSentAt, sentAtNs, oCapacity);
        unwrap(oDelivered, deliveredAtSend, oCapacity);
        unwrap(oDeliveredTime, deliveredTimeAtSend, oCapacity);
        unwrap(oFirstSent, firstSentAtSend, oCapacity);
        head = 0;
        return true;
    }

    void clear() {
        head = 0;
        count = 0;
        packetsOut = sackedOut = lostOut = retransOut = 0;
        anySacked = false;
    }

    int size() {
        return count;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** True when no entry can be added: the scoreboard holds {@link #limit()} entries. */
    boolean isFull() {
        return count >= limit;
    }

    /** Ring slot of the i-th entry from the oldest. */
    int slot(int i) {
        int s = head + i;
        return s >= capacity ? s - capacity : s;
    }

    int start(int slot) {
        return start[slot];
    }

    int end(int slot) {
        return end[slot];
    }

    int flags(int slot) {
        return flags[slot];
    }

    int pcount(int slot) {
        return pcount[slot];
    }

    long sentAtNs(int slot) {
        return sentAtNs[slot];
    }

    int deliveredAtSend(int slot) {
        return deliveredAtSend[slot];
    }

    long deliveredTimeAtSend(int slot) {
        return deliveredTimeAtSend[slot];
    }

    long firstSentAtSend(int slot) {
        return firstSentAtSend[slot];
    }

    /** Sequence number after the newest entry (SND.NXT when nothing was rewound). */
    int tailEnd() {
        return end[slot(count - 1)];
    }

    /** RFC 6675 "pipe": packets the sender believes are in the network. */
    int inFlight() {
        return packetsOut - (sackedOut + lostOut) + retransOut;
    }

    /** Data bytes of an entry (its FIN excluded). */
    int dataLength(int slot) {
        return end[slot] - start[slot] - ((flags[slot] & FIN) != 0 ? 1 : 0);
    }

    static int packets(int dataBytes, int mss) {
        return dataBytes <= 0 ? 1 : (dataBytes + mss - 1) / mss;
    }

    /** Records a segment sent for the first time; false if the scoreboard is full. */
    boolean add(int seq, int endSeq, boolean fin, int mss, long nowNs, int delivered, long deliveredTimeNs,
                long firstSentNs, boolean appLimited) {
        if (!ensureRoom()) {
            return false;
        }
        int s = slot(count);
        count++;
        start[s] = seq;
        end[s] = endSeq;
        flags[s] = (fin ? FIN : 0) | (appLimited ? APP_LIMITED : 0);
        pcount[s] = packets(endSeq - seq - (fin ? 1 : 0), mss);
        packetsOut += pcount[s];
        stampSent(s, nowNs, delivered, deliveredTimeNs, firstSentNs, appLimited);
        return true;
    }

    private void stampSent(int s, long nowNs, int delivered, long deliveredTimeNs, long firstSentNs, boolean appLimited) {
        sentAtNs[s] = nowNs;
        deliveredAtSend[s] = delivered;
        deliveredTimeAtSend[s] = deliveredTimeNs;
        firstSentAtSend[s] = firstSentNs;
        flags[s] = appLimited ? flags[s] | APP_LIMITED : flags[s] & ~APP_LIMITED;
    }

    /** An entry was retransmitted whole (after {@link #splitAt} cut it to what was sent). */
    void markRetransmitted(int s, long nowNs, int delivered, long deliveredTimeNs, long firstSentNs, boolean appLimited) {
        if ((flags[s] & RETRANS) == 0) {
            retransOut += pcount[s];
        }
        flags[s] |= RETRANS | EVER_RETRANS;
        stampSent(s, nowNs, delivered, deliveredTimeNs, firstSentNs, appLimited);
    }

    /** A tail-loss probe resent the entry: no RETRANS mark (it is not a recovery retransmission). */
    void markProbed(int s, long nowNs, int delivered, long deliveredTimeNs, long firstSentNs, boolean appLimited) {
        flags[s] |= EVER_RETRANS;
        stampSent(s, nowNs, delivered, deliveredTimeNs, firstSentNs, appLimited);
    }

    void markPush(int s) {
        flags[s] |= PSH;
    }

    /** Takes back a loss mark (an undo: the reduction proved spurious). */
    void unmarkLost(int s) {
        if ((flags[s] & LOST) != 0) {
            flags[s] &= ~LOST;
            lostOut -= pcount[s];
        }
    }

    /** Forgets every SACK (the peer reneged, RFC 2018 section 8). */
    void unsackAll() {
        for (int i = 0; i < count; i++) {
            int s = slot(i);
            if ((flags[s] & SACKED) != 0) {
                flags[s] &= ~SACKED;
                sackedOut -= pcount[s];
            }
        }
        anySacked = false;
    }

    /** Marks an entry lost (Linux tcp_mark_skb_lost): a retransmission in flight for it is lost too. */
    void markLost(int s) {
        if ((flags[s] & SACKED) != 0) {
            return;
        }
        if ((flags[s] & RETRANS) != 0) {
            flags[s] &= ~RETRANS;
            retransOut -= pcount[s];
        }
        if ((flags[s] & LOST) == 0) {
            flags[s] |= LOST;
            lostOut += pcount[s];
        }
    }

    /** Marks every entry not SACKed lost (a retransmission timeout: RFC 6675 section 5.1). */
    void markAllLost() {
        for (int i = 0; i < count; i++) {
            markLost(slot(i));
        }
    }

    /** Marks an entry SACKed; returns the packets newly SACKed. */
    int markSacked(int s) {
        int f = flags[s];
        if ((f & SACKED) != 0) {
            return 0;
        }
        if ((f & LOST) != 0) {
            lostOut -= pcount[s];
        }
        if ((f & RETRANS) != 0) {
            retransOut -= pcount[s];
        }
        flags[s] = (f & ~(LOST | RETRANS)) | SACKED;
        sackedOut += pcount[s];
        if (!anySacked || Seq.gt(end[s], highestSacked)) {
            highestSacked = end[s];
        }
        anySacked = true;
        return pcount[s];
    }

    /**
     * Splits the entry at ring position {@code i} so that a new entry starts at {@code seq} (which lies
     * strictly inside it, on a data byte). Both halves keep the flags and transmit marks; packet counts are
     * recomputed with {@code mss}. Returns false if the ring is full (the caller then treats the entry whole).
     */
    boolean splitAt(int i, int seq, int mss) {
        if (!ensureRoom()) {
            return false;
        }
        // Shift entries i+1.. one slot towards the tail.
        for (int k = count; k > i + 1; k--) {
            copy(slot(k - 1), slot(k));
        }
        count++;
        int a = slot(i);
        int b = slot(i + 1);
        copy(a, b);
        int oldPcount = pcount[a];
        end[a] = seq;
        flags[a] &= ~(FIN | PSH); // as Linux tcp_fragment: FIN and PSH stay with the last part
        start[b] = seq;
        pcount[a] = packets(end[a] - start[a], mss);
        pcount[b] = packets(end[b] - start[b] - ((flags[b] & FIN) != 0 ? 1 : 0), mss);
        int delta = pcount[a] + pcount[b] - oldPcount;
        packetsOut += delta;
        int f = flags[a];
        if ((f & SACKED) != 0) {
            sackedOut += delta;
        }
        if ((f & LOST) != 0) {
            lostOut += delta;
        }
        if ((f & RETRANS) != 0) {
            retransOut += delta;
        }
        return true;
    }

    /** Copies the {@code count} entries of a full ring of {@code oldCapacity} from {@code head} on to index 0 of {@code to}. */
    private void unwrap(Object from, Object to, int oldCapacity) {
        int first = Math.min(count, oldCapacity - head);
        System.arraycopy(from, head, to, 0, first);
        System.arraycopy(from, 0, to, first, count - first);
    }

    private void copy(int from, int to) {
        start[to] = start[from];
        end[to] = end[from];
        flags[to] = flags[from];
        pcount[to] = pcount[from];
        sentAtNs[to] = sentAtNs[from];
        deliveredAtSend[to] = deliveredAtSend[from];
        deliveredTimeAtSend[to] = deliveredTimeAtSend[from];
        firstSentAtSend[to] = firstSentAtSend[from];
    }

    /** Removes the oldest entry (cumulatively acknowledged), keeping the counters right. */
    void removeHead() {
        int s = head;
        int f = flags[s];
        packetsOut -= pcount[s];
        if ((f & SACKED) != 0) {
            sackedOut -= pcount[s];
        }
        if ((f & LOST) != 0) {
            lostOut -= pcount[s];
        }
        if ((f & RETRANS) != 0) {
            retransOut -= pcount[s];
        }
        head = head + 1 == capacity ? 0 : head + 1;
        count--;
        if (count == 0) {
            anySacked = false;
        }
    }

    /** Ring position of the entry holding {@code seq}, or -1. */
    int indexOf(int seq) {
        // Entries are contiguous and ordered: binary search on start.
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int s = slot(mid);
            if (Seq.lt(seq, start[s])) {
                hi = mid - 1;
            } else if (Seq.ge(seq, end[s])) {
                lo = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }
}
