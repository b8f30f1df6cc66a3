package dev.bypass.socket;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * A readiness poll over bypass channels, shaped like {@link java.nio.channels.Selector}. Poll threads publish
 * the keys of channels something happened to into this selector's many-to-one ring of key ids (each key at most
 * once at a time); a select drains that ring and looks again at the keys it found ready last time (selection
 * is level-triggered, as java.nio's). It never walks the registered keys: its cost is O(ready), however many
 * idle channels are registered ({@link #ringEntriesRead()}, {@link #keysExamined()} count the work).
 *
 * <p>Threads: one thread selects at a time (select, selectNow, selectedKeys); {@link #wakeup()}, registration
 * (through the channels' {@code register}), {@link BypassSelectionKey#interestOps(int)} and
 * {@link BypassSelectionKey#cancel()} from any thread.
 */
public final class BypassSelector implements AutoCloseable {
    /** Bytes per ready-ring record: 8 of header and the 4-byte key id, aligned to 8. */
    private static final int RECORD_BYTES = 16;

    private final SlotTable<BypassSelectionKey> keys;
    private final ManyToOneRingBuffer ready;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private volatile Thread waiter;
    private volatile boolean wakeupRequested;
    private volatile boolean closed;
    private final KeySet selected = new KeySet();
    private final Drain drain = new Drain();
    private BypassSelectionKey[] recheck = new BypassSelectionKey[64];
    private int recheckCount;
    private BypassSelectionKey[] nextRecheck = new BypassSelectionKey[64];
    private int nextRecheckCount;
    private long selectNumber;
    private Consumer<BypassSelectionKey> action;
    private int updated;
    private long ringEntriesRead;
    private long keysExamined;

    BypassSelector(int maxKeys) {
        this.keys = new SlotTable<>(maxKeys, "selector key");
        // One record per key at most, twice over for the padding record a wrap may need.
        int bytes = Integer.highestOneBit(Math.max(2 * keys.capacity() * RECORD_BYTES, 1024) - 1) << 1;
        this.ready = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(bytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    BypassSelectionKey register(BypassSelectionKey.Selectable channel, int ops, Object attachment) {
        checkOpen();
        if ((ops & ~channel.validOps()) != 0) {
            throw new IllegalArgumentException("interest ops 0x" + Integer.toHexString(ops) + " not valid for "
                + channel + " (valid: 0x" + Integer.toHexString(channel.validOps()) + ")");
        }
        // The key needs its index and the table needs the key: hold the entry with a placeholder first.
        int index = keys.add(Placeholder.KEY);
        BypassSelectionKey k = new BypassSelectionKey(this, channel, index, ops, attachment);
        keys.replace(index, Placeholder.KEY, k);
        return k;
    }

    /** Number of registered keys. */
    public int keyCount() {
        return keys.size();
    }

    /** Blocks until at least one registered channel is ready, {@link #wakeup()} or an interrupt. */
    public int select() {
        return select(0);
    }

    /** As {@link #select()}, at most {@code timeoutMs} ms (0: no limit). Returns the keys whose ready set was updated. */
    public int select(long timeoutMs) {
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("negative timeout " + timeoutMs + " ms");
        }
        return doSelect(null, timeoutMs == 0 ? Long.MAX_VALUE : timeoutMs * 1_000_000L);
    }

    /** Does not block. */
    public int selectNow() {
        return doSelect(null, 0);
    }

    /**
     * Calls {@code action} for each ready key instead of adding it to the selected set (as
     * {@code Selector.select(Consumer, long)}; no allocation). {@code timeoutMs} 0: no limit.
     */
    public int select(Consumer<BypassSelectionKey> action, long timeoutMs) {
        return doSelect(action, timeoutMs == 0 ? Long.MAX_VALUE : timeoutMs * 1_000_000L);
    }

    public int selectNow(Consumer<BypassSelectionKey> action) {
        return doSelect(action, 0);
    }

    /** The keys found ready and not yet removed; remove them as you handle them, as with java.nio. */
    public Set<BypassSelectionKey> selectedKeys() {
        checkOpen();
        return selected;
    }

    /** Makes a blocked (or the next) select return at once. Any thread. */
    public BypassSelector wakeup() {
        wakeupRequested = true;
        Thread t = waiter;
        if (t != null) {
            LockSupport.unpark(t);
        }
        return this;
    }

    /** Ready-ring entries the selects have read: one per readiness signal, none per idle channel. */
    public long ringEntriesRead() {
        return ringEntriesRead;
    }

    /** Keys the selects have looked at (ring entries plus keys still ready from the select before). */
    public long keysExamined() {
        return keysExamined;
    }

    @Override
    public void close() {
        closed = true;
        wakeup();
    }

    public boolean isOpen() {
        return !closed;
    }

    private int doSelect(Consumer<BypassSelectionKey> action, long timeoutNs) {
        checkOpen();
        this.action = action;
        this.updated = 0;
        selectNumber++;
        try {
            examineRecheck();
            ready.read(drain);
            if (updated > 0 || timeoutNs == 0) {
                return updated;
            }
            long deadline = timeoutNs == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + timeoutNs;
            Thread me = Thread.currentThread();
            waiter = me;
            try {
                while (updated == 0 && !wakeupRequested && !closed && !me.isInterrupted()) {
                    wakePending.set(false);
                    if (ready.size() > 0) {
                        ready.read(drain);
                        continue;
                    }
                    if (deadline == Long.MAX_VALUE) {
                        LockSupport.park(this);
                    } else {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            break;
                        }
                        LockSupport.parkNanos(this, left);
                    }
                }
            } finally {
                waiter = null;
            }
            return updated;
        } finally {
            wakeupRequested = false;
            this.action = null;
            BypassSelectionKey[] t = recheck;
            recheck = nextRecheck;
            recheckCount = nextRecheckCount;
            nextRecheck = t;
            nextRecheckCount = 0;
        }
    }

    private void examineRecheck() {
        for (int i = 0; i < recheckCount; i++) {
            BypassSelectionKey k = recheck[i];
            recheck[i] = null;
            examine(k);
        }
        recheckCount = 0;
    }

    private void examine(BypassSelectionKey k) {
        // A key found ready is reported once per select; one found idle is looked at again if signalled again (the
        // signal may have come after the first look).
        if (!k.isValid() || k.reportedInSelect == selectNumber) {
            return;
        }
        keysExamined++;
        int ops = k.readyNow();
        if (ops == 0) {
            return;
        }
        k.reportedInSelect = selectNumber;
        k.readyOps = ops;
        updated++;
        if (nextRecheckCount == nextRecheck.length) {
            nextRecheck = Arrays.copyOf(nextRecheck, nextRecheckCount * 2);
        }
        nextRecheck[nextRecheckCount++] = k;
        if (action != null) {
            action.accept(k);
        } else {
            selected.add(k);
        }
    }

    /** Called by poll threads (and interest changes): the key's index goes into the ready ring. */
    void publish(BypassSelectionKey k) {
        int claim = ready.tryClaim(1, 4);
        if (claim < 0) {
            // Cannot happen while each key is in the ring at most once (the ring holds twice the keys); if it
            // did, the key is looked at on the next interest change rather than lost silently.
            k.queued.set(0);
            throw new IllegalStateException("selector ready ring full (" + keys.capacity() + " keys)");
        }
        ready.buffer().putInt(claim, k.index);
        ready.commit(claim);
        if (wakePending.compareAndSet(false, true)) {
            Thread t = waiter;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    void cancelled(BypassSelectionKey k) {
        keys.remove(k.index, k);
    }

    private void checkOpen() {
        if (closed) {
            throw new ClosedSelectorException();
        }
    }

    private final class Drain implements MessageHandler {
        @Override
        public void onMessage(int type, MutableDirectBuffer buffer, int offset, int length) {
            ringEntriesRead++;
            BypassSelectionKey k = keys.get(buffer.getInt(offset));
            if (k != null && k != Placeholder.KEY) {
                k.queued.set(0); // before looking: an event from now on signals again
                examine(k);
            }
        }
    }

    private static final class Placeholder {
        static final BypassSelectionKey KEY = new BypassSelectionKey(null, null, -1, 0, null);
    }

    /** The selected-key set: an array, its members marked, so adding is O(1) and allocation-free. */
    private static final class KeySet extends AbstractSet<BypassSelectionKey> {
        private BypassSelectionKey[] members = new BypassSelectionKey[64];
        private int count;

        @Override
        public boolean add(BypassSelectionKey k) {
            if (k.inSelectedSet) {
                return false;
            }
            k.inSelectedSet = true;
            if (count == members.length) {
                members = Arrays.copyOf(members, count * 2);
            }
            members[count++] = k;
            return true;
        }

        @Override
        public boolean remove(Object o) {
            for (int i = 0; i < count; i++) {
                if (members[i] == o) {
                    removeAt(i);
                    return true;
                }
            }
            return false;
        }

        private void removeAt(int i) {
            members[i].inSelectedSet = false;
            members[i] = members[--count];
            members[count] = null;
        }

        @Override
        public void clear() {
            for (int i = 0; i < count; i++) {
                members[i].inSelectedSet = false;
                members[i] = null;
            }
            count = 0;
        }

        @Override
        public int size() {
            return count;
        }

        @Override
        public Iterator<BypassSelectionKey> iterator() {
            return new Iterator<>() {
                private int next;
                private int last = -1;

                @Override
                public boolean hasNext() {
                    return next < count;
                }

                @Override
                public BypassSelectionKey next() {
                    if (next >= count) {
                        throw new NoSuchElementException();
                    }
                    last = next;
                    return members[next++];
                }

                @Override
                public void remove() {
                    if (last < 0) {
                        throw new IllegalStateException();
                    }
                    // The last member moves into the hole: visit it next.
                    removeAt(last);
                    next = last;
                    last = -1;
                }
            };
        }
    }
}
