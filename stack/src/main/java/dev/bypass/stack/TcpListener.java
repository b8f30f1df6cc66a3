package dev.bypass.stack;

import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;

/**
 * A listening socket (RFC 9293 LISTEN): SYNs to its port open connections that wait, once established,
 * in a bounded accept queue. The backlog bounds half-open and established-but-unaccepted connections
 * together; a SYN beyond it is dropped and counted (SYN cookies come with the hardening issue).
 *
 * <p>All methods run on the stack's thread.
 */
public final class TcpListener {
    /** Told when connections wait to be accepted. Called on the stack's thread. */
    @FunctionalInterface
    public interface Handler {
        void onAcceptable(TcpListener listener);
    }

    private final Tcp tcp;
    private final int address;
    private final int port;
    private final int backlog;
    private final TcpConnection[] queue;
    private int head;
    private int count;
    private int halfOpen;
    private TcpConfig options;
    private Handler handler;
    private boolean closed;
    boolean readyMarked;

    TcpListener(Tcp tcp, int address, int port, int backlog, TcpConfig options) {
        this.tcp = tcp;
        this.address = address;
        this.port = port;
        this.backlog = backlog;
        this.queue = new TcpConnection[backlog];
        this.options = options;
    }

    public int port() {
        return port;
    }

    public Endpoint localEndpoint() {
        return new Endpoint(IpAddress.ofV4(address), port);
    }

    public int backlog() {
        return backlog;
    }

    /** Connections established and waiting for {@link #accept()}. */
    public int pending() {
        return count;
    }

    /** Connections in SYN-RECEIVED. */
    public int halfOpen() {
        return halfOpen;
    }

    public void handler(Handler handler) {
        this.handler = handler;
    }

    /** Send buffer of connections accepted from now on. */
    public void sendBufferBytes(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("send buffer must be positive, got " + bytes);
        }
        options = options.toBuilder().sendBufferBytes(bytes).build();
    }

    /** Receive buffer (the window advertised) of connections accepted from now on. */
    public void receiveBufferBytes(int bytes) {
        if (bytes <= 0 || bytes > (1 << 30)) {
            throw new IllegalArgumentException("receive buffer must be 1..1 GiB, got " + bytes);
        }
        options = options.toBuilder().receiveBufferBytes(bytes).build();
    }

    /** Per-socket settings of connections accepted from now on (Linux: inherited from the listener). */
    public void options(TcpConfig options) {
        this.options = java.util.Objects.requireNonNull(options, "options");
    }

    public TcpConfig options() {
        return options;
    }

    /** The next established connection, or null if none waits. */
    public TcpConnection accept() {
        if (closed) {
            throw new IllegalStateException("accept on a closed listener (port " + port + ")");
        }
        if (count == 0) {
            return null;
        }
        TcpConnection c = queue[head];
        queue[head] = null;
        head = (head + 1) % queue.length;
        count--;
        c.markAccepted();
        return c;
    }

    /** Stops listening: connections not yet accepted are reset. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (count > 0) {
            TcpConnection c = queue[head];
            queue[head] = null;
            head = (head + 1) % queue.length;
            count--;
            c.markAccepted();
            c.abort();
        }
        tcp.unlisten(this);
    }

    public boolean isClosed() {
        return closed;
    }

    boolean isFull() {
        return halfOpen + count >= backlog;
    }

    void halfOpenStarted() {
        halfOpen++;
    }

    void halfOpenEnded() {
        halfOpen--;
    }

    /** A half-open connection completed its handshake. */
    void enqueue(TcpConnection connection) {
        halfOpen--;
        queue[(head + count) % queue.length] = connection;
        count++;
        if (handler != null && !readyMarked) {
            readyMarked = true;
            tcp.markListenerReady(this);
        }
    }

    void dispatch() {
        readyMarked = false;
        if (handler != null && !closed && count > 0) {
            handler.onAcceptable(this);
        }
    }

    @Override
    public String toString() {
        return "tcp listener " + IpAddress.v4ToString(address) + ":" + port + " (" + count + " pending, " + halfOpen
            + " half-open)";
    }
}
