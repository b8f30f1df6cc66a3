package dev.bypass.stack.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A {@link FramePool} over one block of off-heap memory, cut into equal frames: the pool of the in-memory
 * and TAP devices. Allocation is a pop from an array of free indices; nothing is allocated per frame.
 * Single-threaded, as every pool.
 */
public final class DirectFramePool implements FramePool, AutoCloseable {
    /** Default headroom: room for Ethernet + IPv4 + an encapsulation header in front of the data. */
    public static final int DEFAULT_HEADROOM = 128;

    private final Arena arena;
    private final MemorySegment memory;
    private final Frame[] frames;
    private final int[] free;
    private int freeCount;
    private final int frameCapacity;
    private final int headroom;
    private final String name;
    private long exhausted;

    public DirectFramePool(String name, int frames, int frameCapacity) {
        this(name, frames, frameCapacity, DEFAULT_HEADROOM);
    }

    public DirectFramePool(String name, int frames, int frameCapacity, int headroom) {
        if (frames <= 0) {
            throw new IllegalArgumentException("frame pool '" + name + "' needs at least one frame, got " + frames);
        }
        if (frameCapacity < 64 + headroom) {
            throw new IllegalArgumentException("frame pool '" + name + "': frame capacity " + frameCapacity
                + " leaves no room after the " + headroom + " byte headroom");
        }
        this.name = name;
        this.frameCapacity = frameCapacity;
        this.headroom = headroom;
        int stride = (frameCapacity + 63) & ~63;
        this.arena = Arena.ofShared();
        this.memory = arena.allocate((long) stride * frames, 64);
        this.frames = new Frame[frames];
        this.free = new int[frames];
        for (int i = 0; i < frames; i++) {
            this.frames[i] = new Frame(this, i, memory.address() + (long) i * stride, frameCapacity);
            free[i] = frames - 1 - i;
        }
        freeCount = frames;
    }

    @Override
    public Frame allocate() {
        if (freeCount == 0) {
            exhausted++;
            return null;
        }
        Frame f = frames[free[--freeCount]];
        f.reset(headroom);
        return f;
    }

    @Override
    public void recycle(Frame frame) {
        if (frame.pool() != this) {
            throw new IllegalArgumentException("frame " + frame + " belongs to pool " + frame.pool() + ", not " + this);
        }
        if (freeCount == free.length) {
            throw new IllegalStateException("pool '" + name + "' is already full: frame " + frame + " recycled twice");
        }
        free[freeCount++] = frame.index();
    }

    @Override
    public int frameCapacity() {
        return frameCapacity;
    }

    @Override
    public int headroom() {
        return headroom;
    }

    @Override
    public int size() {
        return frames.length;
    }

    @Override
    public int available() {
        return freeCount;
    }

    @Override
    public long exhaustedCount() {
        return exhausted;
    }

    /** The memory behind every frame (for drivers that hand it to the kernel or a device). */
    public MemorySegment memory() {
        return memory;
    }

    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "pool '" + name + "' " + freeCount + "/" + frames.length + " free";
    }
}
