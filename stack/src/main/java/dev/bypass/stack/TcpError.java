package dev.bypass.stack;

/** Why a connection ended, when it did not end by an orderly close. */
public enum TcpError {
    /** No error (yet). */
    NONE("no error"),
    /** The peer answered the SYN with a reset: nothing listens there (ECONNREFUSED). */
    REFUSED("connection refused by peer"),
    /** The peer reset an established connection (ECONNRESET). */
    RESET("connection reset by peer"),
    /** Retransmissions, SYN retries or keepalive probes ran out (ETIMEDOUT). */
    TIMED_OUT("connection timed out"),
    /** An ICMP error said the peer cannot be reached (EHOSTUNREACH / ECONNREFUSED). */
    UNREACHABLE("peer unreachable (ICMP)"),
    /** This side aborted: the application, or data arriving after close (RFC 1122 4.2.2.13). */
    ABORTED("connection aborted");

    private final String message;

    TcpError(String message) {
        this.message = message;
    }

    public String message() {
        return message;
    }
}
