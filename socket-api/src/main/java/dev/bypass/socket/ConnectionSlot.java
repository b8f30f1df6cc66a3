package dev.bypass.socket;

import dev.bypass.query.ConnectQueryClient;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpError;
import dev.bypass.stack.TcpHandler;
import dev.bypass.stack.addr.Endpoint;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What an application thread and a poll thread share of one TCP connection: its two byte rings, its state and
 * the threads waiting on it. Fields marked "poll thread" are touched by the resource's poll thread only; the
 * rest are volatile or atomic.
 */
final class ConnectionSlot implements TcpHandler, ConnectQueryClient.Resolution {
    static final int NEW = 0;
    static final int CONNECTING = 1;
    static final int CONNECTED = 2;
    static final int CLOSED = 3;

    final SpscByteRing send;
    final SpscByteRing receive;
    /** Id in the slot table; -1 until added. */
    volatile int id = -1;
    volatile int resource = -1;
    volatile int state = NEW;
    /** The peer's FIN arrived and every byte before it is in the receive ring. */
    volatile boolean eof;
    volatile TcpError error = TcpError.NONE;
    /** Why an open failed before TCP could say (no route, connection limit), or null. */
    volatile String failure;
    /** The peer: the tuple asked for, then (through the connect query) the bypass tuple chosen. */
    volatile Endpoint remote;
    /** The tuple given to connect. */
    volatile Endpoint requested;
    volatile Endpoint local;
    volatile Thread readWaiter;
    volatile Thread writeWaiter;
    /** The bridge stopped reading from TCP because the receive ring was full. */
    volatile boolean receiveStalled;
    /** The poll thread gave the connection back (close done); a lingering close waits for it. */
    volatile boolean released;
    volatile BypassSelectionKey key;
    /** 1 while a doorbell command is in the command ring. */
    final AtomicInteger doorbell = new AtomicInteger();

    // ------------------------------------------------------------------------------- poll thread only
    SocketBridge bridge;
    TcpConnection connection;
    boolean active;
    boolean notifyQueued;
    /** A handler callback changed the state (connected, closed): waiters are told even if no byte moved. */
    boolean stateChanged;
    boolean appClosed;
    int lingerSeconds = -1;
    boolean shutdownRequested;
    boolean shutdownDone;
    /** Connect flags and local port, kept while the connect query resolves the remote tuple. */
    int connectFlags;
    int connectLocalPort;
    /** The connection opened to a tuple the connect query chose (a refusal then invalidates the answer). */
    boolean resolvedByQuery;

    ConnectionSlot(int sendBytes, int receiveBytes) {
        this.send = SpscByteRing.allocate(sendBytes);
        this.receive = SpscByteRing.allocate(receiveBytes);
    }

    // ------------------------------------------------------------------- TcpHandler (poll thread)

    @Override
    public void onConnected(TcpConnection c) {
        local = c.localEndpoint();
        state = CONNECTED;
        stateChanged = true;
        bridge.activate(this);
    }

    @Override
    public void onReadable(TcpConnection c) {
        bridge.activate(this);
    }

    @Override
    public void onWritable(TcpConnection c) {
        bridge.activate(this);
    }

    @Override
    public void onClosed(TcpConnection c) {
        stateChanged = true;
        bridge.activate(this);
    }

    // ------------------------------------------------- ConnectQueryClient.Resolution (poll thread)

    @Override
    public void onResolved(int publicAddress, int publicPort, int address, int port, int resourceId,
                           ConnectQueryClient.Outcome outcome) {
        bridge.resolved(this, address, port, outcome);
    }

    @Override
    public String toString() {
        return "socket " + id + (remote != null ? " to " + remote : "") + " (resource " + resource + ")";
    }
}
