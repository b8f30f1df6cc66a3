package dev.bypass.stack;

/**
 * A congestion-control algorithm: what the window does on each event, with Linux's
 * {@code tcp_congestion_ops} as the model so that an algorithm's published behaviour carries over
 * unchanged. The connection owns loss detection and recovery (SACK, RACK, PRR); it calls the algorithm
 * to grow the window when data is acknowledged outside recovery, to pick ssthresh when a loss is
 * detected, and to undo a reduction that proved spurious. All windows are in packets
 * ({@link CongestionWindow}). One instance per connection, chosen per socket by {@link #name()}.
 */
interface CongestionControl {
    /** Recovery states (Linux's {@code tcp_ca_state}), passed to {@link #onStateChange}. */
    int CA_OPEN = 0;
    int CA_DISORDER = 1;
    int CA_CWR = 2;
    int CA_RECOVERY = 3;
    int CA_LOSS = 4;

    /** The name Linux uses for the algorithm ({@code TCP_CONGESTION}): "reno", "cubic". */
    String name();

    /** A connection starts; {@code w} already holds the initial window. */
    void init(CongestionWindow w, long nowNs);

    /** The slow-start threshold after a loss (fast recovery or timeout), packets (Linux {@code .ssthresh}). */
    int ssthresh(CongestionWindow w);

    /**
     * New data acknowledged outside loss recovery while the window limited the sender: grow cwnd
     * (Linux {@code .cong_avoid}). {@code ack} is the cumulative acknowledgment, {@code acked} the
     * packets it newly delivered (cumulatively or by SACK).
     */
    void congestionAvoidance(CongestionWindow w, int ack, int acked, long nowNs);

    /**
     * Every ACK that delivered packets, in or out of recovery (Linux {@code .pkts_acked}); {@code rttUs}
     * is this ACK's RTT sample in microseconds, or -1 when it gave none (Karn's rule).
     */
    void onAcked(CongestionWindow w, int acked, long rttUs, long nowNs);

    /** The recovery state changed ({@code CA_*}; Linux {@code .set_state}). */
    void onStateChange(CongestionWindow w, int caState);

    /** Sending starts again with nothing in flight (Linux {@code CA_EVENT_TX_START}). */
    void onTransmitStart(CongestionWindow w, long nowNs);

    /** The window to return to when a reduction proved spurious (Linux {@code .undo_cwnd}). */
    int undoCwnd(CongestionWindow w);

    /** The algorithm called {@code name}; throws naming the known ones if there is none. */
    static CongestionControl create(String name) {
        return switch (name) {
            case Reno.NAME -> new Reno();
            case Cubic.NAME -> new Cubic();
            default -> throw new IllegalArgumentException(
                "unknown congestion control '" + name + "' (known: " + Reno.NAME + ", " + Cubic.NAME + ")");
        };
    }
}
