package dev.bypass.query;

/**
 * A token bucket per source IPv4 address, in a bounded table: what keeps the connect query service from
 * answering any one source (a real client, or a victim whose address a flood spoofs) more than
 * {@code ratePerSecond} times a second after a burst of {@code burst}.
 *
 * <p>The table is set-associative, four ways: a source's set is a hash of its address; a new source takes
 * the way of its set used least recently, so a table of N entries holds the N most recently active sources
 * (about). An evicted source starts again with a full bucket: with more sources active than the table holds,
 * a spoofed flood gets at most {@code burst} answers per source per eviction, each no larger than the query
 * that asked (the protocol's amplification rule), so the service never sends more bytes than it receives.
 *
 * <p>Each bucket keeps its credit in nanoseconds of refill: a reply costs {@code 1e9 / ratePerSecond} ns,
 * the bucket holds at most {@code burst} replies' worth. Primitive arrays, no allocation; one thread.
 */
public final class SourceRateLimiter {
    private static final int WAYS = 4;

    private final int[] source;
    private final long[] creditNs;
    private final long[] lastNs;
    private final boolean[] used;
    private final int setMask;
    private final long costNs;
    private final long capacityNs;
    private long evictions;

    /** {@code entries} is rounded up to a power of two (at least 4). */
    public SourceRateLimiter(int entries, int ratePerSecond, int burst) {
        if (entries <= 0 || ratePerSecond <= 0 || burst <= 0) {
            throw new IllegalArgumentException("rate limiter needs entries, rate and burst > 0, got " + entries + ", "
                + ratePerSecond + "/s, " + burst);
        }
        int n = Math.max(WAYS, Integer.highestOneBit(entries - 1) << 1);
        source = new int[n];
        creditNs = new long[n];
        lastNs = new long[n];
        used = new boolean[n];
        setMask = n / WAYS - 1;
        costNs = 1_000_000_000L / ratePerSecond;
        capacityNs = costNs * burst;
    }

    /** True if {@code address} may have one more answer at {@code nowNs} (and takes its token). */
    public boolean tryAcquire(int address, long nowNs) {
        int base = set(address) * WAYS;
        int slot = -1;
        int victim = -1;
        for (int i = base; i < base + WAYS; i++) {
            if (used[i]) {
                if (source[i] == address) {
                    slot = i;
                    break;
                }
                if (victim < 0 || (used[victim] && lastNs[i] - lastNs[victim] < 0)) {
                    victim = i; // the way used least recently
                }
            } else if (victim < 0 || used[victim]) {
                victim = i; // a free way before any used one
            }
        }
        if (slot < 0) {
            slot = victim;
            if (used[slot]) {
                evictions++;
            }
            used[slot] = true;
            source[slot] = address;
            creditNs[slot] = capacityNs;
        } else {
            long refillNs = nowNs - lastNs[slot];
            creditNs[slot] = refillNs >= capacityNs ? capacityNs : Math.min(capacityNs, creditNs[slot] + Math.max(0, refillNs));
        }
        lastNs[slot] = nowNs;
        if (creditNs[slot] < costNs) {
            return false;
        }
        creditNs[slot] -= costNs;
        return true;
    }

    /** Sources evicted to make room for others, since creation. */
    public long evictions() {
        return evictions;
    }

    /** Sources the table holds. */
    public int capacity() {
        return source.length;
    }

    private int set(int address) {
        int h = address * 0x9E3779B9;
        return (h ^ (h >>> 16)) & setMask;
    }
}
