package dev.bypass.nic.fault;

import dev.bypass.stack.device.Frame;

/**
 * Frames held back until a time, in the order they are due: a binary min-heap over parallel arrays,
 * keyed by due time and then by arrival, so frames due at the same nanosecond leave in the order they
 * were added. Bounded; nothing allocated after construction. Times compare wrap-safe.
 */
final class HeldFrames {
    private final long[] dueNs;
    private final long[] arrival;
    private final int[] queues;
    private final Frame[] frames;
    private int size;
    private long nextArrival;

    HeldFrames(int capacity) {
        dueNs = new long[capacity];
        arrival = new long[capacity];
        queues = new int[capacity];
        frames = new Frame[capacity];
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Adds a frame due at {@code dueNs} for transmit queue {@code queue}; the caller checks there is room. */
    void add(long dueNs, int queue, Frame frame) {
        int i = size++;
        long order = nextArrival++;
        // Sift up: move parents that are due later down into the hole.
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(dueNs, order, this.dueNs[parent], arrival[parent])) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        set(i, dueNs, order, queue, frame);
    }

    /** Due time of the first frame; only when not empty. */
    long firstDueNs() {
        return dueNs[0];
    }

    /** Transmit queue of the first frame; only when not empty. */
    int firstQueue() {
        return queues[0];
    }

    /** Removes and returns the first frame; only when not empty. */
    Frame removeFirst() {
        Frame first = frames[0];
        int last = --size;
        long lastDue = dueNs[last];
        long lastOrder = arrival[last];
        int lastQueue = queues[last];
        Frame lastFrame = frames[last];
        frames[last] = null;
        if (last > 0) {
            // Sift down the last entry from the root.
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= last) {
                    break;
                }
                if (child + 1 < last && before(dueNs[child + 1], arrival[child + 1], dueNs[child], arrival[child])) {
                    child++;
                }
                if (!before(dueNs[child], arrival[child], lastDue, lastOrder)) {
                    break;
                }
                move(child, i);
                i = child;
            }
            set(i, lastDue, lastOrder, lastQueue, lastFrame);
        }
        return first;
    }

    /** Releases every held frame (on close). */
    void releaseAll() {
        for (int i = 0; i < size; i++) {
            frames[i].release();
            frames[i] = null;
        }
        size = 0;
    }

    private static boolean before(long dueA, long orderA, long dueB, long orderB) {
        long d = dueA - dueB; // wrap-safe
        return d < 0 || (d == 0 && orderA < orderB);
    }

    private void move(int from, int to) {
        set(to, dueNs[from], arrival[from], queues[from], frames[from]);
    }

    private void set(int i, long due, long order, int queue, Frame frame) {
        dueNs[i] = due;
        arrival[i] = order;
        queues[i] = queue;
        frames[i] = frame;
    }
}
