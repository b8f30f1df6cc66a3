package dev.bypass.apps;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpError;
import dev.bypass.stack.addr.Endpoint;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A sink (TCP discard, RFC 863): reads everything a client sends, counts it and computes its SHA-256, and
 * closes when the client has closed its side. Each finished connection leaves a {@link Transfer} that
 * any thread can take with {@link #awaitTransfer}.
 *
 * <p>A long-running sink ({@link #startCounting}) only counts: no digest, no transfers kept (nobody would
 * take them), nothing allocated per connection once its sessions are warm.
 */
public final class DiscardServer extends TcpServer<DiscardServer.Sink> {
    private static final int READ_CHUNK_BYTES = 64 * 1024;

    /**
     * What one connection delivered.
     *
     * @param sha256 SHA-256 of the bytes, 64 hex digits
     * @param error  {@link TcpError#NONE} if the client closed in order, else why the connection ended
     */
    public record Transfer(Endpoint remote, long bytes, String sha256, TcpError error) {
    }

    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[READ_CHUNK_BYTES]);
    private final LinkedBlockingQueue<Transfer> transfers = new LinkedBlockingQueue<>();
    private final boolean keepTransfers;
    private long receivedBytes;
    private long finished;

    private DiscardServer(NetworkStack stack, int port, boolean keepTransfers) {
        super(stack, port);
        this.keepTransfers = keepTransfers;
    }

    /** Starts a sink on {@code port} of {@code stack} that hashes each connection; call on the poll thread. */
    public static DiscardServer start(NetworkStack stack, int port) {
        return new DiscardServer(stack, port, true);
    }

    /**
     * Starts a sink that only counts ({@link #receivedBytes}, {@link #finishedConnections}): no digest, no
     * {@link Transfer}s; call on the poll thread.
     */
    public static DiscardServer startCounting(NetworkStack stack, int port) {
        return new DiscardServer(stack, port, false);
    }

    /** Connections finished (closed by the client, reset or timed out). */
    public long finishedConnections() {
        return finished;
    }

    /** Bytes received over all connections, finished or not. */
    public long receivedBytes() {
        return receivedBytes;
    }

    /**
     * The next finished connection's transfer, waiting up to {@code timeout}; null if none finished in
     * time. Any thread may call this.
     */
    public Transfer awaitTransfer(Duration timeout) throws InterruptedException {
        return transfers.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    protected Sink newSession() {
        return new Sink();
    }

    /** One connection: the bytes received so far and their running digest. */
    final class Sink extends TcpServer.Session {
        private final ReceivedData received = new ReceivedData(scratch, keepTransfers);

        @Override
        protected void open() {
            received.reset(0);
        }

        @Override
        protected void pump(TcpConnection c) {
            long before = received.bytes();
            boolean ended = received.drain(c);
            receivedBytes += received.bytes() - before;
            if (ended) {
                done(c, c.error()); // NONE after the client's FIN; a reset also ends reading with -1
            }
        }

        @Override
        public void onClosed(TcpConnection c) {
            done(c, c.error());
        }

        private void done(TcpConnection c, TcpError error) {
            if (c != connection) {
                return; // finished already: the close that follows our own is not news
            }
            finished++;
            if (keepTransfers) {
                transfers.add(new Transfer(c.remoteEndpoint(), received.bytes(), received.finishSha256Hex(), error));
            }
            finish();
        }
    }
}
