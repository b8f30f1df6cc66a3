package dev.bypass.query;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How a client chooses one bypass tuple among the valid ones. {@link #choose} is called with at least
 * one candidate, must not allocate, and may be called from several threads at once (the NIO client
 * library) — the policies here are safe for that.
 */
@FunctionalInterface
public interface TuplePolicy {
    /**
     * Index of the chosen candidate, 0..count-1. {@code clientAddress} and {@code clientPort} are the
     * client's own tuple for the connection (0 where not known yet).
     */
    int choose(TupleCandidates candidates, int clientAddress, int clientPort);

    /** One after the other, one counter for every public tuple: spreads evenly whatever the hints say. */
    static TuplePolicy roundRobin() {
        AtomicLong next = new AtomicLong();
        return (c, address, port) -> (int) Long.remainderUnsigned(next.getAndIncrement(), c.count());
    }

    /**
     * The lowest load hint; ties taken in turn (so equal hints spread like round-robin). Since hints are
     * only as fresh as the cached reply, a burst of connections within one TTL all lands on the same
     * tuple unless others tie with it: see {@link #spareCapacity} to spread a burst by the hints.
     */
    static TuplePolicy leastLoaded() {
        AtomicLong turn = new AtomicLong();
        return (c, address, port) -> {
            int n = c.count();
            int min = Integer.MAX_VALUE;
            int ties = 0;
            for (int i = 0; i < n; i++) {
                int h = c.loadHint(i);
                if (h < min) {
                    min = h;
                    ties = 1;
                } else if (h == min) {
                    ties++;
                }
            }
            int pick = (int) Long.remainderUnsigned(turn.getAndIncrement(), ties);
            for (int i = 0; i < n; i++) {
                if (c.loadHint(i) == min && pick-- == 0) {
                    return i;
                }
            }
            return 0; // unreachable: pick < ties
        };
    }

    /**
     * In proportion to each tuple's spare capacity, {@code 65536 - loadHint}: a tuple at hint 49152 (75%
     * loaded) gets a quarter of the share of an idle one. Deterministic: the n-th choice is the point
     * {@code frac(n * golden ratio)} of the cumulative weights, a low-discrepancy sequence, so even a short
     * run follows the weights closely.
     */
    static TuplePolicy spareCapacity() {
        AtomicLong turn = new AtomicLong();
        return (c, address, port) -> {
            int n = c.count();
            long total = 0;
            for (int i = 0; i < n; i++) {
                total += 65536 - c.loadHint(i);
            }
            // 0x9E3779B97F4A7C15 = 2^64 / golden ratio; its multiples mod 2^64 are evenly spread.
            long point = Math.unsignedMultiplyHigh(turn.getAndIncrement() * 0x9E3779B97F4A7C15L, total);
            for (int i = 0; i < n; i++) {
                point -= 65536 - c.loadHint(i);
                if (point < 0) {
                    return i;
                }
            }
            return n - 1;
        };
    }

    /**
     * A hash of the client's own tuple (address, port), by rendezvous hashing: each candidate scores
     * {@code hash(client, candidate)} and the highest wins. The same client tuple keeps the same bypass
     * tuple while the set stands, and when one tuple leaves the set only its clients move.
     */
    static TuplePolicy clientHash() {
        return (c, address, port) -> {
            long client = ((long) address << 16) ^ port;
            int best = 0;
            long bestScore = Long.MIN_VALUE;
            for (int i = 0, n = c.count(); i < n; i++) {
                long score = mix(client ^ mix(((long) c.address(i) << 16) ^ c.port(i)));
                if (score > bestScore) {
                    bestScore = score;
                    best = i;
                }
            }
            return best;
        };
    }

    /** SplitMix64's finalizer: every input bit moves every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
