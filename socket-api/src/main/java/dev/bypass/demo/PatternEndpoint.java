package dev.bypass.demo;

import dev.bypass.apps.BytePattern;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpHandler;
import dev.bypass.stack.TcpInfo;
import dev.bypass.stack.TcpState;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One end of a bulk exchange over a TCP connection (streams of {@link BytePattern}), run to completion on the stack's thread: sends
 * {@code sendBytes} of pattern stream {@code sendSeed} then half-closes; reads until the peer's FIN and
 * checks every byte against stream {@code receiveSeed}. Both directions run at once.
 */
public final class PatternEndpoint implements TcpHandler {
    private final TcpConnection connection;
    private final long sendSeed;
    private final long sendBytes;
    private final long receiveSeed;
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private long sent;
    private long received;
    private long mismatches;
    private boolean peerDone;
    private boolean closedCalled;
    private final TcpInfo finalInfo = new TcpInfo();
    private final long startNs;

    public PatternEndpoint(TcpConnection connection, long sendSeed, long sendBytes, long receiveSeed, long nowNs) {
        this.connection = connection;
        this.sendSeed = sendSeed;
        this.sendBytes = sendBytes;
        this.receiveSeed = receiveSeed;
        this.startNs = nowNs;
        connection.handler(this);
    }

    /** Writes as much as the send buffer takes; half-closes when all is written. */
    public void pump() {
        if (connection.state() == TcpState.CLOSED || closedCalled) {
            return;
        }
        while (sent < sendBytes) {
            // Offer a whole chunk: a short write is what arms onWritable.
            int chunk = (int) Math.min(scratch.capacity(), sendBytes - sent);
            BytePattern.fill(sendSeed, sent, scratch, 0, chunk);
            int n = connection.write(scratch, 0, chunk);
            sent += n;
            if (n < chunk) {
                return;
            }
        }
        if (sent == sendBytes) {
            connection.shutdownOutput(); // idempotent: the FIN is queued once
            maybeClose(); // the peer may have finished first
        }
    }

    @Override
    public void onConnected(TcpConnection c) {
        pump();
    }

    @Override
    public void onWritable(TcpConnection c) {
        pump();
    }

    @Override
    public void onReadable(TcpConnection c) {
        int n;
        while ((n = c.read(scratch, 0, scratch.capacity())) > 0) {
            mismatches += BytePattern.mismatches(receiveSeed, received, scratch, 0, n);
            received += n;
        }
        if (n < 0 && !peerDone) {
            peerDone = true;
        }
        maybeClose();
    }

    private void maybeClose() {
        if (peerDone && sent == sendBytes && !closedCalled) {
            closedCalled = true;
            connection.info(finalInfo); // the object may be reused once closed
            connection.close();
        }
    }

    /** True once both directions are complete (all sent, the peer's FIN read) and the connection closed. */
    public boolean done() {
        return closedCalled;
    }

    public long sent() {
        return sent;
    }

    public long received() {
        return received;
    }

    public long mismatches() {
        return mismatches;
    }

    public long startNs() {
        return startNs;
    }

    public TcpConnection connection() {
        return connection;
    }

    /** The connection's statistics: live, or as they were when this end closed it (then shared, read only). */
    public TcpInfo info() {
        return closedCalled ? finalInfo : connection.info(new TcpInfo());
    }
}
