package dev.bypass.stack;

/** Connection states, named as in RFC 9293 section 3.3.2. */
public enum TcpState {
    CLOSED,
    LISTEN,
    SYN_SENT,
    SYN_RECEIVED,
    ESTABLISHED,
    FIN_WAIT_1,
    FIN_WAIT_2,
    CLOSE_WAIT,
    CLOSING,
    LAST_ACK,
    TIME_WAIT;

    /** States after the handshake (RFC 9293: "synchronized"). */
    public boolean isSynchronized() {
        return ordinal() >= ESTABLISHED.ordinal();
    }

    /** ESTABLISHED or CLOSE-WAIT: counted by tcpCurrEstab (RFC 4022). */
    public boolean countsAsEstablished() {
        return this == ESTABLISHED || this == CLOSE_WAIT;
    }
}
