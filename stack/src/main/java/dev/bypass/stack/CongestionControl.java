package dev.bypass.stack;

/**
 * The congestion window of one connection: what RFC 5681 and RFC 6582 change and when. The connection
 * decides when an event happened (new data acknowledged, three duplicate ACKs, a timeout); the algorithm
 * decides what it does to {@code cwnd} and {@code ssthresh}. One instance per connection.
 */
interface CongestionControl {
    /** Starts with the initial window (RFC 5681 3.1, RFC 6928). */
    void init(int smss, int initialWindowBytes);

    int cwnd();

    int ssthresh();

    /** New data acknowledged outside of recovery. */
    void onAck(int bytesAcked);

    /** Fast retransmit (third duplicate ACK): enter recovery. */
    void onEnterRecovery(int flightSize);

    /** A further duplicate ACK during recovery. */
    void onDuplicateAckInRecovery();

    /** A partial ACK during recovery (RFC 6582 step 5). */
    void onPartialAck(int bytesAcked);

    /** A full ACK ends recovery (RFC 6582 step 5). */
    void onExitRecovery(int flightSize);

    /** Retransmission timeout (RFC 5681 eq. 4). */
    void onTimeout(int flightSize);

    /** Sending again after an idle period longer than the RTO (RFC 5681 4.1). */
    void onIdleRestart(int initialWindowBytes);

    /** The MSS changed (path MTU). */
    void onMssChange(int smss);
}
