package dev.bypass.packetdrill;

import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpError;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.TcpState;

/**
 * One file descriptor of a script: a socket as the application sees it, over a bypass
 * {@link TcpListener} or {@link TcpConnection} once it has one. Holds what Linux keeps in the socket and
 * bypass does not: the O_NONBLOCK flag, shutdown(SHUT_RD), SO_LINGER, the buffer sizes getsockopt reports,
 * and the options set before listen or connect (which become the connection's {@link TcpConfig}).
 */
final class ScriptSocket {
    final int fd;
    final TestedConnection tested;
    boolean nonBlocking;
    TcpConfig.Builder options;
    boolean bound;
    TcpListener listener;
    TcpConnection connection;
    /** A non-blocking connect was started; the next connect() reports its outcome (Linux returns 0 once). */
    boolean connectInProgress;
    boolean connectReported;
    boolean shutRead;
    boolean shutWrite;
    /** SO_LINGER {onoff=1, linger=0}: close() resets. */
    boolean lingerAbort;
    /**
     * SO_SNDBUF / SO_RCVBUF as getsockopt reports them (Linux doubles the value set); 0 if never set. The send
     * buffer is also the connection's send buffer limit, set at connect or accept if the socket was not open.
     */
    int sendBuffer;
    int receiveBuffer;
    boolean reuseAddress;
    /** TCP_SYNCNT, or 0 for the profile's SYN retries. */
    int synCount;
    /** The connection's error (ECONNRESET, ...) was returned once; later calls see EOF or EPIPE. */
    boolean errorReported;

    ScriptSocket(int fd, TestedConnection tested, TcpConfig.Builder options) {
        this.fd = fd;
        this.tested = tested;
        this.options = options;
    }

    boolean connected() {
        return connection != null;
    }

    /** The errno of a connection that ended abnormally and has not reported it yet, or 0 (Linux's sk_err). */
    int pendingError() {
        if (connection == null || errorReported || connection.state() != TcpState.CLOSED) {
            return 0;
        }
        return errno(connection.error());
    }

    static int errno(TcpError error) {
        return switch (error) {
            case NONE -> 0;
            case REFUSED -> Linux.ECONNREFUSED;
            case RESET -> Linux.ECONNRESET;
            case TIMED_OUT -> Linux.ETIMEDOUT;
            case UNREACHABLE -> Linux.EHOSTUNREACH;
            case ABORTED -> Linux.ECONNABORTED;
        };
    }
}
