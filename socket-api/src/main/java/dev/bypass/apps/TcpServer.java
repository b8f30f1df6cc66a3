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
    /** The state of one connection; its {@link TcpHandler} callbacks run on the poll thread. */
    protected abstract static class Session implements TcpHandler {
        /** The connection served, or null while the session waits in the free list. */
        protected TcpConnection connection;

        /** Called when the session takes on a newly accepted {@link #connection}, before any callback. */
        protected abstract void open();
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
            S session = free.isEmpty() ? newSession() : free.removeLast();
            session.connection = c;
            active++;
            accepted++;
            session.open();
            c.handler(session); // raises onReadable at once if data came with the handshake
        }
    }

    /** Closes the session's connection (FIN after the queued data) and returns the session to the free list. */
    protected final void finish(S session) {
        TcpConnection c = session.connection;
        if (c == null) {
            return;
        }
        session.connection = null;
        c.close();
        active--;
        free.add(session);
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
