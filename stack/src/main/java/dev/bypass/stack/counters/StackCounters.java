package dev.bypass.stack.counters;

import java.nio.ByteBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The values of every {@link Counter} of one stack, kept in Agrona counters so another thread (or, with a
 * memory-mapped {@link CountersManager}, another process) reads them while the stack runs.
 *
 * <p>Single writer: only the stack's thread increments, with a release store and no atomic
 * read-modify-write; readers use {@link #get}, an acquire load.
 */
public final class StackCounters {
    /** Agrona counter type id of bypass stack counters (in the user range, away from Aeron's). */
    public static final int TYPE_ID = 0x0B1_0000;

    private final CountersManager manager;
    private final AtomicBuffer values;
    private final int[] ids = new int[Counter.count()];
    private final int[] offsets = new int[Counter.count()];
    private final String prefix;

    /** Counters in a manager of their own, over direct memory. */
    public StackCounters(String prefix) {
        this(prefix, newManager(Counter.count()));
    }

    /** Counters allocated in a shared manager (a CnC-style file of a whole process). */
    public StackCounters(String prefix, CountersManager manager) {
        this.prefix = prefix;
        this.manager = manager;
        this.values = manager.valuesBuffer();
        for (Counter c : Counter.values()) {
            int id = manager.allocate(prefix + ": " + c.label(), TYPE_ID + c.ordinal());
            ids[c.ordinal()] = id;
            offsets[c.ordinal()] = CountersReader.counterOffset(id);
        }
    }

    /** A manager with room for {@code counters} counters over direct buffers. */
    public static CountersManager newManager(int counters) {
        AtomicBuffer meta = new UnsafeBuffer(ByteBuffer.allocateDirect(counters * CountersReader.METADATA_LENGTH));
        AtomicBuffer vals = new UnsafeBuffer(ByteBuffer.allocateDirect(counters * CountersReader.COUNTER_LENGTH));
        return new CountersManager(meta, vals);
    }

    public void increment(Counter counter) {
        int off = offsets[counter.ordinal()];
        values.putLongRelease(off, values.getLong(off) + 1);
    }

    public void add(Counter counter, long delta) {
        int off = offsets[counter.ordinal()];
        values.putLongRelease(off, values.getLong(off) + delta);
    }

    public void set(Counter counter, long value) {
        values.putLongRelease(offsets[counter.ordinal()], value);
    }

    public long get(Counter counter) {
        return values.getLongAcquire(offsets[counter.ordinal()]);
    }

    /** Sum of every {@link Counter.Kind#DROP} counter. */
    public long totalDrops() {
        long sum = 0;
        for (Counter c : Counter.values()) {
            if (c.kind() == Counter.Kind.DROP) {
                sum += get(c);
            }
        }
        return sum;
    }

    /** The Agrona counter id of a counter, for readers of the manager. */
    public int counterId(Counter counter) {
        return ids[counter.ordinal()];
    }

    public CountersManager manager() {
        return manager;
    }

    public String prefix() {
        return prefix;
    }

    /** Non-zero counters as "label value" lines: for logs and test failure messages. */
    public String dumpNonZero() {
        StringBuilder sb = new StringBuilder();
        for (Counter c : Counter.values()) {
            long v = get(c);
            if (v != 0) {
                sb.append(prefix).append(' ').append(c.label()).append(' ').append(v).append('\n');
            }
        }
        return sb.toString();
    }
}
