package dev.bypass.socket;

import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.net.BindException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

/**
 * A UDP socket over the resources of a {@link ResourceSet}, shaped like {@link java.nio.channels.DatagramChannel}.
 *
 * <ul>
 *   <li>{@link #bind(int)}: the port on every resource (every private IP and the public IP: the public tuple
 *       and all the bypass tuples); {@link #bind(Endpoint)} with one address: the public IP, or one
 *       resource's private IP (one bypass tuple), on that resource only.</li>
 *   <li>{@link #receive} / {@link #receiveDatagram}: the next datagram from any resource the socket is bound
 *       on; {@link #lastReceived()} says which resource it came in on and which local address (private,
 *       public, a group) it was sent to, without allocating.</li>
 *   <li>{@link #reply}: answers the last datagram received, through the resource it came in on and from the
 *       address it was sent to (a client of the public IP hears back from the public IP).</li>
 *   <li>{@link #send(ByteBuffer, Endpoint)}: through the resource whose routes reach the destination (its
 *       subnet, else a gateway; longest prefix first, then the lowest resource); through the bound resource
 *       if bound to one address; a group or the limited broadcast through resource 0.
 *       {@link #send(ByteBuffer, Endpoint, int)} names the resource.</li>
 *   <li>{@link #join(IpAddress, int)}: joins a multicast group on one resource (IGMPv3 report on that link;
 *       v2/v1 if the querier speaks them), returning a {@link BypassMembershipKey} to {@link
 *       BypassMembershipKey#drop() drop}. Membership is per resource and per socket: the socket receives a
 *       group's datagrams that arrive on a resource where it joined the group, no others (as Linux's
 *       {@code IP_MULTICAST_ALL} off). Multicast goes out with TTL 1.</li>
 * </ul>
 *
 * <p>How: datagrams go through message rings. Each resource the socket sends through has a send ring (made at
 * the first send through it) that the resource's poll thread drains into its stack; every resource's poll
 * thread writes what its stack receives for the port into the one receive ring. A full send ring makes a
 * blocking send wait and a non-blocking one return 0; a full receive ring drops what arrives, as a full
 * kernel socket buffer does ({@link #receiveRingDrops()} counts them). Bind, join, leave and close are
 * commands through the resources' command rings, each waited for until the poll thread has carried it out.
 *
 * <p>Threads: one sending thread ({@link #send}, {@link #reply}) and one receiving thread ({@link #receive},
 * {@link #lastReceived}) at a time; {@link #reply} reads what the last receive returned, so call it on the
 * receiving thread (it is then the sending thread too). Bind, join, drop and close from any thread. No lock
 * on the data path; receive and send allocate nothing but the {@link Endpoint} {@link #receive} returns
 * ({@link #receiveDatagram} does not).
 */
public final class BypassDatagramChannel implements java.nio.channels.Channel {
    /** Default size of each ring. */
    public static final int DEFAULT_RING_BYTES = 256 * 1024;
    private static final int MAX_PAYLOAD = 65_507;

    /**
     * The datagram the last receive returned: one object per channel, overwritten by each receive (read it on the
     * receiving thread, before the next).
     */
    public static final class Received {
        private int resource = -1;
        private int localAddress;
        private int sourceAddress;
        private int sourcePort;
        private int length;

        /** The resource (index in the channel's resource set) it came in on. */
        public int resource() {
            return resource;
        }

        /** The address it was sent to: a resource's private IP, the public IP, a multicast group, a broadcast. */
        public int localAddress() {
            return localAddress;
        }

        public int sourceAddress() {
            return sourceAddress;
        }

        public int sourcePort() {
            return sourcePort;
        }

        /** Bytes copied into the destination buffer (the datagram is cut to its room, as java.nio does). */
        public int length() {
            return length;
        }

        /** The source as an Endpoint (allocates). */
        public Endpoint source() {
            return new Endpoint(IpAddress.ofV4(sourceAddress), sourcePort);
        }

        @Override
        public String toString() {
            return length + " bytes from " + IpAddress.v4ToString(sourceAddress) + ":" + sourcePort + " to "
                + IpAddress.v4ToString(localAddress) + " on resource " + resource;
        }
    }

    private final BypassSockets sockets;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Receiver receiver = new Receiver();
    private final Received last = receiver.received;
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(65536));
    /** Bind, join, drop and close: one at a time (their commands are answered through the one slot). */
    private final Object control = new Object();
    private final List<BypassMembershipKey> keys = new ArrayList<>();
    private volatile DatagramSlot slot;
    private volatile boolean blocking = true;

    BypassDatagramChannel(BypassSockets sockets) {
        this.sockets = sockets;
    }

    public BypassDatagramChannel configureBlocking(boolean block) {
        blocking = block;
        return this;
    }

    public boolean isBlocking() {
        return blocking;
    }

    /** Binds {@code port} (0: a free one) on every resource; BindException if it is in use on any. */
    public BypassDatagramChannel bind(int port) throws IOException {
        return bind(0, port);
    }

    /**
     * Binds {@code local}: 0.0.0.0 as {@link #bind(int)}; the public IP or a resource's private IP binds the port
     * on that resource only, and the socket receives only datagrams to that address (and to the groups it joins
     * there) and sends from it. BindException if the address is none of the set's, or the port is in use.
     */
    public BypassDatagramChannel bind(Endpoint local) throws IOException {
        if (!local.address().isV4()) {
            throw new BindException("UDP over IPv6 is not supported: cannot bind " + local);
        }
        return bind(local.address().v4(), local.port());
    }

    private BypassDatagramChannel bind(int address, int port) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("UDP port out of range 0..65535: " + port);
        }
        synchronized (control) {
            if (closed.get()) {
                throw SocketErrors.closed("bind on a closed UDP socket (port " + port + ")");
            }
            DatagramSlot bound = slot;
            if (bound != null) {
                throw SocketErrors.alreadyBound("UDP socket is already bound to port " + bound.port);
            }
            int only = -1;
            if (address != 0) {
                only = ResourceRoutes.ownerOf(sockets.resources, address);
                if (only < 0) {
                    throw new BindException("cannot bind UDP " + IpAddress.v4ToString(address) + ":" + port + ": not an "
                        + "address of this resource set (0.0.0.0 or one of " + ResourceRoutes.addressesOf(sockets.resources)
                        + ")");
                }
            }
            DatagramSlot d = new DatagramSlot(sockets.resources.size(), DEFAULT_RING_BYTES, DEFAULT_RING_BYTES);
            d.localAddress = address;
            d.onlyResource = only;
            d.id = sockets.datagrams.add(d);
            String refused;
            if (only < 0) {
                refused = d.bindOnEveryResource(sockets, Commands.UDP_BIND, Commands.UDP_CLOSE, port, 0);
            } else {
                d.ask(sockets, only, Commands.UDP_BIND, port, 0);
                refused = d.failure;
            }
            if (refused != null) {
                sockets.datagrams.remove(d.id, d);
                throw new BindException("UDP port " + (d.port != 0 ? d.port : port) + " is in use: " + refused);
            }
            slot = d;
        }
        return this;
    }

    public int localPort() {
        DatagramSlot d = slot;
        return d == null ? -1 : d.port;
    }

    /** The address bound with {@link #bind(Endpoint)}, or 0.0.0.0 (every address of every resource). */
    public IpAddress localAddress() {
        DatagramSlot d = slot;
        return IpAddress.ofV4(d == null ? 0 : d.localAddress);
    }

    // -------------------------------------------------------------------------------------------- send

    /**
     * Sends the remaining bytes of {@code source} as one datagram to {@code target}, through the resource that
     * routes it (see the class comment): returns their number, or 0 if that resource's send ring is full
     * (non-blocking; blocking waits for room). NoRouteToHostException if no resource routes it.
     */
    public int send(ByteBuffer source, Endpoint target) throws IOException {
        DatagramSlot d = open("send");
        int address = v4(target);
        int r = d.onlyResource;
        if (r < 0) {
            if (ResourceRoutes.isMulticast(address) || address == -1) {
                r = 0;
            } else {
                r = sockets.routes.resourceFor(address);
                if (r < 0) {
                    throw new NoRouteToHostException("no resource routes " + target + " (routes: " + sockets.routes + ")");
                }
            }
        } else if (!sockets.routes.reaches(r, address)) {
            throw new NoRouteToHostException("resource " + r + ", which this UDP socket is bound on ("
                + IpAddress.v4ToString(d.localAddress) + "), has no route to " + target + " (routes: " + sockets.routes
                + ")");
        }
        return send(d, source, address, target.port(), r, d.localAddress);
    }

    /**
     * Sends through resource {@code resource} (its index in the set): a group's datagrams on that link, or a
     * unicast the resource has a route to (NoRouteToHostException otherwise). As {@link #send(ByteBuffer, Endpoint)}
     * otherwise.
     */
    public int send(ByteBuffer source, Endpoint target, int resource) throws IOException {
        DatagramSlot d = open("send");
        int address = v4(target);
        checkResource(d, resource, "send to " + target);
        if (!sockets.routes.reaches(resource, address)) {
            throw new NoRouteToHostException("resource " + resource + " has no route to " + target + " (routes: "
                + sockets.routes + ")");
        }
        return send(d, source, address, target.port(), resource, d.localAddress);
    }

    /**
     * Answers the datagram the last receive returned: to its source, through the resource it came in on, from
     * the address it was sent to (a group's or a broadcast's answer from the bound address, else the resource's
     * own). Call it on the receiving thread. As {@link #send(ByteBuffer, Endpoint)} otherwise.
     */
    public int reply(ByteBuffer source) throws IOException {
        DatagramSlot d = open("reply");
        Received r = last;
        if (r.resource < 0) {
            throw new IllegalStateException("reply on UDP socket (port " + d.port + ") before any datagram was received");
        }
        int local = r.localAddress;
        int from = ResourceRoutes.isMulticast(local) || !sockets.resources.resource(r.resource).stack().config()
            .isLocalAddress(local) ? d.localAddress : local;
        return send(d, source, r.sourceAddress, r.sourcePort, r.resource, from);
    }

    private int send(DatagramSlot d, ByteBuffer source, int address, int port, int resource, int from) throws IOException {
        int length = source.remaining();
        if (length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("UDP payload must be 0.." + MAX_PAYLOAD + " bytes, got " + length);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("UDP destination port out of range 1..65535: " + port);
        }
        OneToOneRingBuffer ring = d.sendRing(resource);
        scratch.putInt(0, address);
        scratch.putInt(4, port);
        scratch.putInt(8, from);
        scratch.putInt(12, 0);
        scratch.putBytes(DatagramSlot.SEND_META, source, source.position(), length);
        while (!ring.write(DatagramSlot.MESSAGE, scratch, 0, length + DatagramSlot.SEND_META)) {
            if (!blocking) {
                return 0;
            }
            d.writeWaiter = Thread.currentThread();
            try {
                if (ring.size() > 0 && !closed.get()) {
                    ringDoorbell(d, resource);
                    LockSupport.parkNanos(this, 1_000_000L);
                    checkInterrupt();
                }
            } finally {
                d.writeWaiter = null;
            }
            open("send");
        }
        source.position(source.position() + length);
        ringDoorbell(d, resource);
        return length;
    }

    private void ringDoorbell(DatagramSlot d, int resource) {
        if (d.doorbell.getAndSet(resource, 1) == 0) {
            sockets.command(resource, Commands.UDP_DOORBELL, d.id, 0, 0, 0, 0);
        }
    }

    private static int v4(Endpoint target) {
        if (!target.address().isV4()) {
            throw new IllegalArgumentException("UDP over IPv6 is not supported: cannot send to " + target);
        }
        return target.address().v4();
    }

    private void checkResource(DatagramSlot d, int resource, String call) {
        int n = sockets.resources.size();
        if (resource < 0 || resource >= n) {
            throw new IllegalArgumentException(call + ": resource " + resource + " is out of range: the set has " + n
                + " resource" + (n == 1 ? "" : "s") + " (0.." + (n - 1) + ")");
        }
        if (d.onlyResource >= 0 && d.onlyResource != resource) {
            throw new IllegalArgumentException(call + ": this UDP socket is bound to " + IpAddress.v4ToString(d.localAddress)
                + ":" + d.port + ", on resource " + d.onlyResource + " only, not on resource " + resource);
        }
    }

    // ----------------------------------------------------------------------------------------- receive

    /**
     * Receives one datagram into {@code destination} (cut to its room, as java.nio does) and returns its source,
     * or null if none waits (non-blocking; blocking waits for one). {@link #lastReceived()} tells more.
     */
    public Endpoint receive(ByteBuffer destination) throws IOException {
        Received r = receiveDatagram(destination);
        return r == null ? null : r.source();
    }

    /**
     * As {@link #receive}, without allocating: returns this channel's {@link Received} (overwritten by the next
     * receive) or null if none waits (non-blocking).
     */
    public Received receiveDatagram(ByteBuffer destination) throws IOException {
        DatagramSlot d = open("receive");
        while (true) {
            receiver.destination = destination;
            receiver.got = false;
            if (d.receive.read(receiver, 1) == 0 && d.receive.size() > 0) {
                d.receive.read(receiver, 1); // the ring wrapped: the first read met its padding record
            }
            receiver.destination = null;
            if (receiver.got) {
                return last;
            }
            if (!blocking) {
                return null;
            }
            d.readWaiter = Thread.currentThread();
            try {
                VarHandle.fullFence();
                while (d.receive.size() == 0 && !closed.get()) {
                    LockSupport.park(this);
                    checkInterrupt();
                }
            } finally {
                d.readWaiter = null;
            }
            if (closed.get()) {
                throw SocketErrors.asyncClosed("UDP socket on port " + d.port + " closed by another thread during a receive");
            }
        }
    }

    /** The datagram the last receive returned (resource, local address, source); resource -1 before any. */
    public Received lastReceived() {
        return last;
    }

    /** Datagrams dropped because the receive ring was full. */
    public long receiveRingDrops() {
        DatagramSlot d = slot;
        return d == null ? 0 : d.receiveRingDrops.get();
    }

    /**
     * Datagrams the stacks took for this port that this socket did not want: to another local address than the
     * one it is bound to, or to a group it has not joined on the resource they came in on.
     */
    public long filteredDatagrams() {
        DatagramSlot d = slot;
        return d == null ? 0 : d.filtered.get();
    }

    // --------------------------------------------------------------------------------------- multicast

    /**
     * Joins multicast group {@code group} (224.0.1.0 to 239.255.255.255) on resource {@code resource}: its poll
     * thread joins on the stack (an IGMP report on that link, unless another socket of the set is in the group
     * there already) before this returns. From then the group's datagrams to this port that arrive on that
     * resource reach this socket. ClosedChannelException if closed, NotYetBoundException if not bound,
     * IllegalArgumentException for a non-multicast address or a resource out of range (or not bound on),
     * IllegalStateException if this socket already joined the group there (or the stack refuses: its group
     * table is full).
     */
    public BypassMembershipKey join(IpAddress group, int resource) throws IOException {
        String name = group.toString();
        synchronized (control) {
            if (closed.get()) {
                DatagramSlot d = slot;
                throw SocketErrors.closed("join of " + name + " on a closed UDP socket"
                    + (d != null ? " (port " + d.port + ")" : ""));
            }
            DatagramSlot d = slot;
            if (d == null) {
                throw SocketErrors.notBound("join of " + name + " on a UDP socket that is not bound: call bind(port) first");
            }
            if (!group.isV4()) {
                throw new IllegalArgumentException("join of " + name + ": IPv6 multicast is not supported");
            }
            int g = group.v4();
            if (!ResourceRoutes.isMulticast(g) || (g & 0xFFFF_FF00) == 0xE000_0000) {
                throw new IllegalArgumentException("join of " + name + ": not a multicast group that can be joined "
                    + "(224.0.1.0 to 239.255.255.255; 224.0.0.x is link-local and always on)");
            }
            checkResource(d, resource, "join of " + name);
            for (BypassMembershipKey k : keys) {
                if (k.groupBits() == g && k.resource() == resource) {
                    throw new IllegalStateException("join of " + name + ": this UDP socket (port " + d.port
                        + ") has already joined it on resource " + resource + "; drop that key first");
                }
            }
            d.failure = null;
            d.ask(sockets, resource, Commands.UDP_JOIN, g, 0);
            if (d.failure != null) {
                throw new IllegalStateException("join of " + name + " refused: " + d.failure);
            }
            BypassMembershipKey key = new BypassMembershipKey(this, g, resource);
            keys.add(key);
            return key;
        }
    }

    /** {@link #join(IpAddress, int)} with a java.net address. */
    public BypassMembershipKey join(InetAddress group, int resource) throws IOException {
        return join(IpAddress.ofBytes(group.getAddress()), resource);
    }

    /**
     * Leaves {@code group} on {@code resource}: drops the key {@link #join} returned. IllegalStateException if
     * this socket has not joined it there.
     */
    public void leave(IpAddress group, int resource) {
        BypassMembershipKey found = null;
        synchronized (control) {
            for (BypassMembershipKey k : keys) {
                if (group.isV4() && k.groupBits() == group.v4() && k.resource() == resource) {
                    found = k;
                }
            }
        }
        if (found == null) {
            throw new IllegalStateException("leave of " + group + " on resource " + resource + ": this UDP socket (port "
                + localPort() + ") has not joined it there");
        }
        found.drop();
    }

    /** The groups joined now, one key per group and resource. */
    public List<BypassMembershipKey> memberships() {
        synchronized (control) {
            return List.copyOf(keys);
        }
    }

    void drop(BypassMembershipKey key) {
        synchronized (control) {
            if (!key.isValid() || !keys.remove(key)) {
                return;
            }
            key.invalidate();
            DatagramSlot d = slot;
            if (closed.get() || d == null) {
                return;
            }
            d.failure = null;
            d.ask(sockets, key.resource(), Commands.UDP_LEAVE, key.groupBits(), 0);
        }
    }

    // -------------------------------------------------------------------------------------------- misc

    private DatagramSlot open(String call) {
        DatagramSlot d = slot;
        if (closed.get()) {
            throw new IllegalStateException(call + " on a closed UDP socket" + (d != null ? " (port " + d.port + ")" : ""));
        }
        if (d == null) {
            throw SocketErrors.notBound(call + " on a UDP socket that is not bound: call bind(port) first");
        }
        return d;
    }

    private void checkInterrupt() throws IOException {
        if (Thread.interrupted()) {
            close();
            Thread.currentThread().interrupt();
            throw new ClosedByInterruptException();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Leaves its groups and unbinds on every resource it is bound on; a blocked receive gets an
     * AsynchronousCloseException. Any thread.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        DatagramSlot d = slot;
        if (d == null) {
            return;
        }
        Thread r = d.readWaiter;
        if (r != null) {
            LockSupport.unpark(r);
        }
        synchronized (control) {
            for (BypassMembershipKey k : keys) {
                k.invalidate();
            }
            keys.clear();
            if (d.onlyResource >= 0) {
                d.ask(sockets, d.onlyResource, Commands.UDP_CLOSE, 0, 0);
            } else {
                d.askEveryResource(sockets, Commands.UDP_CLOSE); // leaves the groups joined there too
            }
        }
        sockets.datagrams.remove(d.id, d);
    }

    private static final class Receiver implements MessageHandler {
        final Received received = new Received();
        ByteBuffer destination;
        boolean got;

        @Override
        public void onMessage(int type, MutableDirectBuffer buffer, int offset, int length) {
            int n = Math.min(length - DatagramSlot.RECEIVE_META, destination.remaining());
            buffer.getBytes(offset + DatagramSlot.RECEIVE_META, destination, destination.position(), n);
            destination.position(destination.position() + n);
            Received r = received;
            r.sourceAddress = buffer.getInt(offset);
            r.sourcePort = buffer.getInt(offset + 4);
            r.resource = buffer.getInt(offset + 8);
            r.localAddress = buffer.getInt(offset + 12);
            r.length = n;
            got = true;
        }
    }
}
