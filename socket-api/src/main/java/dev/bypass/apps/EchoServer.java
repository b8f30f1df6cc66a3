package dev.bypass.apps;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpState;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * TCP echo (RFC 862): sends back every byte received, in order, and closes once the peer has closed and
 * everything is echoed. Back-pressure: while the send buffer is full it stops reading, so the receive
 * window closes and the peer slows down; {@code onWritable} resumes it.
 */
public final class EchoServer extends TcpServer<EchoServer.Echo> {
    /** The bytes each connection holds between reading and writing them. */
    public static final int BUFFER_BYTES = 64 * 1024;

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

    /** One connection: a buffer of bytes read and not yet written. */
    final class Echo extends TcpServer.Session {
        private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[BUFFER_BYTES]);
        private int start;
        private int end;

        @Override
        protected void open() {
            start = 0;
            end = 0;
        }

        @Override
        protected void pump(TcpConnection c) {
            while (true) {
                if (c.state() == TcpState.CLOSED) {
                    finish(); // reset or timed out: nothing more can be written
                    return;
                }
                if (start < end) {
                    int n = c.write(buffer, start, end - start);
                    start += n;
                    echoedBytes += n;
                    if (start < end) {
                        return; // send buffer full: onWritable resumes
                    }
                }
                int n = c.read(buffer, 0, buffer.capacity());
                if (n < 0) {
                    finish();
                    return;
                }
                if (n == 0) {
                    return;
                }
                start = 0;
                end = n;
            }
        }
    }
}
