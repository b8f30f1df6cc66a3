package dev.bypass.socket;

import dev.bypass.stack.TcpConfig;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.Channel;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;

/**
 * A listening TCP socket, shaped like {@link java.nio.channels.ServerSocketChannel}. It listens on the port on
 * every resource of the set (one stack listener each); every resource's poll thread hands its new connections
 * into this socket's one accept ring (a many-to-one ring of connection ids), which {@link #accept()} drains.
 * When the ring is full the poll threads stop taking connections from their listeners, whose backlog then holds
 * further SYNs off: back-pressure, no connection lost.
 *
 * <p>Threads: bind, options and close from any thread; one thread accepts at a time (a second concurrent
 * accept gets an {@link IllegalStateException}). Close from any thread wakes a blocked accept with an
 * AsynchronousCloseException.
 */
public final class BypassServerSocketChannel implements Channel, BypassSelectionKey.Selectable {
    /** An accept-ring record: 8 bytes of header and the 4-byte id, aligned to 8 (as {@link ListenSlot} sizes it). */
    private static final int ACCEPT_RECORD_BYTES = 16;
    private final BypassSockets sockets;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean accepting = new AtomicBoolean();
    private final Taker taker = new Taker();
    private volatile ListenSlot slot;
    private volatile boolean blocking = true;
    private volatile BypassSelectionKey key;
    private volatile int sendRingBytes = BypassSockets.DEFAULT_RING_BYTES;
    private volatile int receiveRingBytes = BypassSockets.DEFAULT_RING_BYTES;
    /** SO_SNDBUF, SO_RCVBUF set: the accepted connections' TCP buffers follow them (else the stack's). */
    private volatile boolean sendBufferSet;
    private volatile boolean receiveBufferSet;
    private volatile boolean noDelay;
    private volatile boolean keepAlive;

    BypassServerSocketChannel(BypassSockets sockets) {
        this.sockets = sockets;
    }

    public BypassServerSocketChannel configureBlocking(boolean block) {
        this.blocking = block;
        return this;
    }

    public boolean isBlocking() {
        return blocking;
    }

    /** Listens on {@code port} (0: a free port) with a backlog of 128 per resource. */
    public BypassServerSocketChannel bind(int port) throws IOException {
        return bind(port, 128);
    }

    /** As java.nio's bind: the address's port; its address must be the wildcard or is ignored. */
    public BypassServerSocketChannel bind(SocketAddress local, int backlog) throws IOException {
        int port = local == null ? 0 : ((InetSocketAddress) local).getPort();
        return bind(port, backlog <= 0 ? 128 : backlog);
    }

    /**
     * Listens on {@code port} on every resource, {@code backlog} connections waiting per resource. Throws
     * {@link BindException} naming the port if it is in use on any resource (listening on none then).
     */
    public BypassServerSocketChannel bind(int port, int backlog) throws IOException {
        if (closed.get()) {
            throw SocketErrors.closed("bind on a closed server socket (port " + port + ")");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("TCP port out of range 0..65535: " + port);
        }
        if (backlog <= 0) {
            throw new IllegalArgumentException("listen backlog must be positive, got " + backlog);
        }
        ListenSlot bound = slot;
        if (bound != null) {
            throw SocketErrors.alreadyBound("server socket is already bound to port " + bound.port
                + " (bind once per server socket)");
        }
        int n = sockets.resources.size();
        TcpConfig.Builder tcp = sockets.resources.resource(0).stack().config().tcp().toBuilder().noDelay(noDelay)
            .keepAlive(keepAlive);
        if (sendBufferSet) {
            tcp.sendBufferBytes(sendRingBytes);
        }
        if (receiveBufferSet) {
            tcp.receiveBufferBytes(receiveRingBytes);
        }
        TcpConfig options = tcp.build();
        ListenSlot s = new ListenSlot(n, backlog * n, sendRingBytes, receiveRingBytes, options);
        s.id = sockets.listeners.add(s);
        s.key = key;
        String refused = s.bindOnEveryResource(sockets, Commands.LISTEN, Commands.UNLISTEN, port, backlog);
        if (refused != null) {
            sockets.listeners.remove(s.id, s);
            throw new BindException("port " + (s.port != 0 ? s.port : port) + " is in use: " + refused);
        }
        slot = s;
        return this;
    }

    /** The port listened on, or -1 before bind. */
    public int localPort() {
        ListenSlot s = slot;
        return s == null ? -1 : s.port;
    }

    /**
     * The next connection, from any resource: blocking, waits for one; non-blocking, null if none waits. One
     * accepting thread at a time.
     */
    public BypassSocketChannel accept() throws IOException {
        ListenSlot s = slot;
        if (closed.get()) {
            throw SocketErrors.closed("accept on a closed server socket" + (s != null ? " (port " + s.port + ")" : ""));
        }
        if (s == null) {
            throw SocketErrors.notBound("accept on a server socket that is not bound: call bind(port) first");
        }
        if (!accepting.compareAndSet(false, true)) {
            throw new IllegalStateException("two threads accept on port " + s.port + " at once: one at a time");
        }
        try {
            while (true) {
                int id = take(s);
                if (id >= 0) {
                    ConnectionSlot c = sockets.connections.get(id);
                    return new BypassSocketChannel(sockets, c, noDelay, keepAlive);
                }
                if (!blocking) {
                    return null;
                }
                s.waiter = Thread.currentThread();
                try {
                    while (s.acceptRing.size() == 0 && !closed.get()) {
                        LockSupport.park(this);
                        if (Thread.interrupted()) {
                            close();
                            Thread.currentThread().interrupt();
                            throw new ClosedByInterruptException();
                        }
                    }
                } finally {
                    s.waiter = null;
                }
                if (closed.get()) {
                    throw SocketErrors.asyncClosed("server socket on port " + s.port
                        + " closed by another thread during accept");
                }
            }
        } finally {
            accepting.set(false);
        }
    }

    /** One id from the accept ring, or -1; asks stalled resources for more once there is room. */
    private int take(ListenSlot s) {
        taker.id = -1;
        if (s.acceptRing.read(taker, 1) == 0) {
            return -1;
        }
        VarHandle.fullFence();
        int stalled = s.stalledMask.get();
        if (stalled != 0) {
            stalled = s.stalledMask.getAndSet(0);
            for (int r = 0; stalled != 0; r++, stalled >>>= 1) {
                if ((stalled & 1) != 0) {
                    sockets.command(r, Commands.ACCEPT_RESUME, s.id, 0, 0, 0, 0);
                }
            }
        }
        return taker.id;
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Connections waiting in the accept ring (handed over by the poll threads, not yet accepted), or 0 before
     * bind: a snapshot, for monitoring. Any thread.
     */
    public int acceptRingWaiting() {
        ListenSlot s = slot;
        return s == null ? 0 : s.acceptRing.size() / ACCEPT_RECORD_BYTES;
    }

    /** How many connections the accept ring holds at most, or 0 before bind. */
    public int acceptRingCapacity() {
        ListenSlot s = slot;
        return s == null ? 0 : s.acceptRing.capacity() / ACCEPT_RECORD_BYTES;
    }

    /**
     * Stops listening on every resource (connections not yet taken from the stacks are reset) and closes the
     * connections waiting in the accept ring. Any thread.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        BypassSelectionKey k = key;
        if (k != null) {
            k.cancel();
        }
        ListenSlot s = slot;
        if (s == null) {
            return;
        }
        Thread w = s.waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
        s.askEveryResource(sockets, Commands.UNLISTEN);
        // Nothing more arrives: reset what nobody accepted.
        while (accepting.get()) {
            Thread.onSpinWait(); // an accept woken by this close is on its way out
        }
        int id;
        while ((id = take(s)) >= 0) {
            ConnectionSlot c = sockets.connections.get(id);
            sockets.command(c.resource, Commands.CLOSE, id, 0, 0, 0, 0);
            c.letGo(sockets.rings); // the accept ring's hold: no channel will have it
        }
        sockets.listeners.remove(s.id, s);
    }

    /**
     * Options of the connections accepted from now on: TCP_NODELAY, SO_KEEPALIVE, SO_SNDBUF, SO_RCVBUF. SO_SNDBUF and
     * SO_RCVBUF size the accepted connections' rings (taken when they first move bytes, see
     * {@link BypassSocketChannel}) and, set before bind, their TCP send and receive buffers.
     */
    public <T> BypassServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        if (closed.get()) {
            throw SocketErrors.closed("setOption " + name + " on a closed server socket");
        }
        if (name == StandardSocketOptions.TCP_NODELAY) {
            noDelay = (Boolean) value;
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            keepAlive = (Boolean) value;
        } else if (name == StandardSocketOptions.SO_SNDBUF || name == StandardSocketOptions.SO_RCVBUF) {
            int bytes = (Integer) value;
            if (bytes <= 0 || bytes > (1 << 30)) {
                throw new IllegalArgumentException(name + " must be 1..1 GiB, got " + bytes);
            }
            if (slot != null) {
                throw new IllegalStateException(name + " of a server socket is fixed once it is bound (port "
                    + slot.port + "): set it before bind");
            }
            if (name == StandardSocketOptions.SO_SNDBUF) {
                sendRingBytes = bytes;
                sendBufferSet = true;
            } else {
                receiveRingBytes = bytes;
                receiveBufferSet = true;
            }
        } else {
            throw new UnsupportedOperationException("server socket option " + name + " is not supported by bypass"
                + " sockets (TCP_NODELAY, SO_KEEPALIVE, SO_SNDBUF, SO_RCVBUF are)");
        }
        return this;
    }

    /** Registers with {@code selector} for OP_ACCEPT. */
    public BypassSelectionKey register(BypassSelector selector, int ops, Object attachment) throws IOException {
        if (closed.get()) {
            throw SocketErrors.closed("register of a closed server socket");
        }
        BypassSelectionKey k = selector.register(this, ops, attachment);
        key = k;
        ListenSlot s = slot;
        if (s != null) {
            s.key = k;
        }
        if ((readyOpsNow() & ops) != 0) {
            k.signal(); // ready already for what it asks: from now on the poll thread signals changes
        }
        return k;
    }

    @Override
    public int validOps() {
        return BypassSelectionKey.OP_ACCEPT;
    }

    @Override
    public int readyOpsNow() {
        ListenSlot s = slot;
        return s != null && !closed.get() && s.acceptRing.size() > 0 ? BypassSelectionKey.OP_ACCEPT : 0;
    }

    @Override
    public void keyCancelled(BypassSelectionKey k) {
        if (key == k) {
            key = null;
            ListenSlot s = slot;
            if (s != null && s.key == k) {
                s.key = null;
            }
        }
    }

    @Override
    public String toString() {
        ListenSlot s = slot;
        return "bypass server socket" + (s == null ? " (unbound)" : " on port " + s.port) + (closed.get() ? " (closed)" : "");
    }

    private static final class Taker implements MessageHandler {
        int id = -1;

        @Override
        public void onMessage(int type, MutableDirectBuffer buffer, int offset, int length) {
            id = buffer.getInt(offset);
        }
    }
}
