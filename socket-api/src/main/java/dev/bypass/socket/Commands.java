package dev.bypass.socket;

/**
 * The command ring's messages (application thread to a resource's poll thread). Every command is one record
 * of {@link #LENGTH} bytes in a many-to-one ring: no allocation, no reference crosses; the socket is named by
 * its id in the {@link BypassSockets} slot table.
 *
 * <pre>
 *  0       4       8       12      16      20      24
 *  +-------+-------+-------+-------+-------+-------+
 *  | id    | a     | b     | c     | d     | (pad) |
 *  +-------+-------+-------+-------+-------+-------+
 * </pre>
 */
final class Commands {
    static final int LENGTH = 24;
    static final int ID_OFFSET = 0;
    static final int A_OFFSET = 4;
    static final int B_OFFSET = 8;
    static final int C_OFFSET = 12;
    static final int D_OFFSET = 16;

    /**
     * a: remote address, b: remote port, c: local port (0: ephemeral), d: flags ({@link #CONNECT_NODELAY},
     * {@link #CONNECT_KEEPALIVE}, {@link #CONNECT_QUERY}).
     */
    static final int CONNECT = 1;
    /** a: linger seconds (-1: off). */
    static final int CLOSE = 2;
    static final int SHUTDOWN_OUTPUT = 3;
    /** a: option ({@link #OPTION_NODELAY}...), b: value. */
    static final int SET_OPTION = 4;
    /** a: port, b: backlog. Answered through the server slot. */
    static final int LISTEN = 5;
    static final int UNLISTEN = 6;
    /** The send ring has bytes, or the receive ring room again (deduplicated by the slot's doorbell flag). */
    static final int DOORBELL = 7;
    /** The accept ring has room again: take more connections from the listener. */
    static final int ACCEPT_RESUME = 8;

    /** UDP: a: port. Answered through the datagram slot. */
    static final int UDP_BIND = 9;
    static final int UDP_CLOSE = 10;
    /** UDP: the send ring of the resource it is sent to has datagrams (deduplicated by the slot's doorbell flags). */
    static final int UDP_DOORBELL = 11;
    /** UDP: a: multicast group to join on this resource. Answered through the datagram slot. */
    static final int UDP_JOIN = 20;
    /** UDP: a: multicast group to leave on this resource. Answered through the datagram slot. */
    static final int UDP_LEAVE = 21;

    static final int CONNECT_NODELAY = 1;
    static final int CONNECT_KEEPALIVE = 2;
    /** The remote tuple is a public tuple: resolve it through the resource's connect-query client first. */
    static final int CONNECT_QUERY = 4;

    static final int OPTION_NODELAY = 1;
    static final int OPTION_KEEPALIVE = 2;

    private Commands() {
    }
}
