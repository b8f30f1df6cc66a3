package dev.bypass.apps;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.TcpClaim;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpState;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * TCP echo (RFC 862): sends back every byte received, in order, and closes once the peer has closed and
 * everything is echoed. Back-pressure: while the send buffer is full it stops reading, so the receive
 * window closes and the peer slows down; {@code onWritable} resumes it.
 */
public final class EchoServer extends TcpServer<EchoServer.Echo> {
    /** What a read of nothing reads into (to learn whether the peer has closed). */
    private static final UnsafeBuffer NOTHING = new UnsafeBuffer(new byte[0]);

    private long echoedBytes;

    private EchoServer(NetworkStack stack, int port) {
        super(stack, port);
    }

    /** Starts an echo server on {@code port} of {@code stack}; call on the poll thread. */
    public static EchoServer start(NetworkStack stack, int port) {
        return new EchoServer(stack, port);
    }

    /** Bytes echoed over all connections. */
    public long echoedBytes() {
        return echoedBytes;
    }

    @Override
    protected Echo newSession() {
        return new Echo();
    }

    /**
     * One connection. The echo is zero-copy on our side: received bytes are read straight from the receive
     * buffer into the room claimed at the back of the send buffer ({@link TcpConnection#claim}), so nothing is
     * held between reading and writing and the session has no buffer of its own.
     */
    final class Echo extends TcpServer.Session {
        @Override
        protected void open() {
        }

        @Override
        protected void pump(TcpConnection c) {
            while (true) {
                if (c.state() == TcpState.CLOSED) {
                    finish(); // reset or timed out: nothing more can be written
                    return;
                }
                int waiting = c.readableBytes();
                if (waiting == 0) {
                    if (c.read(NOTHING, 0, 0) < 0) {
                        finish(); // the peer closed and everything is echoed
                    }
                    return;
                }
                TcpClaim claim = c.claim(waiting);
                if (claim.length() == 0) {
                    claim.abort();
                    return; // send buffer full: stop reading (the window closes); onWritable resumes
                }
                int n = c.read(claim.buffer(), claim.offset(), claim.length());
                claim.commit(n);
                echoedBytes += n;
            }
        }
    }
}
