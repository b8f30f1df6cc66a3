package dev.bypass.stack;

import org.agrona.MutableDirectBuffer;

/**
 * A zero-copy write in progress ({@link TcpConnection#claim(int)}): {@link #length()} bytes of the connection's
 * send buffer, at {@link #offset()} in {@link #buffer()}, reserved for the application to write in place. As
 * Aeron's {@code BufferClaim}, but over a TCP send buffer: {@link #commit(int)} queues the first bytes written
 * as {@link TcpConnection#write} would queue a copy of them, {@link #abort()} gives the room back.
 *
 * <pre>{@code
 * TcpClaim claim = connection.claim(message.encodedLength());
 * if (claim.length() == message.encodedLength()) {
 *     message.encode(claim.buffer(), claim.offset());
 *     claim.commit(message.encodedLength());
 * } else {
 *     claim.abort(); // not enough contiguous room: write later (onWritable), or in pieces
 * }
 * }</pre>
 *
 * <p>One claim object per connection, reused: no allocation per write. Only the poll thread's handlers may
 * claim (the socket API's application threads write through their rings). A claim must be committed or
 * aborted in the same handler call; the connection refuses other writes and claims while one is open.
 */
public final class TcpClaim {
    private final TcpConnection connection;
    private MutableDirectBuffer buffer;
    private int offset;
    private int length;
    private boolean open;

    TcpClaim(TcpConnection connection) {
        this.connection = connection;
    }

    void open(MutableDirectBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.open = true;
    }

    void close() {
        open = false;
        length = 0;
    }

    /**
     * The send buffer's memory; write only within [{@link #offset()}, {@link #offset()} + {@link #length()}).
     * Null when nothing was granted because the stack's buffer pool had no ring to lend.
     */
    public MutableDirectBuffer buffer() {
        checkOpen("buffer");
        return buffer;
    }

    /** Where the claimed bytes start in {@link #buffer()}. */
    public int offset() {
        checkOpen("offset");
        return offset;
    }

    /** Bytes granted: up to what was asked, 0 when the send buffer has no room now. */
    public int length() {
        return open ? length : 0;
    }

    /** True between {@link TcpConnection#claim(int)} and {@link #commit}/{@link #abort}. */
    public boolean isOpen() {
        return open;
    }

    /** Queues the first {@code written} claimed bytes for sending, pushed at their end (as a write without MSG_MORE). */
    public void commit(int written) {
        commit(written, false);
    }

    /** Queues the first {@code written} claimed bytes; {@code more} as in {@link TcpConnection#write(org.agrona.DirectBuffer, int, int, boolean)}. */
    public void commit(int written, boolean more) {
        checkOpen("commit");
        if (written < 0 || written > length) {
            throw new IllegalArgumentException("commit of " + written + " bytes on a claim of " + length
                + " (0.." + length + " allowed) on " + connection);
        }
        close();
        connection.commitClaim(written, more);
    }

    /** Gives the claimed room back; nothing is queued. */
    public void abort() {
        checkOpen("abort");
        close();
        connection.abortClaim();
    }

    private void checkOpen(String call) {
        if (!open) {
            throw new IllegalStateException(call + " on a zero-copy claim that is not open (claim first; a claim"
                + " ends at commit or abort) on " + connection);
        }
    }
}
