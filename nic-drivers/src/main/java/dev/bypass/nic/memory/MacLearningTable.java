package dev.bypass.nic.memory;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.agrona.BitUtil;

/**
 * The forwarding table of a learning switch: MAC address to port, lock-free, for many sending threads
 * at once.
 *
 * <p>Open addressing with linear probing over an {@link AtomicLongArray}. Each slot packs one entry into a
 * long, so an entry is read and replaced whole:
 * <pre>
 *   63                                16 15              0
 *  +------------------------------------+-----------------+
 *  |          MAC (48 bits)             |    port + 1     |   0 = empty slot
 *  +------------------------------------+-----------------+
 * </pre>
 * Entries are never removed (no ageing: the hosts of a test network do not go away), so a MAC found
 * empty along its probe sequence is absent, and two threads learning one MAC cannot create two entries:
 * the loser of the compare-and-set on the empty slot finds the winner's entry there. If two threads learn
 * one MAC on different ports at once (a station moving), the last write wins until the next frame from
 * it; a lookup that misses floods, as a switch does.
 */
public final class MacLearningTable {
    private static final int PORT_BITS = 16;
    /** Ports the entry format holds (the port is stored plus one, so that 0 means empty). */
    public static final int MAX_PORTS = (1 << PORT_BITS) - 1;

    private final AtomicLongArray slots;
    private final int mask;
    private final AtomicLong full = new AtomicLong();

    /** A table of {@code capacity} entries (a power of two); when full, new stations are not learned and flood. */
    public MacLearningTable(int capacity) {
        if (!BitUtil.isPowerOfTwo(capacity) || capacity > 1 << 24) {
            throw new IllegalArgumentException("MAC table capacity must be a power of two up to 2^24, got " + capacity);
        }
        slots = new AtomicLongArray(capacity);
        mask = capacity - 1;
    }

    /** Records that {@code mac} (a unicast source address) was seen on {@code port}. */
    public void learn(long mac, int port) {
        long entry = (mac << PORT_BITS) | (port + 1);
        int slot = home(mac);
        for (int probe = 0; probe <= mask; probe++, slot = (slot + 1) & mask) {
            long current = slots.getAcquire(slot);
            if (current == 0) {
                if (slots.compareAndSet(slot, 0, entry)) {
                    return;
                }
                current = slots.getAcquire(slot); // another thread took the slot: it may be this MAC
            }
            if (current >>> PORT_BITS == mac) {
                if (current != entry) {
                    slots.compareAndSet(slot, current, entry); // the station moved ports
                }
                return;
            }
        }
        full.incrementAndGet();
    }

    /** The port {@code mac} was last seen on, or -1 if unknown. */
    public int lookup(long mac) {
        int slot = home(mac);
        for (int probe = 0; probe <= mask; probe++, slot = (slot + 1) & mask) {
            long current = slots.getAcquire(slot);
            if (current == 0) {
                return -1;
            }
            if (current >>> PORT_BITS == mac) {
                return (int) (current & MAX_PORTS) - 1;
            }
        }
        return -1;
    }

    /** Times a station could not be learned because the table was full (its frames flood). */
    public long fullCount() {
        return full.get();
    }

    private int home(long mac) {
        // Fibonacci hashing: MACs of one vendor differ only in their low bytes; this spreads them.
        return (int) ((mac * 0x9E37_79B9_7F4A_7C15L) >>> 40) & mask;
    }
}
