package dev.bypass.socket;

import dev.bypass.query.ConnectQueryClient;
import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpError;
import dev.bypass.stack.TcpHandler;
import dev.bypass.stack.addr.Endpoint;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What an application thread and a poll thread share of one TCP connection: its two byte rings, its state and
 * the threads waiting on it. Fields marked "poll thread" are touched by the resource's poll thread only; the
 * rest are volatile or atomic.
 *
 * <p>Rings: none while the connection is idle. The send ring is taken from the {@link RingPool} by the writing
 * thread on the first write, the receive ring by the poll thread when the first bytes arrive; both are given
 * back when the connection is done. Who may touch them is counted in {@link #holders}: the poll thread (until it
 * releases the connection), the channel (until closed) and a read or write in progress; the one that brings
 * the count to 0 gives the rings back, so a ring is never reused while a thread still copies through it.
 */
final class ConnectionSlot implements TcpHandler, ConnectQueryClient.Resolution {
    static final int NEW = 0;
    static final int CONNECTING = 1;
    static final int CONNECTED = 2;
    static final int CLOSED = 3;

    private static final VarHandle HOLDERS;

    static {
        try {
            HOLDERS = MethodHandles.lookup().findVarHandle(ConnectionSlot.class, "holders", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Data bytes of the send ring when it is taken (SO_SNDBUF). */
    final int sendRingBytes;
    /** Data bytes of the receive ring when it is taken (SO_RCVBUF). */
    final int receiveRingBytes;
    /** The TCP settings to connect with (SO_SNDBUF, SO_RCVBUF), or null for the stack's; connecting side only. */
    final TcpConfig tcpOptions;
    /** Application to poll thread; null until the first write. */
    volatile SpscByteRing send;
    /** Poll thread to application; null until the first bytes arrive. */
    volatile SpscByteRing receive;
    /** The poll thread, the channel (or the accept ring while no channel has it) and a read or write in progress. */
    private volatile int holders = 2;
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

    ConnectionSlot(int sendRingBytes, int receiveRingBytes, TcpConfig tcpOptions) {
        this.sendRingBytes = sendRingBytes;
        this.receiveRingBytes = receiveRingBytes;
        this.tcpOptions = tcpOptions;
    }

    // ---------------------------------------------------------------------------------------- rings

    /** Bytes in the send ring (0 without one). */
    int sendQueued() {
        SpscByteRing r = send;
        return r == null ? 0 : r.readable();
    }

    /** Bytes in the receive ring (0 without one). */
    int receiveQueued() {
        SpscByteRing r = receive;
        return r == null ? 0 : r.readable();
    }

    /** Room in the send ring; a ring not yet taken has all of it. */
    int sendRoom() {
        SpscByteRing r = send;
        return r == null ? sendRingBytes : r.free();
    }

    /** A read or write begins: false if the rings are given back already (the channel is closed). */
    boolean hold() {
        int n;
        do {
            n = holders;
            if (n == 0) {
                return false;
            }
        } while (!HOLDERS.compareAndSet(this, n, n + 1));
        return true;
    }

    /** A holder is done with the rings; the last one gives them back to {@code pool}. */
    void letGo(RingPool pool) {
        if ((int) HOLDERS.getAndAdd(this, -1) == 1) {
            SpscByteRing s = send;
            SpscByteRing r = receive;
            send = null;
            receive = null;
            if (s != null) {
                pool.give(s);
            }
            if (r != null) {
                pool.give(r);
            }
        }
    }

    /** Holders left (0: the rings are back in the pool). */
    int holders() {
        return holders;
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
