package dev.bypass.socket;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A fixed table of objects named by an int id, shared by application and poll threads without locks: ids
 * travel in rings (commands, accepts, readiness) and name the object on the other side. Adding claims a free
 * entry by compare-and-set from a rotating cursor; removing clears it. The write that adds an object happens
 * before the ring write that carries its id, so the reader of the id sees the whole object.
 */
final class SlotTable<T> {
    private final AtomicReferenceArray<T> slots;
    private final int mask;
    private final AtomicInteger cursor = new AtomicInteger();
    private final AtomicInteger size = new AtomicInteger();
    private final String what;

    SlotTable(int capacity, String what) {
        int cap = Integer.highestOneBit(Math.max(capacity, 2) - 1) << 1;
        this.slots = new AtomicReferenceArray<>(cap);
        this.mask = cap - 1;
        this.what = what;
    }

    int add(T value) {
        if (size.incrementAndGet() > mask + 1) {
            size.decrementAndGet();
            throw new IllegalStateException(what + " table is full (" + (mask + 1) + " entries)");
        }
        while (true) {
            int i = cursor.getAndIncrement() & mask;
            if (slots.get(i) == null && slots.compareAndSet(i, null, value)) {
                return i;
            }
        }
    }

    T get(int id) {
        return slots.get(id);
    }

    void remove(int id, T value) {
        if (slots.compareAndSet(id, value, null)) {
            size.decrementAndGet();
        }
    }

    void replace(int id, T expected, T value) {
        if (!slots.compareAndSet(id, expected, value)) {
            throw new IllegalStateException(what + " " + id + " changed under its owner");
        }
    }

    int size() {
        return size.get();
    }

    int capacity() {
        return mask + 1;
    }
}
