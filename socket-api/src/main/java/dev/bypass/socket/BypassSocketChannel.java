package dev.bypass.socket;

import dev.bypass.stack.TcpError;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A TCP connection of the bypass stack, shaped like {@link java.nio.channels.SocketChannel}: connect, read and
 * write {@link ByteBuffer}s (heap or direct) or Agrona buffers, blocking or not, shutdownOutput, close, socket
 * options. Bytes go through two single-producer rings (this thread to the resource's poll thread and back); a
 * blocking call parks its thread until the poll thread wakes it.
 *
 * <p>Threads: any application thread may use any channel, but one reader at a time and one writer at a time
 * (a second concurrent reader, or writer, gets an {@link IllegalStateException}); a reader and a writer may run
 * at once. {@link #close()} and {@link #shutdownOutput()} from any thread at any time: a read or write blocked in
 * another thread then fails with {@link java.nio.channels.AsynchronousCloseException}. Never call a blocking
 * method from a poll thread.
 *
 * <p>Options: {@code TCP_NODELAY}, {@code SO_KEEPALIVE} any time; {@code SO_SNDBUF} and {@code SO_RCVBUF}, set before
 * connect, are the sizes of the send and receive rings (rounded up to powers of two; default
 * {@link BypassSockets#DEFAULT_RING_BYTES}) and of the connection's TCP send and receive buffers (default: the
 * stack's {@link dev.bypass.stack.TcpConfig}), fixed once the connection opens; {@code SO_LINGER}: -1
 * (default) close returns at once and queued bytes still go, 0 close resets the connection, n &gt; 0 a blocking
 * close waits up to n seconds until the queued bytes are handed to TCP and the connection is given back.
 *
 * <p>Memory: an idle connection holds no ring. The send ring is taken from the {@link BypassSockets} ring pool on
 * the first write (by the writing thread), the receive ring when the first bytes arrive (by the poll thread); both
 * go back to the pool when the connection is closed on both sides of the rings. What an idle connection costs is
 * then its slot, this channel, its selection key and the stack's TCP connection with its buffers (set small with
 * SO_SNDBUF and SO_RCVBUF for many idle connections).
 */
public final class BypassSocketChannel implements ByteChannel, BypassSelectionKey.Selectable {
    private final BypassSockets sockets;
    private final boolean accepted;
    private volatile ConnectionSlot slot;
    private volatile boolean blocking = true;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean reading = new AtomicBoolean();
    private final AtomicBoolean writing = new AtomicBoolean();
    private volatile boolean connectFinished;
    private volatile boolean outputShut;
    private volatile BypassSelectionKey key;
    private volatile int sendRingBytes;
    private volatile int receiveRingBytes;
    /** SO_SNDBUF, SO_RCVBUF set: the TCP buffers follow them (else the stack's). */
    private volatile boolean sendBufferSet;
    private volatile boolean receiveBufferSet;
    private volatile boolean noDelay;
    private volatile boolean keepAlive;
    private volatile int lingerSeconds = -1;

    BypassSocketChannel(BypassSockets sockets) {
        this.sockets = sockets;
        this.accepted = false;
        this.sendRingBytes = BypassSockets.DEFAULT_RING_BYTES;
        this.receiveRingBytes = BypassSockets.DEFAULT_RING_BYTES;
    }

    /** An accepted connection: connected already. */
    BypassSocketChannel(BypassSockets sockets, ConnectionSlot slot, boolean noDelay, boolean keepAlive) {
        this.sockets = sockets;
        this.accepted = true;
        this.slot = slot;
        this.connectFinished = true;
        this.sendRingBytes = slot.sendRingBytes;
        this.receiveRingBytes = slot.receiveRingBytes;
        this.noDelay = noDelay;
        this.keepAlive = keepAlive;
    }

    // ------------------------------------------------------------------------------------------ modes

    /** Blocking (the default) or not. Any thread; takes effect for calls that start afterwards. */
    public BypassSocketChannel configureBlocking(boolean block) {
        this.blocking = block;
        return this;
    }

    public boolean isBlocking() {
        return blocking;
    }

    // ---------------------------------------------------------------------------------------- connect

    /** As {@link #connect(Endpoint)}, with a java.net address. */
    public boolean connect(SocketAddress remote) throws IOException {
        return connect(toEndpoint(remote));
    }

    /**
     * Opens a connection to {@code remote} on the resource the {@link ResourceChooser} picks. Blocking: returns
     * true once established, or throws {@link ConnectException} (refused by a reset, timed out, unreachable, no
     * route). Non-blocking: returns false at once; {@link #finishConnect()} (or OP_CONNECT) tells the outcome.
     */
    public boolean connect(Endpoint remote) throws IOException {
        return connect(remote, 0);
    }

    /** A blocking connect that gives up after {@code timeoutMs} ms (0: TCP's own SYN retries decide). */
    public boolean connect(Endpoint remote, long timeoutMs) throws IOException {
        if (closed.get()) {
            throw SocketErrors.closed("connect on a closed socket (to " + remote + ")");
        }
        ConnectionSlot s = slot;
        if (s != null) {
            if (s.state == ConnectionSlot.CONNECTED) {
                throw new AlreadyConnected("connect on a socket already connected to " + s.remote);
            }
            throw new ConnectionPending("connect to " + remote + " while a connect to " + s.remote + " is pending");
        }
        int resource = sockets.chooser().choose(sockets.resources, remote);
        if (resource < 0 || resource >= sockets.resources.size()) {
            throw new IllegalStateException("resource chooser picked resource " + resource + " of "
                + sockets.resources.size());
        }
        s = new ConnectionSlot(sendRingBytes, receiveRingBytes, sendBufferSet || receiveBufferSet
            ? sockets.tcpOptions(resource, sendBufferSet ? sendRingBytes : 0, receiveBufferSet ? receiveRingBytes : 0)
            : null);
        s.remote = remote;
        s.resource = resource;
        s.state = ConnectionSlot.CONNECTING;
        s.key = key;
        s.id = sockets.connections.add(s);
        slot = s;
        s.requested = remote;
        int address = remote.address().v4();
        sockets.command(resource, Commands.CONNECT, s.id, address, remote.port(), 0,
            (noDelay ? Commands.CONNECT_NODELAY : 0) | (keepAlive ? Commands.CONNECT_KEEPALIVE : 0)
                | (sockets.throughQuery(address) ? Commands.CONNECT_QUERY : 0));
        if (!blocking) {
            return false;
        }
        long deadline = timeoutMs > 0 ? System.nanoTime() + timeoutMs * 1_000_000L : Long.MAX_VALUE;
        Thread me = Thread.currentThread();
        s.writeWaiter = me;
        try {
            while (s.state == ConnectionSlot.CONNECTING && !closed.get()) {
                if (deadline == Long.MAX_VALUE) {
                    LockSupport.park(this);
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        close();
                        throw new SocketTimeoutException("connect to " + remote + " timed out after " + timeoutMs
                            + " ms");
                    }
                    LockSupport.parkNanos(this, left);
                }
                checkInterrupt();
            }
        } finally {
            s.writeWaiter = null;
        }
        if (closed.get()) {
            throw SocketErrors.asyncClosed("socket closed by another thread while connecting to " + remote);
        }
        return finishConnect();
    }

    /**
     * Completes a non-blocking connect: true once established, false while pending (non-blocking), or throws
     * the reason it failed (and the channel is closed).
     */
    public boolean finishConnect() throws IOException {
        ConnectionSlot s = slot;
        if (closed.get()) {
            throw SocketErrors.closed("finishConnect on a closed socket" + (s != null ? " (to " + s.remote + ")" : ""));
        }
        if (s == null) {
            throw new NoPending("finishConnect without connect");
        }
        if (connectFinished) {
            return true;
        }
        while (s.state == ConnectionSlot.CONNECTING) {
            if (!blocking) {
                return false;
            }
            s.writeWaiter = Thread.currentThread();
            if (s.state == ConnectionSlot.CONNECTING) {
                LockSupport.park(this);
            }
            s.writeWaiter = null;
            checkInterrupt();
        }
        if (s.state == ConnectionSlot.CONNECTED) {
            connectFinished = true;
            return true;
        }
        IOException failure = connectFailure(s);
        close();
        throw failure;
    }

    private static IOException connectFailure(ConnectionSlot s) {
        if (s.failure != null) {
            return new ConnectException("cannot connect to " + s.remote + ": " + s.failure);
        }
        TcpError e = s.error;
        return new ConnectException(switch (e) {
            case REFUSED -> "connection refused by " + s.remote;
            case TIMED_OUT -> "connection to " + s.remote + " timed out (no answer to the SYNs)";
            case UNREACHABLE -> s.remote + " is unreachable (ICMP)";
            default -> "connection to " + s.remote + " failed: " + e.message();
        });
    }

    public boolean isConnected() {
        ConnectionSlot s = slot;
        return s != null && connectFinished && !closed.get();
    }

    public boolean isConnectionPending() {
        ConnectionSlot s = slot;
        return s != null && !connectFinished && !closed.get();
    }

    /**
     * The address given to {@link #connect}: the public tuple when the connect went through the connect query
     * (then {@link #remoteEndpoint()} is the bypass tuple it resolved to), or null before connect.
     */
    public Endpoint requestedEndpoint() {
        ConnectionSlot s = slot;
        return s == null ? null : s.requested;
    }

    /**
     * The peer's address: the tuple the connection is open to (for a connect through the connect query, the
     * bypass tuple chosen, once resolved; the requested one until then), or null before connect.
     */
    public Endpoint remoteEndpoint() {
        ConnectionSlot s = slot;
        return s == null ? null : s.remote;
    }

    /** This end's address once connected, or null. */
    public Endpoint localEndpoint() {
        ConnectionSlot s = slot;
        return s == null ? null : s.local;
    }

    ConnectionSlot slot() {
        return slot;
    }

    /**
     * Bytes waiting in the send ring (written by the application, not yet handed to TCP), or 0 before connect:
     * a snapshot, for monitoring. Any thread; reads two counters, allocates nothing.
     */
    public int sendRingUsed() {
        ConnectionSlot s = slot;
        return s == null ? 0 : s.sendQueued();
    }

    /** Bytes waiting in the receive ring (from TCP, not yet read by the application), or 0 before connect: a snapshot. */
    public int receiveRingUsed() {
        ConnectionSlot s = slot;
        return s == null ? 0 : s.receiveQueued();
    }

    /** The send ring's size in bytes (SO_SNDBUF as it will be or is). Any thread. */
    public int sendRingCapacity() {
        ConnectionSlot s = slot;
        return s == null ? sendRingBytes : s.sendRingBytes;
    }

    /** The receive ring's size in bytes (SO_RCVBUF as it will be or is). Any thread. */
    public int receiveRingCapacity() {
        ConnectionSlot s = slot;
        return s == null ? receiveRingBytes : s.receiveRingBytes;
    }

    /** The resource this connection lives on, or -1 before connect. */
    public int resource() {
        ConnectionSlot s = slot;
        return s == null ? -1 : s.resource;
    }

    // ------------------------------------------------------------------------------------------- read

    /**
     * Reads into a heap or direct buffer: the bytes read, 0 if none are waiting (non-blocking), or -1 at the end
     * of the peer's data. Blocking: waits for at least one byte. One reader at a time.
     */
    @Override
    public int read(ByteBuffer destination) throws IOException {
        ConnectionSlot s = readable();
        try {
            while (true) {
                SpscByteRing ring = s.receive;
                int n = ring == null ? 0 : ring.read(destination);
                if (n > 0 || !destination.hasRemaining()) {
                    afterRead(s);
                    return n;
                }
                if (endOfStream(s)) {
                    return -1;
                }
                if (!blocking) {
                    return 0;
                }
                awaitReadable(s);
            }
        } finally {
            s.letGo(sockets.rings);
            reading.set(false);
        }
    }

    /** As {@link #read(ByteBuffer)}, into {@code destination} at {@code offset}, up to {@code length} bytes. */
    public int read(MutableDirectBuffer destination, int offset, int length) throws IOException {
        ConnectionSlot s = readable();
        try {
            while (true) {
                SpscByteRing ring = s.receive;
                int n = ring == null ? 0 : ring.read(destination, offset, length);
                if (n > 0 || length == 0) {
                    afterRead(s);
                    return n;
                }
                if (endOfStream(s)) {
                    return -1;
                }
                if (!blocking) {
                    return 0;
                }
                awaitReadable(s);
            }
        } finally {
            s.letGo(sockets.rings);
            reading.set(false);
        }
    }

    private ConnectionSlot readable() throws IOException {
        ConnectionSlot s = slot;
        if (closed.get()) {
            throw SocketErrors.closed("read on a closed socket" + (s != null ? " (to " + s.remote + ")" : ""));
        }
        if (s == null) {
            throw SocketErrors.notConnected("read on a socket that is not connected: call connect first");
        }
        if (!connectFinished && s.state != ConnectionSlot.CONNECTED) {
            throw SocketErrors.notConnected("read before the connect to " + s.remote + " finished (finishConnect)");
        }
        if (!reading.compareAndSet(false, true)) {
            throw new IllegalStateException("two threads read " + s + " at once: one reader at a time");
        }
        if (!s.hold()) {
            reading.set(false);
            throw SocketErrors.closed("read on a closed socket (to " + s.remote + ")");
        }
        return s;
    }

    private void afterRead(ConnectionSlot s) {
        // The ring's head was stored with release semantics; the stall flag is read after it (see the bridge).
        VarHandle.fullFence();
        if (s.receiveStalled) {
            s.receiveStalled = false;
            ringDoorbell(s);
        }
    }

    /** True at the end of the peer's data; throws if the connection ended in error. */
    private boolean endOfStream(ConnectionSlot s) throws IOException {
        if (!s.eof || s.receiveQueued() > 0) {
            return false;
        }
        TcpError e = s.error;
        if (e == TcpError.NONE) {
            return true;
        }
        throw new SocketException(e.message() + " (" + s.remote + ")");
    }

    private void awaitReadable(ConnectionSlot s) throws IOException {
        Thread me = Thread.currentThread();
        s.readWaiter = me;
        try {
            while (s.receiveQueued() == 0 && !s.eof && !closed.get()) {
                LockSupport.park(this);
                checkInterrupt();
            }
        } finally {
            s.readWaiter = null;
        }
        if (closed.get()) {
            throw SocketErrors.asyncClosed("socket to " + s.remote + " closed by another thread during a read");
        }
    }

    // ------------------------------------------------------------------------------------------ write

    /**
     * Writes from a heap or direct buffer: blocking, all of it (waiting for room in the send ring); non-blocking,
     * what fits now (0 when the ring is full). One writer at a time.
     */
    @Override
    public int write(ByteBuffer source) throws IOException {
        ConnectionSlot s = writable();
        try {
            int total = 0;
            while (true) {
                int n = source.hasRemaining() ? sendRing(s).write(source) : 0;
                if (n > 0) {
                    total += n;
                    ringDoorbell(s);
                }
                if (!source.hasRemaining() || !blocking) {
                    return total;
                }
                awaitWritable(s);
            }
        } finally {
            s.letGo(sockets.rings);
            writing.set(false);
        }
    }

    /** As {@link #write(ByteBuffer)}, {@code length} bytes of {@code source} from {@code offset}. */
    public int write(DirectBuffer source, int offset, int length) throws IOException {
        ConnectionSlot s = writable();
        try {
            int total = 0;
            while (true) {
                int n = length > total ? sendRing(s).write(source, offset + total, length - total) : 0;
                if (n > 0) {
                    total += n;
                    ringDoorbell(s);
                }
                if (total == length || !blocking) {
                    return total;
                }
                awaitWritable(s);
            }
        } finally {
            s.letGo(sockets.rings);
            writing.set(false);
        }
    }

    private ConnectionSlot writable() throws IOException {
        ConnectionSlot s = slot;
        if (closed.get()) {
            throw SocketErrors.closed("write on a closed socket" + (s != null ? " (to " + s.remote + ")" : ""));
        }
        if (s == null) {
            throw SocketErrors.notConnected("write on a socket that is not connected: call connect first");
        }
        if (!connectFinished && s.state != ConnectionSlot.CONNECTED) {
            throw SocketErrors.notConnected("write before the connect to " + s.remote + " finished (finishConnect)");
        }
        if (outputShut) {
            throw SocketErrors.closed("write after shutdownOutput on the socket to " + s.remote);
        }
        checkBroken(s);
        if (!writing.compareAndSet(false, true)) {
            throw new IllegalStateException("two threads write " + s + " at once: one writer at a time");
        }
        if (!s.hold()) {
            writing.set(false);
            throw SocketErrors.closed("write on a closed socket (to " + s.remote + ")");
        }
        return s;
    }

    /** The send ring, taken from the pool on the first write (the one writer holds the slot). */
    private SpscByteRing sendRing(ConnectionSlot s) {
        SpscByteRing ring = s.send;
        if (ring == null) {
            ring = sockets.rings.take(s.sendRingBytes);
            s.send = ring;
        }
        return ring;
    }

    private static void checkBroken(ConnectionSlot s) throws IOException {
        if (s.state == ConnectionSlot.CLOSED) {
            TcpError e = s.error;
            throw new SocketException((e == TcpError.NONE ? "broken pipe: the connection is closed" : e.message())
                + " (" + s.remote + ")");
        }
    }

    private void awaitWritable(ConnectionSlot s) throws IOException {
        Thread me = Thread.currentThread();
        s.writeWaiter = me;
        try {
            while (s.sendRoom() == 0 && s.state != ConnectionSlot.CLOSED && !closed.get()) {
                LockSupport.park(this);
                checkInterrupt();
            }
        } finally {
            s.writeWaiter = null;
        }
        if (closed.get()) {
            throw SocketErrors.asyncClosed("socket to " + s.remote + " closed by another thread during a write");
        }
        checkBroken(s);
    }

    private void ringDoorbell(ConnectionSlot s) {
        // getAndSet is a full fence: the ring's counter is visible before the poll thread can clear the flag.
        if (s.doorbell.getAndSet(1) == 0) {
            sockets.command(s.resource, Commands.DOORBELL, s.id, 0, 0, 0, 0);
        }
    }

    // ---------------------------------------------------------------------------------- close, shutdown

    /** Half-close: a FIN follows the bytes already written; reading goes on. Any thread. */
    public BypassSocketChannel shutdownOutput() throws IOException {
        ConnectionSlot s = slot;
        if (closed.get()) {
            throw SocketErrors.closed("shutdownOutput on a closed socket" + (s != null ? " (to " + s.remote + ")" : ""));
        }
        if (s == null || !(connectFinished || s.state == ConnectionSlot.CONNECTED)) {
            throw SocketErrors.notConnected("shutdownOutput on a socket that is not connected");
        }
        if (!outputShut) {
            outputShut = true;
            sockets.command(s.resource, Commands.SHUTDOWN_OUTPUT, s.id, 0, 0, 0, 0);
        }
        return this;
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Closes the channel: bytes written still go, then a FIN (SO_LINGER 0: a reset instead). Any thread, any
     * time; a second close does nothing. Threads blocked in read or write get an AsynchronousCloseException.
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
        ConnectionSlot s = slot;
        if (s == null) {
            return;
        }
        Thread r = s.readWaiter;
        if (r != null) {
            LockSupport.unpark(r);
        }
        Thread w = s.writeWaiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
        int linger = lingerSeconds;
        sockets.command(s.resource, Commands.CLOSE, s.id, linger, 0, 0, 0);
        s.letGo(sockets.rings); // the channel's hold; a read or write still running keeps its own
        if (linger > 0 && blocking) {
            long deadline = System.nanoTime() + linger * 1_000_000_000L;
            s.writeWaiter = Thread.currentThread();
            try {
                while (!s.released && deadline - System.nanoTime() > 0) {
                    LockSupport.parkNanos(this, deadline - System.nanoTime());
                    if (Thread.currentThread().isInterrupted()) {
                        break;
                    }
                }
            } finally {
                s.writeWaiter = null;
            }
        }
    }

    private void checkInterrupt() throws IOException {
        if (Thread.interrupted()) {
            close();
            Thread.currentThread().interrupt();
            throw new ClosedByInterruptException();
        }
    }

    // ---------------------------------------------------------------------------------------- options

    /** Sets a socket option: TCP_NODELAY, SO_KEEPALIVE, SO_SNDBUF, SO_RCVBUF, SO_LINGER. Any thread. */
    public <T> BypassSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        if (closed.get()) {
            throw SocketErrors.closed("setOption " + name + " on a closed socket");
        }
        ConnectionSlot s = slot;
        if (name == StandardSocketOptions.TCP_NODELAY) {
            noDelay = (Boolean) value;
            if (s != null) {
                sockets.command(s.resource, Commands.SET_OPTION, s.id, Commands.OPTION_NODELAY, noDelay ? 1 : 0, 0, 0);
            }
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            keepAlive = (Boolean) value;
            if (s != null) {
                sockets.command(s.resource, Commands.SET_OPTION, s.id, Commands.OPTION_KEEPALIVE, keepAlive ? 1 : 0, 0,
                    0);
            }
        } else if (name == StandardSocketOptions.SO_SNDBUF || name == StandardSocketOptions.SO_RCVBUF) {
            int bytes = (Integer) value;
            if (s != null) {
                throw new IllegalStateException(name + " sets the size of the socket's "
                    + (name == StandardSocketOptions.SO_SNDBUF ? "send" : "receive")
                    + " ring and TCP buffer, fixed once the connection opens: set it before connect (or on the server"
                    + " socket)");
            }
            if (bytes <= 0 || bytes > (1 << 30)) {
                throw new IllegalArgumentException(name + " must be 1..1 GiB, got " + bytes);
            }
            if (name == StandardSocketOptions.SO_SNDBUF) {
                sendRingBytes = bytes;
                sendBufferSet = true;
            } else {
                receiveRingBytes = bytes;
                receiveBufferSet = true;
            }
        } else if (name == StandardSocketOptions.SO_LINGER) {
            int seconds = (Integer) value;
            lingerSeconds = Math.max(seconds, -1);
        } else {
            throw new UnsupportedOperationException("socket option " + name + " is not supported by bypass sockets"
                + " (TCP_NODELAY, SO_KEEPALIVE, SO_SNDBUF, SO_RCVBUF, SO_LINGER are)");
        }
        return this;
    }

    @SuppressWarnings("unchecked")
    public <T> T getOption(SocketOption<T> name) throws IOException {
        if (closed.get()) {
            throw SocketErrors.closed("getOption " + name + " on a closed socket");
        }
        ConnectionSlot s = slot;
        Object v;
        if (name == StandardSocketOptions.TCP_NODELAY) {
            v = noDelay;
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            v = keepAlive;
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            v = org.agrona.BitUtil.findNextPositivePowerOfTwo(s != null ? s.sendRingBytes : sendRingBytes);
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            v = org.agrona.BitUtil.findNextPositivePowerOfTwo(s != null ? s.receiveRingBytes : receiveRingBytes);
        } else if (name == StandardSocketOptions.SO_LINGER) {
            v = lingerSeconds;
        } else {
            throw new UnsupportedOperationException("socket option " + name + " is not supported by bypass sockets");
        }
        return (T) v;
    }

    // --------------------------------------------------------------------------------------- selector

    /** Registers with {@code selector} for {@code ops} (OP_READ, OP_WRITE, OP_CONNECT); one selector per channel. */
    public BypassSelectionKey register(BypassSelector selector, int ops, Object attachment) throws IOException {
        if (closed.get()) {
            throw SocketErrors.closed("register of a closed socket");
        }
        BypassSelectionKey k = key;
        if (k != null && k.isValid()) {
            if (k.selector() != selector) {
                throw new IllegalStateException("socket is registered with another selector already (one per channel)");
            }
            k.interestOps(ops);
            k.attach(attachment);
            return k;
        }
        k = selector.register(this, ops, attachment);
        key = k;
        ConnectionSlot s = slot;
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
        return BypassSelectionKey.OP_READ | BypassSelectionKey.OP_WRITE | BypassSelectionKey.OP_CONNECT;
    }

    @Override
    public int readyOpsNow() {
        ConnectionSlot s = slot;
        if (s == null || closed.get()) {
            return 0;
        }
        int state = s.state;
        int ops = 0;
        if (!connectFinished) {
            return state != ConnectionSlot.CONNECTING ? BypassSelectionKey.OP_CONNECT : 0;
        }
        if (s.receiveQueued() > 0 || s.eof) {
            ops |= BypassSelectionKey.OP_READ;
        }
        if (s.sendRoom() > 0 || state == ConnectionSlot.CLOSED) {
            ops |= BypassSelectionKey.OP_WRITE;
        }
        return ops;
    }

    @Override
    public void keyCancelled(BypassSelectionKey k) {
        if (key == k) {
            key = null;
            ConnectionSlot s = slot;
            if (s != null && s.key == k) {
                s.key = null;
            }
        }
    }

    private static Endpoint toEndpoint(SocketAddress address) {
        if (!(address instanceof InetSocketAddress inet) || inet.getAddress() == null
            || inet.getAddress().getAddress().length != 4) {
            throw new UnsupportedAddressTypeException();
        }
        return new Endpoint(IpAddress.ofBytes(inet.getAddress().getAddress()), inet.getPort());
    }

    @Override
    public String toString() {
        ConnectionSlot s = slot;
        return "bypass socket" + (s == null ? " (unconnected)" : " to " + s.remote + " on resource " + s.resource)
            + (closed.get() ? " (closed)" : "") + (accepted ? " (accepted)" : "");
    }

    private static final class AlreadyConnected extends AlreadyConnectedException {
        private final String message;

        AlreadyConnected(String message) {
            this.message = message;
        }

        @Override
        public String getMessage() {
            return message;
        }
    }

    private static final class ConnectionPending extends ConnectionPendingException {
        private final String message;

        ConnectionPending(String message) {
            this.message = message;
        }

        @Override
        public String getMessage() {
            return message;
        }
    }

    private static final class NoPending extends NoConnectionPendingException {
        private final String message;

        NoPending(String message) {
            this.message = message;
        }

        @Override
        public String getMessage() {
            return message;
        }
    }
}
