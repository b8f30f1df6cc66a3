package dev.bypass.query;

import dev.bypass.stack.counters.StackCounters;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The {@link QueryCounter} values of one service or client, in Agrona counters (a manager of their own,
 * or a process's shared one, such as the counters file {@code bypass stat} reads). Single writer: the poll
 * thread increments with a release store; any thread reads.
 */
public final class QueryCounters {
    /** Agrona counter type id of the connect query counters (next to the stack's, {@link StackCounters#TYPE_ID}). */
    public static final int TYPE_ID = 0x0B2_0000;

    private final AtomicBuffer values;
    private final int[] offsets = new int[QueryCounter.values().length];
    private final String prefix;

    /** Counters in a manager of their own. */
    public QueryCounters(String prefix) {
        this(prefix, StackCounters.newManager(QueryCounter.values().length));
    }

    public QueryCounters(String prefix, CountersManager manager) {
        this.prefix = prefix;
        this.values = manager.valuesBuffer();
        for (QueryCounter c : QueryCounter.values()) {
            int id = manager.allocate(prefix + ": " + c.label(), TYPE_ID + c.ordinal());
            offsets[c.ordinal()] = CountersReader.counterOffset(id);
        }
    }

    public void increment(QueryCounter counter) {
        int off = offsets[counter.ordinal()];
        values.putLongRelease(off, values.getLong(off) + 1);
    }

    public long get(QueryCounter counter) {
        return values.getLongAcquire(offsets[counter.ordinal()]);
    }

    /** Non-zero counters as "prefix label value" lines: for logs and failure messages. */
    public String dumpNonZero() {
        StringBuilder sb = new StringBuilder();
        for (QueryCounter c : QueryCounter.values()) {
            long v = get(c);
            if (v != 0) {
                sb.append(prefix).append(' ').append(c.label()).append(' ').append(v).append('\n');
            }
        }
        return sb.toString();
    }
}
