package dev.bypass.apps;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpError;
import dev.bypass.stack.TcpHandler;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.Endpoint;
import java.util.concurrent.CompletableFuture;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A client for one connection: connects, sends a {@link ByteSource}, half-closes (FIN after the last
 * byte), and reads whatever the server answers until the server closes too; then closes and completes
 * {@link #completion()}. What it received is counted and hashed (SHA-256), and its first bytes can be kept
 * to read, say, a response header.
 *
 * <p>Sends as fast as the send buffer takes it (back-pressure through {@code onWritable}) and reads
 * concurrently, so it works against an echo server as well as a sink. Create it and call its methods on
 * the poll thread; {@link #completion()} may be waited on from any thread.
 */
public final class TcpSender implements TcpHandler {
    private static final int CHUNK_BYTES = 64 * 1024;

    /**
     * How the connection ended.
     *
     * @param sentBytes     bytes of the source the server acknowledged or that were queued before the end
     * @param receivedBytes bytes received from the server
     * @param receivedSha256 SHA-256 of the bytes received, 64 hex digits
     * @param receivedHead  the first received bytes, as many as {@link #keepHead} asked for
     * @param error         {@link TcpError#NONE} after an orderly close by both sides, else why it ended
     */
    public record Result(long sentBytes, long receivedBytes, String receivedSha256, byte[] receivedHead,
                         TcpError error) {
        public boolean ok() {
            return error == TcpError.NONE;
        }
    }

    private final ByteSource source;
    private final TcpConnection connection;
    private final UnsafeBuffer chunk = new UnsafeBuffer(new byte[CHUNK_BYTES]);
    private final ReceivedData received = new ReceivedData(new UnsafeBuffer(new byte[CHUNK_BYTES]));
    private final CompletableFuture<Result> completion = new CompletableFuture<>();
    private long sent;
    private boolean outputDone;
    private boolean inputDone;

    private TcpSender(NetworkStack stack, Endpoint remote, ByteSource source) {
        this.source = source;
        received.reset(0);
        this.connection = stack.tcp().connect(remote);
        connection.handler(this);
    }

    /** Connects to {@code remote} and, once connected, sends {@code source}; call on the poll thread. */
    public static TcpSender start(NetworkStack stack, Endpoint remote, ByteSource source) {
        return new TcpSender(stack, remote, source);
    }

    /** Keeps the first {@code bytes} bytes received for {@link Result#receivedHead()}; call before any arrive. */
    public TcpSender keepHead(int bytes) {
        if (received.bytes() > 0) {
            throw new IllegalStateException("keepHead after data has arrived");
        }
        received.reset(bytes);
        return this;
    }

    /** Completed (on the poll thread) when both directions have ended or the connection failed. */
    public CompletableFuture<Result> completion() {
        return completion;
    }

    /** Bytes of the source handed to TCP so far. */
    public long sentBytes() {
        return sent;
    }

    /** Bytes received so far. */
    public long receivedBytes() {
        return received.bytes();
    }

    /** The connection (for its state and counters); do not use it once {@link #completion()} is done. */
    public TcpConnection connection() {
        return connection;
    }

    @Override
    public void onConnected(TcpConnection c) {
        send(c);
    }

    @Override
    public void onWritable(TcpConnection c) {
        send(c);
    }

    @Override
    public void onReadable(TcpConnection c) {
        if (completion.isDone()) {
            return;
        }
        if (received.drain(c)) {
            inputDone = true;
            endIfDone(c);
        }
    }

    @Override
    public void onClosed(TcpConnection c) {
        end(c, c.error());
    }

    private void send(TcpConnection c) {
        if (outputDone || completion.isDone() || c.state() == TcpState.CLOSED) {
            return;
        }
        long length = source.length();
        while (sent < length) {
            int n = (int) Math.min(length - sent, chunk.capacity());
            // Copy only what the send buffer takes; asking for all n anyway arms onWritable on a short write.
            source.copy(sent, chunk, 0, Math.min(n, c.writableBytes()));
            int taken = c.write(chunk, 0, n);
            sent += taken;
            if (taken < n) {
                return;
            }
        }
        outputDone = true;
        c.shutdownOutput();
        endIfDone(c);
    }

    private void endIfDone(TcpConnection c) {
        if (outputDone && inputDone) {
            end(c, c.error());
        }
    }

    private void end(TcpConnection c, TcpError error) {
        if (completion.isDone()) {
            return;
        }
        Result result = new Result(sent, received.bytes(), received.finishSha256Hex(), received.head(), error);
        c.close();
        completion.complete(result);
    }
}
