package dev.bypass.apps;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpHandler;
import dev.bypass.stack.TcpListener;
import java.util.ArrayList;

/**
 * What the servers of this package share: a listener on one port, and a {@link Session} per accepted
 * connection, taken from a free list and put back when the connection is done, so a server allocates
 * only while its number of concurrent connections grows.
 *
 * <p>Runs on the stack's poll thread: create it, and call its methods, there.
 *
 * @param <S> the per-connection state
 */
public abstract class TcpServer<S extends TcpServer.Session> {
    /**
     * The state of one connection; its {@link TcpHandler} callbacks run on the poll thread. Data to read
     * and room to write both lead to {@link #pump}; a connection that ends without the session's doing
     * (reset, timeout) is {@link #finish finished}.
     */
    protected abstract static class Session implements TcpHandler {
        /** The connection served, or null while the session waits in the free list. */
        protected TcpConnection connection;
        private TcpServer<?> server;

        /** Called when the session takes on a newly accepted {@link #connection}, before any callback. */
        protected abstract void open();

        /** Reads and writes as far as the connection allows; called on readable and on writable. */
        protected abstract void pump(TcpConnection c);

        @Override
        public void onReadable(TcpConnection c) {
            pump(c);
        }

        @Override
        public void onWritable(TcpConnection c) {
            pump(c);
        }

        @Override
        public void onClosed(TcpConnection c) {
            finish();
        }

        /** Closes the connection (FIN after the queued data) and returns the session to the free list. */
        protected final void finish() {
            TcpConnection c = connection;
            if (c == null) {
                return;
            }
            connection = null;
            c.close();
            server.release(this);
        }
    }

    private final TcpListener listener;
    private final ArrayList<S> free = new ArrayList<>();
    private int active;
    private long accepted;

    /** Listens on {@code port} of {@code stack} (0 picks a free port). */
    protected TcpServer(NetworkStack stack, int port) {
        this.listener = stack.tcp().listen(port);
        listener.handler(this::acceptAll);
    }

    /** A session for a new connection, when the free list is empty. */
    protected abstract S newSession();

    private void acceptAll(TcpListener l) {
        TcpConnection c;
        while ((c = l.accept()) != null) {
            S taken = free.isEmpty() ? newSession() : free.removeLast();
            Session session = taken;
            session.server = this;
            session.connection = c;
            active++;
            accepted++;
            session.open();
            c.handler(session); // raises onReadable at once if data came with the handshake
        }
    }

    @SuppressWarnings("unchecked") // a session is only ever given out by this server, as an S
    private void release(Session session) {
        active--;
        free.add((S) session);
    }

    /** The port listened on. */
    public int port() {
        return listener.port();
    }

    /** Connections accepted and not yet finished. */
    public int activeConnections() {
        return active;
    }

    /** Connections accepted since the start. */
    public long acceptedConnections() {
        return accepted;
    }

    /** Stops listening; connections already accepted go on. */
    public void close() {
        listener.close();
    }
}
