package dev.bypass.socket;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;

/**
 * The byte rings of a {@link BypassSockets}' connections, taken when a connection first needs one and given back
 * when it closes, so an idle connection holds no ring: a connection's send ring is taken by the application
 * thread on its first write, its receive ring by the poll thread when the first bytes arrive. Rings given back
 * wait in a free list per size (a power of two), a lock-free bounded many-to-many queue any thread takes from and
 * gives to; the free list of one size keeps at most {@code retainedBytes} of rings (at least 2 rings, at most 4,096),
 * a ring given back beyond that is dropped for the garbage collector to free.
 *
 * <p>A ring is taken from the free list when it has one, else allocated (direct memory): on the poll thread that
 * is an allocation on the data path, so a server that wants none there fills the pool first with
 * {@link BypassSockets#reserveRings(int, int)}. {@link #allocated()} counts the rings ever allocated.
 *
 * <p>Threads: any thread, no locks.
 */
final class RingPool {
    /** Free-list entries per size at most (each entry is two array slots of the queue). */
    private static final int MAX_FREE_RINGS = 4096;
    private static final int SIZES = 31; // 2^0 .. 2^30 bytes

    private final long retainedBytes;
    private final AtomicReferenceArray<ManyToManyConcurrentArrayQueue<SpscByteRing>> free =
        new AtomicReferenceArray<>(SIZES);
    private final AtomicLong allocated = new AtomicLong();
    private final AtomicLong inUse = new AtomicLong();
    private final AtomicLong bytesInUse = new AtomicLong();

    RingPool(long retainedBytes) {
        if (retainedBytes < 0) {
            throw new IllegalArgumentException("retained ring bytes must not be negative, got " + retainedBytes);
        }
        this.retainedBytes = retainedBytes;
    }

    /** A ring of {@code bytes} rounded up to a power of two, empty: from the free list, else fresh. */
    SpscByteRing take(int bytes) {
        int size = sizeClass(bytes);
        ManyToManyConcurrentArrayQueue<SpscByteRing> list = free.get(size);
        SpscByteRing ring = list == null ? null : list.poll();
        if (ring == null) {
            ring = SpscByteRing.allocate(1 << size);
            allocated.incrementAndGet();
        }
        inUse.incrementAndGet();
        bytesInUse.addAndGet(ring.capacity());
        return ring;
    }

    /** Gives {@code ring} back; no thread may use it any more. Returns false if the free list was full (dropped). */
    boolean give(SpscByteRing ring) {
        inUse.decrementAndGet();
        bytesInUse.addAndGet(-ring.capacity());
        ring.reset();
        return freeList(Integer.numberOfTrailingZeros(ring.capacity())).offer(ring);
    }

    /** Puts {@code count} fresh rings of {@code bytes} in the free list (as many as it keeps); returns how many. */
    int reserve(int bytes, int count) {
        int size = sizeClass(bytes);
        ManyToManyConcurrentArrayQueue<SpscByteRing> list = freeList(size);
        int n = 0;
        while (n < count && list.remainingCapacity() > 0) {
            if (!list.offer(SpscByteRing.allocate(1 << size))) {
                break;
            }
            allocated.incrementAndGet();
            n++;
        }
        return n;
    }

    /** Rings ever allocated (fresh direct memory). */
    long allocated() {
        return allocated.get();
    }

    /** Rings taken and not given back. */
    long inUse() {
        return inUse.get();
    }

    /** Data bytes of the rings taken and not given back. */
    long bytesInUse() {
        return bytesInUse.get();
    }

    /** Rings waiting in the free lists. */
    long free() {
        long n = 0;
        for (int i = 0; i < SIZES; i++) {
            ManyToManyConcurrentArrayQueue<SpscByteRing> list = free.get(i);
            if (list != null) {
                n += list.size();
            }
        }
        return n;
    }

    private static int sizeClass(int bytes) {
        if (bytes <= 0 || bytes > (1 << 30)) {
            throw new IllegalArgumentException("byte ring capacity must be 1..1 GiB, got " + bytes);
        }
        return 32 - Integer.numberOfLeadingZeros(bytes - 1);
    }

    private ManyToManyConcurrentArrayQueue<SpscByteRing> freeList(int size) {
        ManyToManyConcurrentArrayQueue<SpscByteRing> list = free.get(size);
        if (list == null) {
            long ringBytes = (1L << size) + SpscByteRing.TRAILER_LENGTH;
            int entries = (int) Math.max(2, Math.min(MAX_FREE_RINGS, retainedBytes / ringBytes));
            free.compareAndSet(size, null, new ManyToManyConcurrentArrayQueue<>(entries));
            list = free.get(size);
        }
        return list;
    }
}
