package dev.bypass.stack.device;

/**
 * A bounded pool of {@link Frame}s shared by a device's receive and transmit paths (a DPDK mempool).
 *
 * <p>Owned by one thread, like the device it serves. When it runs dry, {@link #allocate()} returns
 * {@code null}: a device then drops what it receives (counting it, as DPDK's {@code rx_nombuf}) and the
 * stack holds back what it would send; both recover when frames come back.
 */
public interface FramePool {
    /** A frame with reference count 1 and an empty data window after the headroom, or null when exhausted. */
    Frame allocate();

    /** Called by {@link Frame#release()} when the last holder lets go; not for direct use. */
    void recycle(Frame frame);

    /** Bytes each frame can hold, headroom included. */
    int frameCapacity();

    /** Bytes reserved in front of the data of a fresh frame. */
    int headroom();

    /** Frames in the pool. */
    int size();

    /** Frames not lent out. */
    int available();

    /** Times {@link #allocate()} found the pool empty. */
    long exhaustedCount();
}
