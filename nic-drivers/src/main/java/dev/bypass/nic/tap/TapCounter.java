package dev.bypass.nic.tap;

/**
 * The counters a {@link TapDevice} keeps, each with what a non-zero value means. Every frame read from the
 * kernel ends in {@link #RX_FRAMES} or one rx drop counter; every frame given to
 * {@link TapDevice#transmit} ends in {@link #TX_FRAMES} or one tx drop counter.
 */
public enum TapCounter {
    RX_FRAMES("tap.rx_frames", "frames read from the kernel and handed to the stack"),
    RX_BYTES("tap.rx_bytes", "bytes of those frames"),
    RX_TRUNCATED("tap.rx.drop.truncated",
        "frame longer than a pool buffer, dropped: the kernel side's MTU was raised above the device's"),
    RX_ERRORS("tap.rx.drop.error",
        "read failed other than EAGAIN (see lastErrno): EBADFD means the interface was deleted under the device"),
    TX_FRAMES("tap.tx_frames", "frames written to the kernel"),
    TX_BYTES("tap.tx_bytes", "bytes of those frames"),
    TX_QUEUE_FULL("tap.tx.drop.queue_full",
        "transmit queue full: more frames queued than txQueueFrames between two flushes"),
    TX_OVERSIZE("tap.tx.drop.oversize", "frame longer than MTU + Ethernet header + one VLAN tag: a bug in the sender"),
    TX_WOULD_BLOCK("tap.tx.drop.would_block", "write returned EAGAIN: the kernel could not take the frame now"),
    TX_LINK_DOWN("tap.tx.drop.link_down",
        "the kernel side of the TAP is down (write returned EIO: ip link set dev NAME up) or was deleted"),
    TX_ERRORS("tap.tx.drop.error",
        "write failed otherwise (see lastErrno): EINVAL for a runt frame, EBADFD when the interface was deleted");

    private final String label;
    private final String meaning;

    TapCounter(String label, String meaning) {
        this.label = label;
        this.meaning = meaning;
    }

    public String label() {
        return label;
    }

    /** What a non-zero value means. */
    public String meaning() {
        return meaning;
    }
}
