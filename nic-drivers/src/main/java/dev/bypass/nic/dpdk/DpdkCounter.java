package dev.bypass.nic.dpdk;

/**
 * The counters a {@link DpdkDevice} keeps itself, each with what a non-zero value means. Every mbuf taken
 * from an rx burst ends in {@link #RX_FRAMES} or one rx drop counter; every frame given to
 * {@link DpdkDevice#transmit} ends in {@link #TX_FRAMES} or one tx drop counter (a super-frame segmented in
 * software counts as the segments it became). The port's own counters (what the NIC saw) are
 * {@link DpdkDevice#portStats()} and {@link DpdkDevice#xstats()}.
 */
public enum DpdkCounter {
    RX_FRAMES("dpdk.rx_frames", "frames received and handed to the stack"),
    RX_BYTES("dpdk.rx_bytes", "bytes of those frames"),
    RX_CHAINS("dpdk.rx.chains",
        "frames received in a chain of mbufs (scatter rx: a frame longer than one mbuf) and copied into one jumbo "
            + "mbuf (not a drop)"),
    RX_DROP_CHAINED("dpdk.rx.drop.chained",
        "frame received in a chain of mbufs and dropped: no jumbo mbuf was free (the jumbo pool is bounded: "
            + "withJumboPool), or the frame is longer than one"),
    RX_DROP_NO_FRAME("dpdk.rx.drop.no_frame",
        "no Frame object free for a received mbuf: more frames held than the pool has mbufs (a driver bug)"),
    TX_FRAMES("dpdk.tx_frames", "frames the port's tx burst accepted"),
    TX_BYTES("dpdk.tx_bytes", "bytes of those frames"),
    TX_DROP_QUEUE_FULL("dpdk.tx.drop.queue_full",
        "transmit queue full: more frames queued than txQueueFrames between two flushes"),
    TX_DROP_BURST("dpdk.tx.drop.burst",
        "the port's tx burst did not take the frame (its descriptor ring was full): the frame was freed"),
    TX_DROP_PREPARE("dpdk.tx.drop.prepare",
        "rte_eth_tx_prepare refused the frame's offload request (headers the PMD cannot offload)"),
    TX_DROP_OVERSIZE("dpdk.tx.drop.oversize",
        "frame longer than MTU + Ethernet header + one VLAN tag without TSO: a bug in the sender"),
    TX_DROP_MALFORMED("dpdk.tx.drop.malformed",
        "frame whose headers did not match its offload metadata, dropped by software offload: a stack bug"),
    TX_DROP_NO_BUFFER("dpdk.tx.drop.no_buffer",
        "no mbuf to copy a foreign frame into (one, or each of a chain), or for a software TSO segment: the "
            + "mempool ran dry"),
    TX_COPIED("dpdk.tx.copied", "frames from another pool copied into an mbuf before sending (not a drop)"),
    TX_CHAINS("dpdk.tx.chains",
        "frames from another pool longer than one mbuf, copied into a chain of mbufs and sent as one (not a drop)"),
    TX_CHAIN_FALLBACK("dpdk.tx.chain_fallback",
        "frames from another pool longer than one mbuf copied into one jumbo mbuf instead of a chain: the port "
            + "cannot send chains (no RTE_ETH_TX_OFFLOAD_MULTI_SEGS) or multiSegmentTx is off (not a drop)"),
    TX_SOFTWARE_OFFLOAD("dpdk.tx.software_offload",
        "frames whose checksums or segmentation were done in software: the port lacks the offload (not a drop)");

    private final String label;
    private final String meaning;

    DpdkCounter(String label, String meaning) {
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
