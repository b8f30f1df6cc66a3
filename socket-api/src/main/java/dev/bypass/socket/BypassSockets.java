package dev.bypass.socket;

import dev.bypass.query.ConnectQueryClient;
import dev.bypass.query.QueryCounters;
import dev.bypass.query.TuplePolicy;
import dev.bypass.stack.TcpConfig;
import java.util.function.IntPredicate;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;

/**
 * The ring-handoff socket API over a {@link ResourceSet}: opens channels and selectors, and runs one
 * {@link SocketBridge} on each resource's poll thread. Build one per resource set (each bridge drains its
 * resource's command ring).
 *
 * <pre>{@code
 * BypassSockets sockets = BypassSockets.open(ResourceSet.single(stack, loop));
 * BypassServerSocketChannel server = sockets.openServerSocketChannel().bind(7);
 * BypassSocketChannel c = server.accept();               // blocks, like java.nio's
 * }</pre>
 *
 * <p>Memory: a connection takes its send and receive rings from this object's ring pool only when it first moves
 * bytes that way, and gives them back when it closes; idle connections hold none ({@link #ringsInUse()},
 * {@link #reserveRings(int, int)}).
 *
 * <p>Threads: every method, any thread.
 */
public final class BypassSockets implements AutoCloseable {
    /**
     * Default send and receive ring of a connection (SO_SNDBUF, SO_RCVBUF). A connection takes each ring from the
     * {@linkplain #reserveRings ring pool} only when it first moves bytes that way: an idle connection holds none.
     */
    public static final int DEFAULT_RING_BYTES = 64 * 1024;
    /** Default most bytes of free rings of one size the ring pool keeps for reuse (beyond: freed by the GC). */
    public static final long DEFAULT_RETAINED_RING_BYTES = 64L * 1024 * 1024;
    /** Default most connections and listening sockets open at once (ids in the slot tables). */
    public static final int DEFAULT_MAX_SOCKETS = 1 << 17;
    /** Default most keys registered with one selector. */
    public static final int DEFAULT_MAX_KEYS = 1 << 17;

    final ResourceSet resources;
    final SocketBridge[] bridges;
    final SlotTable<ConnectionSlot> connections;
    final SlotTable<ListenSlot> listeners;
    final SlotTable<DatagramSlot> datagrams;
    /** Which resource reaches an address (the datagram channels' sends). */
    final ResourceRoutes routes;
    final RingPool rings = new RingPool(DEFAULT_RETAINED_RING_BYTES);
    /** The last per-socket TCP settings built, reused while sockets ask for the same (one object, not one each). */
    private volatile TcpOptions lastTcpOptions;
    private volatile ResourceChooser chooser = ResourceChooser.FIRST;
    private volatile QueryRouting queryRouting;
    private final java.util.concurrent.atomic.AtomicLong commandRingFullWaits = new java.util.concurrent.atomic.AtomicLong();

    private BypassSockets(ResourceSet resources, int maxSockets) {
        this.resources = Objects.requireNonNull(resources, "resources");
        if (resources.size() < 1 || resources.size() > 32) {
            throw new IllegalArgumentException("a resource set holds 1..32 resources, got " + resources.size());
        }
        this.connections = new SlotTable<>(maxSockets, "socket");
        this.listeners = new SlotTable<>(Math.max(64, maxSockets >> 6), "server socket");
        this.datagrams = new SlotTable<>(Math.max(64, maxSockets >> 6), "datagram socket");
        this.routes = new ResourceRoutes(resources);
        this.bridges = new SocketBridge[resources.size()];
        for (int i = 0; i < bridges.length; i++) {
            ResourceSet.Resource r = resources.resource(i);
            if (r.index() != i) {
                throw new IllegalArgumentException("resource " + i + " says its index is " + r.index());
            }
            bridges[i] = new SocketBridge(this, r);
            r.loop().addDutyCycleHook(bridges[i]);
        }
    }

    /** The socket API over {@code resources}, with room for {@link #DEFAULT_MAX_SOCKETS} sockets. */
    public static BypassSockets open(ResourceSet resources) {
        return new BypassSockets(resources, DEFAULT_MAX_SOCKETS);
    }

    public static BypassSockets open(ResourceSet resources, int maxSockets) {
        return new BypassSockets(resources, maxSockets);
    }

    public ResourceSet resources() {
        return resources;
    }

    /** Sets how connecting sockets pick their resource (default {@link ResourceChooser#FIRST}). */
    public BypassSockets chooser(ResourceChooser chooser) {
        this.chooser = Objects.requireNonNull(chooser, "chooser");
        return this;
    }

    ResourceChooser chooser() {
        return chooser;
    }

    /**
     * Connects through the connect query (see the README's "The connect query protocol"): from then on a
     * {@link BypassSocketChannel#connect connect} to an address {@code publicAddresses} accepts is handed, on
     * the poll thread of the resource the {@link ResourceChooser} picked, to that resource's
     * {@link ConnectQueryClient} (opened there on first use, with {@code config} and {@code policy}), which
     * answers at once from its cache or asks the public address's service; the connection then opens straight
     * to the chosen bypass tuple from that resource. No answer in time (or no valid tuple) falls back to the
     * public tuple itself, which the serving host's public resource accepts. A connect that a bypass tuple
     * refuses forgets the cached answer, so the next connect asks again.
     *
     * <p>{@link BypassSocketChannel#remoteEndpoint()} is the tuple actually connected to;
     * {@link BypassSocketChannel#requestedEndpoint()} the one asked for. Call before the connects it should
     * apply to; thread-safe.
     */
    public BypassSockets connectQuery(ConnectQueryClient.Config config, TuplePolicy policy,
                                      IntPredicate publicAddresses) {
        queryRouting = new QueryRouting(Objects.requireNonNull(config, "config"),
            Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(publicAddresses, "publicAddresses"));
        return this;
    }

    /** As {@link #connectQuery(ConnectQueryClient.Config, TuplePolicy, IntPredicate)} for every IPv4 address. */
    public BypassSockets connectQuery(ConnectQueryClient.Config config, TuplePolicy policy) {
        return connectQuery(config, policy, address -> true);
    }

    /** True if a connect to {@code address} goes through the connect query. */
    boolean throughQuery(int address) {
        QueryRouting q = queryRouting;
        return q != null && q.publicAddresses().test(address);
    }

    QueryRouting queryRouting() {
        return queryRouting;
    }

    /**
     * The counters of resource {@code resource}'s connect-query client (queries sent, replies, cache hits,
     * fallbacks...), or null before its first connect through the query.
     */
    public QueryCounters queryCounters(int resource) {
        ConnectQueryClient c = bridges[Objects.checkIndex(resource, bridges.length)].queryClient();
        return c == null ? null : c.counters();
    }

    /** How connects through the query are resolved. */
    record QueryRouting(ConnectQueryClient.Config config, TuplePolicy policy, IntPredicate publicAddresses) {
    }

    /** A new, unconnected socket channel, blocking. */
    public BypassSocketChannel openSocketChannel() {
        return new BypassSocketChannel(this);
    }

    /** A new, unbound server socket channel, blocking. */
    public BypassServerSocketChannel openServerSocketChannel() {
        return new BypassServerSocketChannel(this);
    }

    /** A new, unbound UDP channel, blocking. */
    public BypassDatagramChannel openDatagramChannel() {
        return new BypassDatagramChannel(this);
    }

    public BypassSelector openSelector() {
        return new BypassSelector(DEFAULT_MAX_KEYS);
    }

    /** A selector with room for {@code maxKeys} registrations. */
    public BypassSelector openSelector(int maxKeys) {
        return new BypassSelector(maxKeys);
    }

    /** Threads the poll threads unparked (at most one per waiting thread per duty cycle). */
    public long unparks() {
        long n = 0;
        for (SocketBridge b : bridges) {
            n += b.unparks.get();
        }
        return n;
    }

    /** Keys the poll threads put into selectors' ready rings. */
    public long selectorSignals() {
        long n = 0;
        for (SocketBridge b : bridges) {
            n += b.selectorSignals.get();
        }
        return n;
    }

    /** Commands the poll threads read from the command rings. */
    public long commandsRead() {
        long n = 0;
        for (SocketBridge b : bridges) {
            n += b.commandsRead.get();
        }
        return n;
    }

    /** Connection turns the bridges served (active connections summed over duty cycles). */
    public long connectionsServed() {
        long n = 0;
        for (SocketBridge b : bridges) {
            n += b.slotsServed.get();
        }
        return n;
    }

    /** Times a command waited because a command ring was full. */
    public long commandRingFullWaits() {
        return commandRingFullWaits.get();
    }

    /** Bytes of commands waiting in resource {@code resource}'s command ring: a snapshot, for monitoring. */
    public int commandRingUsed(int resource) {
        return resources.resource(Objects.checkIndex(resource, bridges.length)).commandRing().size();
    }

    /** The size in bytes of resource {@code resource}'s command ring. */
    public int commandRingCapacity(int resource) {
        return resources.resource(Objects.checkIndex(resource, bridges.length)).commandRing().capacity();
    }

    /** Open connections (ids in use). */
    public int openConnections() {
        return connections.size();
    }

    /**
     * Fills the ring pool with {@code count} rings of {@code bytes} (rounded up to a power of two, as SO_SNDBUF and
     * SO_RCVBUF are) so that connections take them instead of allocating, on the poll thread too. The pool keeps
     * at most {@link #DEFAULT_RETAINED_RING_BYTES} (and 4,096 rings) of one size; returns how many were added.
     * Any thread (an application thread: it allocates).
     */
    public int reserveRings(int bytes, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("ring count must not be negative, got " + count);
        }
        return rings.reserve(bytes, count);
    }

    /** Send and receive rings the connections hold now (idle connections hold none). */
    public long ringsInUse() {
        return rings.inUse();
    }

    /** Data bytes of the rings the connections hold now. */
    public long ringBytesInUse() {
        return rings.bytesInUse();
    }

    /** Rings ever allocated (fresh direct memory, not taken from the pool's free lists). */
    public long ringsAllocated() {
        return rings.allocated();
    }

    /** Free rings waiting in the pool. */
    public long ringsFree() {
        return rings.free();
    }

    /**
     * The stack's TCP settings of {@code resource} with the send and receive buffers set (SO_SNDBUF, SO_RCVBUF;
     * 0 keeps the stack's), shared by the sockets that ask for the same.
     */
    TcpConfig tcpOptions(int resource, int sendBufferBytes, int receiveBufferBytes) {
        TcpConfig base = resources.resource(resource).stack().config().tcp();
        TcpOptions last = lastTcpOptions;
        if (last != null && last.base == base && last.send == sendBufferBytes && last.receive == receiveBufferBytes) {
            return last.options;
        }
        TcpConfig.Builder b = base.toBuilder();
        if (sendBufferBytes > 0) {
            b.sendBufferBytes(sendBufferBytes);
        }
        if (receiveBufferBytes > 0) {
            b.receiveBufferBytes(receiveBufferBytes);
        }
        TcpConfig options = b.build();
        lastTcpOptions = new TcpOptions(base, sendBufferBytes, receiveBufferBytes, options);
        return options;
    }

    private record TcpOptions(TcpConfig base, int send, int receive, TcpConfig options) {
    }

    /**
     * Writes a command into resource {@code resource}'s ring; waits while the ring is full (back-pressure, the
     * command is never dropped).
     */
    void command(int resource, int type, int id, int a, int b, int c, int d) {
        ManyToOneRingBuffer ring = resources.resource(resource).commandRing();
        int waits = 0;
        int claim;
        while ((claim = ring.tryClaim(type, Commands.LENGTH)) < 0) {
            if (resources.resource(resource).loop().onPollThread()) {
                throw new IllegalStateException("command ring of resource " + resource + " is full and the caller is"
                    + " its own poll thread: use the socket API from application threads");
            }
            if (waits++ == 0) {
                commandRingFullWaits.incrementAndGet();
            }
            if (waits < 100) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(10_000);
            }
        }
        var buffer = ring.buffer();
        buffer.putInt(claim + Commands.ID_OFFSET, id);
        buffer.putInt(claim + Commands.A_OFFSET, a);
        buffer.putInt(claim + Commands.B_OFFSET, b);
        buffer.putInt(claim + Commands.C_OFFSET, c);
        buffer.putInt(claim + Commands.D_OFFSET, d);
        ring.commit(claim);
    }

    /** Detaches the bridges (their poll loops stay up); sockets still open stop moving data. */
    @Override
    public void close() {
        for (SocketBridge b : bridges) {
            b.close();
        }
    }
}
