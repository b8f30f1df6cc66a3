package dev.bypass.stack.device;

/**
 * The device SPI: what the stack needs of a NIC (a "resource"). Implemented by the in-memory NIC, the
 * TAP NIC, the DPDK driver and the decorators (capture, fault injection).
 *
 * <p>All calls come from the one thread that polls the device. Time is passed in, never read: a device
 * that holds frames back (a delay decorator) releases them on the {@code nowNs} of later calls and says
 * when it next needs a call in {@link #nextDeadlineNs()}.
 *
 * <p>Receive lends frames: {@link #receive} fills an array with frames the caller must
 * {@link Frame#release() release} (or {@link Frame#retain() retain} to keep). Transmit takes frames:
 * {@link #transmit} queues a frame and owns it from then on; {@link #flush} sends what is queued (the tx
 * burst), once per duty cycle.
 */
public interface NetworkDevice extends AutoCloseable {
    String name();

    /** The device's MAC as a 48-bit long ({@link dev.bypass.stack.addr.MacAddress}). */
    long macAddress();

    /** Largest IP packet (Ethernet payload) the link carries, in bytes. */
    int mtu();

    boolean linkUp();

    DeviceCapabilities capabilities();

    /** The pool frames for transmit come from (and received frames live in): queue 0's. */
    FramePool pool();

    /**
     * The pool of queue {@code queue}, owned by the thread that polls that queue (a device polled by one
     * thread may share one pool between its queues, the default).
     */
    default FramePool pool(int queue) {
        return pool();
    }

    /**
     * The Toeplitz key the device spreads received flows over its queues with (RSS), or null if it does
     * not hash. A stack that serves one queue picks the source ports of its active opens so that the
     * replies hash to its own queue.
     */
    default byte[] rssKey() {
        return null;
    }

    /** Receive burst: up to {@code max} frames from {@code queue} into {@code frames[0..n)}; returns n. */
    int receive(int queue, Frame[] frames, int max, long nowNs);

    /**
     * Queues a frame for transmission on {@code queue}; the device owns it from here. A device whose
     * queue is full drops the frame and counts it (as a NIC does), it never blocks.
     */
    void transmit(int queue, Frame frame, long nowNs);

    /** Sends what {@link #transmit} queued; returns the number of frames handed to the wire. */
    int flush(int queue, long nowNs);

    /** When this device next has work of its own (frames held for later), or {@link Long#MAX_VALUE}. */
    default long nextDeadlineNs() {
        return Long.MAX_VALUE;
    }

    /** Frames the device dropped on transmit (queue full, link down). */
    default long txDropped() {
        return 0;
    }

    /** Frames the device dropped on receive (no buffer, queue full). */
    default long rxDropped() {
        return 0;
    }

    @Override
    void close();
}
