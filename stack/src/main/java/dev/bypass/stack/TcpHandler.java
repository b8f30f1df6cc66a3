package dev.bypass.stack;

/**
 * Callbacks of one connection, run on the stack's thread after the stack has processed input and timers
 * (never from inside a protocol step), so a handler may read, write and close freely.
 */
public interface TcpHandler {
    /** An active open completed: the connection is ESTABLISHED. */
    default void onConnected(TcpConnection connection) {
    }

    /** Data, or the end of the peer's data (read returns -1), is waiting. */
    default void onReadable(TcpConnection connection) {
    }

    /**
     * The send buffer has room again after a write that did not fit: its free space is at least half of what
     * it holds, as Linux wakes a writer ({@link TcpConnection#writable()}).
     */
    default void onWritable(TcpConnection connection) {
    }

    /** The connection is CLOSED; {@link TcpConnection#error()} says why if not by an orderly close. */
    default void onClosed(TcpConnection connection) {
    }
}
