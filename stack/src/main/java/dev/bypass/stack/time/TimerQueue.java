package dev.bypass.stack.time;

import java.util.Arrays;

/**
 * The deadlines of a stack's timer owners (connections, the ARP cache, reassembly), kept in an indexed
 * binary min-heap so the stack knows its next deadline exactly ({@link #nextDeadlineNs()}): a virtual
 * clock can jump straight to it and a poll thread can sleep until it.
 *
 * <p>Each owner has a fixed integer handle and at most one entry: its earliest deadline. Owners keep
 * their timers as explicit state (kind + deadline) and {@link #schedule} the minimum; moving an entry is
 * O(log n) and allocates nothing. {@link #poll} pops expired owners and calls them back; an owner that
 * still has timers schedules again.
 */
public final class TimerQueue {
    /** Called when an owner's deadline is reached. */
    @FunctionalInterface
    public interface Owner {
        void onTimer(int handle, long nowNs);
    }

    private final long[] deadline;     // by handle
    private final int[] position;      // by handle: index in heap, -1 if absent
    private final int[] heap;          // heap of handles
    private final Owner[] owners;      // by handle
    private int size;

    public TimerQueue(int capacity) {
        deadline = new long[capacity];
        position = new int[capacity];
        heap = new int[capacity];
        owners = new Owner[capacity];
        Arrays.fill(position, -1);
        Arrays.fill(deadline, Deadlines.NONE);
    }

    public int capacity() {
        return heap.length;
    }

    /** Binds a handle to its owner (once, when the owner is created). */
    public void register(int handle, Owner owner) {
        owners[handle] = owner;
    }

    /** Sets the owner's deadline; {@link Deadlines#NONE} removes it. */
    public void schedule(int handle, long deadlineNs) {
        if (deadlineNs == Deadlines.NONE) {
            cancel(handle);
            return;
        }
        int pos = position[handle];
        if (pos < 0) {
            deadline[handle] = deadlineNs;
            heap[size] = handle;
            position[handle] = size;
            siftUp(size++);
        } else {
            long old = deadline[handle];
            deadline[handle] = deadlineNs;
            if (deadlineNs - old < 0) {
                siftUp(pos);
            } else {
                siftDown(pos);
            }
        }
    }

    public void cancel(int handle) {
        int pos = position[handle];
        if (pos < 0) {
            return;
        }
        int last = --size;
        position[handle] = -1;
        deadline[handle] = Deadlines.NONE;
        if (pos != last) {
            int moved = heap[last];
            heap[pos] = moved;
            position[moved] = pos;
            siftDown(pos);
            siftUp(position[moved]);
        }
    }

    /** The deadline scheduled for a handle, or {@link Deadlines#NONE}. */
    public long deadlineOf(int handle) {
        return deadline[handle];
    }

    public long nextDeadlineNs() {
        return size == 0 ? Deadlines.NONE : deadline[heap[0]];
    }

    public int size() {
        return size;
    }

    /**
     * Calls back every owner whose deadline is at or before {@code nowNs}; returns how many. At most as many
     * callbacks as owners were scheduled when the call began: an owner that schedules itself again at or
     * before {@code nowNs} fires on the next poll, not in a loop here.
     */
    public int poll(long nowNs) {
        int fired = 0;
        int limit = size;
        while (fired < limit && size > 0 && nowNs - deadline[heap[0]] >= 0) {
            int handle = heap[0];
            cancel(handle);
            owners[handle].onTimer(handle, nowNs);
            fired++;
        }
        return fired;
    }

    private void siftUp(int pos) {
        int handle = heap[pos];
        long d = deadline[handle];
        while (pos > 0) {
            int parent = (pos - 1) >>> 1;
            int ph = heap[parent];
            if (d - deadline[ph] >= 0) {
                break;
            }
            heap[pos] = ph;
            position[ph] = pos;
            pos = parent;
        }
        heap[pos] = handle;
        position[handle] = pos;
    }

    private void siftDown(int pos) {
        int handle = heap[pos];
        long d = deadline[handle];
        int half = size >>> 1;
        while (pos < half) {
            int child = 2 * pos + 1;
            int ch = heap[child];
            int right = child + 1;
            if (right < size && deadline[heap[right]] - deadline[ch] < 0) {
                child = right;
                ch = heap[child];
            }
            if (deadline[ch] - d >= 0) {
                break;
            }
            heap[pos] = ch;
            position[ch] = pos;
            pos = child;
        }
        heap[pos] = handle;
        position[handle] = pos;
    }
}
