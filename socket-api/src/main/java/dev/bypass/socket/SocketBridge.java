package dev.bypass.socket;

import dev.bypass.host.PollLoop;
import dev.bypass.query.ConnectQueryClient;
import dev.bypass.query.Transport;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;

/**
 * The poll-thread side of the socket API on one resource, run after every duty cycle of its {@link PollLoop}:
 *
 * <ol>
 *   <li>drain the command ring (connect, close, listen, doorbells...);</li>
 *   <li>serve the active connections: send ring to {@link TcpConnection#write}, {@link TcpConnection#read} to
 *       the receive ring while it has room (a full ring stops the reading, so TCP's window closes: flow
 *       control end to end), state changes;</li>
 *   <li>tell whoever waits: unpark blocked readers and writers and signal selectors, once per socket per
 *       cycle however many events it had (wakeups batched, and counted).</li>
 * </ol>
 *
 * <p>A connection is active only when something happened to it: a TCP handler callback, a command or a
 * doorbell put it on the active list. A cycle costs O(active connections), never O(open ones).
 *
 * <p>An idle connection has no rings: the bridge takes the receive ring from the {@link RingPool} when TCP first
 * has bytes for it (a zero-length read asks TCP for the end of the stream before that), finds the send ring
 * once the application's first write took it, and lets go of both when it releases the connection.
 */
final class SocketBridge implements PollLoop.DutyCycleHook, MessageHandler {
    /** Commands drained per cycle at most, so a flood of commands cannot starve the stack. */
    private static final int COMMAND_LIMIT = 1024;

    private final BypassSockets sockets;
    private final int index;
    private final NetworkStack stack;
    private final ManyToOneRingBuffer commands;
    /** The buffer of a zero-length read: it asks TCP for the end of the stream without a ring to read into. */
    private static final org.agrona.concurrent.UnsafeBuffer NO_BYTES = new org.agrona.concurrent.UnsafeBuffer(new byte[0]);

    private ConnectionSlot[] active = new ConnectionSlot[256];
    private int activeCount;
    private ConnectionSlot[] notifySlots = new ConnectionSlot[256];
    private int notifySlotCount;
    private ListenSlot.Handle[] notifyListens = new ListenSlot.Handle[16];
    private int notifyListenCount;
    private volatile boolean closed;
    /** Resolves connects through the connect query; opened on first use (poll thread). */
    private volatile ConnectQueryClient query;

    final AtomicLong commandsRead = new AtomicLong();
    final AtomicLong unparks = new AtomicLong();
    final AtomicLong selectorSignals = new AtomicLong();
    final AtomicLong slotsServed = new AtomicLong();

    SocketBridge(BypassSockets sockets, ResourceSet.Resource resource) {
        this.sockets = sockets;
        this.index = resource.index();
        this.stack = resource.stack();
        this.commands = resource.commandRing();
    }

    int index() {
        return index;
    }

    void close() {
        closed = true;
    }

    @Override
    public int afterDutyCycle(long nowNs, int work) {
        if (closed) {
            return 0;
        }
        int read = commands.read(this, COMMAND_LIMIT) + retryUdp();
        ConnectQueryClient q = query;
        if (q != null) {
            read += q.poll(stack.nowNs()); // answers, retries and fallbacks: they open connections
        }
        int n = activeCount;
        for (int i = 0; i < n; i++) {
            ConnectionSlot s = active[i];
            active[i] = null;
            s.active = false;
            serve(s);
        }
        // Connections activated while serving (a re-check) wait for the next cycle.
        int later = activeCount - n;
        System.arraycopy(active, n, active, 0, later);
        Arrays.fill(active, later, activeCount, null);
        activeCount = later;
        int told = notifySlotCount + notifyListenCount;
        if (told > 0) {
            wakeAll();
        }
        if (read > 0) {
            commandsRead.lazySet(commandsRead.get() + read);
        }
        if (n > 0) {
            slotsServed.lazySet(slotsServed.get() + n);
        }
        return read + n + told;
    }

    // ------------------------------------------------------------------------------------------ commands

    @Override
    public void onMessage(int type, MutableDirectBuffer buffer, int offset, int length) {
        int id = buffer.getInt(offset + Commands.ID_OFFSET);
        int a = buffer.getInt(offset + Commands.A_OFFSET);
        int b = buffer.getInt(offset + Commands.B_OFFSET);
        int c = buffer.getInt(offset + Commands.C_OFFSET);
        int d = buffer.getInt(offset + Commands.D_OFFSET);
        switch (type) {
            case Commands.CONNECT -> connect(sockets.connections.get(id), a, b, c, d);
            case Commands.DOORBELL -> {
                ConnectionSlot s = sockets.connections.get(id);
                if (s != null) {
                    s.doorbell.set(0); // before serving: a write from now on rings again
                    activate(s);
                }
            }
            case Commands.CLOSE -> {
                ConnectionSlot s = sockets.connections.get(id);
                if (s != null) {
                    s.appClosed = true;
                    s.lingerSeconds = a;
                    activate(s);
                }
            }
            case Commands.SHUTDOWN_OUTPUT -> {
                ConnectionSlot s = sockets.connections.get(id);
                if (s != null) {
                    s.shutdownRequested = true;
                    activate(s);
                }
            }
            case Commands.SET_OPTION -> {
                ConnectionSlot s = sockets.connections.get(id);
                if (s != null && s.connection != null) {
                    applyOption(s.connection, a, b);
                }
            }
            case Commands.LISTEN -> listen(sockets.listeners.get(id), a, b);
            case Commands.UNLISTEN -> unlisten(sockets.listeners.get(id));
            case Commands.ACCEPT_RESUME -> {
                ListenSlot l = sockets.listeners.get(id);
                if (l != null && l.handles[index] != null) {
                    acceptFrom(l.handles[index]);
                }
            }
            case Commands.UDP_BIND -> udpBind(sockets.datagrams.get(id), a);
            case Commands.UDP_CLOSE -> udpClose(sockets.datagrams.get(id));
            case Commands.UDP_DOORBELL -> {
                DatagramSlot u = sockets.datagrams.get(id);
                if (u != null) {
                    u.doorbell.set(index, 0);
                    udpSend(u);
                }
            }
            case Commands.UDP_JOIN -> udpJoin(sockets.datagrams.get(id), a);
            case Commands.UDP_LEAVE -> udpLeave(sockets.datagrams.get(id), a);
            default -> throw new IllegalStateException("unknown socket command " + type + " on resource " + index);
        }
    }

    private static void applyOption(TcpConnection c, int option, int value) {
        switch (option) {
            case Commands.OPTION_NODELAY -> c.noDelay(value != 0);
            case Commands.OPTION_KEEPALIVE -> c.keepAlive(value != 0);
            default -> throw new IllegalStateException("unknown socket option " + option);
        }
    }

    private void connect(ConnectionSlot s, int address, int port, int localPort, int flags) {
        if (s == null) {
            return;
        }
        s.bridge = this;
        if ((flags & Commands.CONNECT_QUERY) != 0) {
            ConnectQueryClient q = query != null ? query : openQuery(s);
            if (q != null) {
                s.connectFlags = flags;
                s.connectLocalPort = localPort;
                q.resolve(address, port, Transport.TCP, localPort, s); // now from the cache, or when answered
                return;
            }
            if (s.state == ConnectionSlot.CLOSED) {
                return; // the query client could not open: the slot says why
            }
        }
        open(s, address, port, localPort, flags);
    }

    /** Where a connect through the query goes: a bypass tuple, or the public tuple itself (fallback). */
    void resolved(ConnectionSlot s, int address, int port, ConnectQueryClient.Outcome outcome) {
        if (s.appClosed || s.released) {
            if (!s.released) {
                release(s); // closed while its query was out
            }
            return;
        }
        if (outcome != ConnectQueryClient.Outcome.FALLBACK) {
            s.resolvedByQuery = true;
            Endpoint r = s.requested;
            if (r == null || r.address().v4() != address || r.port() != port) {
                s.remote = new Endpoint(IpAddress.ofV4(address), port);
            }
        }
        open(s, address, port, s.connectLocalPort, s.connectFlags);
    }

    private void open(ConnectionSlot s, int address, int port, int localPort, int flags) {
        TcpConnection c;
        try {
            c = s.tcpOptions == null ? stack.tcp().connect(address, port, localPort)
                : stack.tcp().connect(address, port, localPort, s.tcpOptions);
        } catch (RuntimeException e) {
            fail(s, e.getMessage());
            return;
        }
        s.connection = c;
        c.noDelay((flags & Commands.CONNECT_NODELAY) != 0);
        if ((flags & Commands.CONNECT_KEEPALIVE) != 0) {
            c.keepAlive(true);
        }
        c.handler(s);
    }

    private void fail(ConnectionSlot s, String why) {
        s.failure = why;
        s.state = ConnectionSlot.CLOSED;
        s.eof = true;
        queueNotify(s);
    }

    /** Opens this resource's connect-query client on first use; null (and {@code s} failed) if it cannot. */
    private ConnectQueryClient openQuery(ConnectionSlot s) {
        BypassSockets.QueryRouting routing = sockets.queryRouting();
        if (routing == null) {
            return null;
        }
        try {
            query = ConnectQueryClient.open(stack, routing.config(), routing.policy());
        } catch (RuntimeException e) {
            fail(s, "cannot open the connect-query client on resource " + index + ": " + e.getMessage());
            return null;
        }
        return query;
    }

    /** This resource's connect-query client, or null before the first connect through the query. */
    ConnectQueryClient queryClient() {
        return query;
    }

    private void listen(ListenSlot l, int port, int backlog) {
        if (l == null) {
            return;
        }
        try {
            TcpListener listener = stack.tcp().listen(port, backlog, l.options);
            ListenSlot.Handle h = new ListenSlot.Handle(l, this);
            l.listeners[index] = listener;
            l.handles[index] = h;
            l.port = listener.port();
            listener.handler(h);
        } catch (RuntimeException e) {
            l.failure = e.getMessage() + " (resource " + index + ")";
        }
        l.answer();
    }

    private void unlisten(ListenSlot l) {
        if (l == null) {
            return;
        }
        TcpListener listener = l.listeners[index];
        if (listener != null) {
            listener.close(); // connections not yet taken are reset
            l.listeners[index] = null;
        }
        l.answer();
    }

    // ---------------------------------------------------------------------------------------------- UDP

    private final org.agrona.concurrent.UnsafeBuffer datagram =
        new org.agrona.concurrent.UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(65536));
    private DatagramSlot[] udpRetry = new DatagramSlot[16];
    private int udpRetryCount;
    /** The groups the datagram sockets joined on this resource, with how many sockets joined each. */
    private int[] memberGroups = new int[8];
    private int[] memberRefs = new int[8];
    /** Per group: the bridge joined it on the stack (false: the stack had joined it already, for someone else). */
    private boolean[] memberOwned = new boolean[8];
    private int memberCount;

    private void udpBind(DatagramSlot d, int port) {
        if (d == null) {
            return;
        }
        try {
            dev.bypass.stack.UdpSocket socket = stack.udp().open(port);
            d.sockets[index] = socket;
            d.port = socket.port();
            socket.handler(sock -> udpReceive(d, sock));
        } catch (RuntimeException e) {
            d.failure = e.getMessage() + " (resource " + index + ")";
        }
        d.answer();
    }

    private void udpClose(DatagramSlot d) {
        if (d == null) {
            return;
        }
        while (d.groupCount[index] > 0) {
            int group = d.groups[index][d.groupCount[index] - 1];
            d.removeGroup(index, group);
            releaseGroup(group);
        }
        if (d.sockets[index] != null) {
            d.sockets[index].close();
            d.sockets[index] = null;
        }
        d.answer();
    }

    /** Joins {@code group} on this resource for socket {@code d}: the stack joins (IGMP report) for the first socket. */
    private void udpJoin(DatagramSlot d, int group) {
        if (d == null) {
            return;
        }
        if (d.sockets[index] == null) {
            d.failure = "the UDP socket is not bound on resource " + index;
        } else if (d.joined(index, group)) {
            d.failure = dev.bypass.stack.addr.IpAddress.v4ToString(group) + " is already joined on resource " + index;
        } else {
            int i = memberIndex(group);
            try {
                if (i < 0) {
                    boolean owned = !stack.igmp().joined(group);
                    stack.igmp().join(group); // may refuse: not a joinable group, the stack's group table full
                    i = addMember(group, owned);
                }
                memberRefs[i]++;
                d.addGroup(index, group);
            } catch (RuntimeException e) {
                d.failure = e.getMessage() + " (resource " + index + ")";
            }
        }
        d.answer();
    }

    private void udpLeave(DatagramSlot d, int group) {
        if (d == null) {
            return;
        }
        if (d.removeGroup(index, group)) {
            releaseGroup(group);
        } else {
            d.failure = dev.bypass.stack.addr.IpAddress.v4ToString(group) + " is not joined on resource " + index;
        }
        d.answer();
    }

    /** One socket fewer in {@code group}: the last one out leaves it on the stack (IGMP leave), if the bridge joined it. */
    private void releaseGroup(int group) {
        int i = memberIndex(group);
        if (i < 0 || --memberRefs[i] > 0) {
            return;
        }
        if (memberOwned[i]) {
            stack.igmp().leave(group);
        }
        memberCount--;
        memberGroups[i] = memberGroups[memberCount];
        memberRefs[i] = memberRefs[memberCount];
        memberOwned[i] = memberOwned[memberCount];
    }

    private int memberIndex(int group) {
        for (int i = 0; i < memberCount; i++) {
            if (memberGroups[i] == group) {
                return i;
            }
        }
        return -1;
    }

    private int addMember(int group, boolean owned) {
        if (memberCount == memberGroups.length) {
            memberGroups = Arrays.copyOf(memberGroups, memberCount * 2);
            memberRefs = Arrays.copyOf(memberRefs, memberCount * 2);
            memberOwned = Arrays.copyOf(memberOwned, memberCount * 2);
        }
        memberGroups[memberCount] = group;
        memberRefs[memberCount] = 0;
        memberOwned[memberCount] = owned;
        return memberCount++;
    }

    /**
     * Datagrams from the stack's socket queue into the channel's receive ring, each with this resource and the
     * address it was sent to; a full ring drops (and counts). A datagram to a group the channel did not join on
     * this resource, or to another address than the one it is bound to, is filtered out (and counted).
     */
    private void udpReceive(DatagramSlot d, dev.bypass.stack.UdpSocket socket) {
        int n;
        boolean any = false;
        int bound = d.localAddress;
        while ((n = socket.receive(datagram, DatagramSlot.RECEIVE_META, datagram.capacity() - DatagramSlot.RECEIVE_META)) >= 0) {
            int destination = socket.lastDestinationAddress();
            if (ResourceRoutes.isMulticast(destination)) {
                if (!d.joined(index, destination) && (bound != 0 || (destination & 0xFFFF_FF00) != 0xE000_0000)) {
                    d.filtered.incrementAndGet();
                    continue;
                }
            } else if (bound != 0 && destination != bound) {
                d.filtered.incrementAndGet();
                continue;
            }
            datagram.putInt(0, socket.lastSourceAddress());
            datagram.putInt(4, socket.lastSourcePort());
            datagram.putInt(8, index);
            datagram.putInt(12, destination);
            if (!d.receive.write(DatagramSlot.MESSAGE, datagram, 0, n + DatagramSlot.RECEIVE_META)) {
                d.receiveRingDrops.incrementAndGet();
            } else {
                any = true;
            }
        }
        if (any) {
            VarHandle.fullFence();
            Thread r = d.readWaiter;
            if (r != null) {
                LockSupport.unpark(r);
                unparks.lazySet(unparks.get() + 1);
            }
        }
    }

    /** This resource's send ring's datagrams out through its socket; one the stack cannot send now waits. */
    private void udpSend(DatagramSlot d) {
        dev.bypass.stack.UdpSocket socket = d.sockets[index];
        org.agrona.concurrent.ringbuffer.OneToOneRingBuffer ring = d.send.get(index);
        if (socket == null || ring == null) {
            return;
        }
        udpSocket = socket;
        udpBlocked = false;
        ring.controlledRead(udpSender);
        udpSocket = null;
        if (udpBlocked && !d.active[index]) {
            d.active[index] = true;
            if (udpRetryCount == udpRetry.length) {
                udpRetry = Arrays.copyOf(udpRetry, udpRetryCount * 2);
            }
            udpRetry[udpRetryCount++] = d;
        }
        VarHandle.fullFence();
        Thread w = d.writeWaiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    private dev.bypass.stack.UdpSocket udpSocket;
    private boolean udpBlocked;
    private final org.agrona.concurrent.ControlledMessageHandler udpSender = (type, buffer, offset, length) -> {
        int from = buffer.getInt(offset + 8);
        int address = buffer.getInt(offset);
        int port = buffer.getInt(offset + 4);
        int data = offset + DatagramSlot.SEND_META;
        int size = length - DatagramSlot.SEND_META;
        boolean sent = from == 0 ? udpSocket.send(address, port, buffer, data, size)
            : udpSocket.sendFrom(from, address, port, buffer, data, size);
        if (!sent) {
            udpBlocked = true;
            return org.agrona.concurrent.ControlledMessageHandler.Action.ABORT;
        }
        return org.agrona.concurrent.ControlledMessageHandler.Action.CONTINUE;
    };

    private DatagramSlot[] udpRetrySpare = new DatagramSlot[16];

    /** Sends again for the UDP sockets whose last send the stack refused (no frame free). */
    private int retryUdp() {
        int n = udpRetryCount;
        if (n == 0) {
            return 0;
        }
        DatagramSlot[] list = udpRetry;
        udpRetry = udpRetrySpare.length >= list.length ? udpRetrySpare : new DatagramSlot[list.length];
        udpRetrySpare = list;
        udpRetryCount = 0;
        for (int i = 0; i < n; i++) {
            DatagramSlot d = list[i];
            list[i] = null;
            d.active[index] = false;
            udpSend(d);
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------ accepts

    /** Hands the listener's established connections to the accept ring while it has room. */
    void acceptFrom(ListenSlot.Handle h) {
        ListenSlot l = h.slot;
        TcpListener listener = l.listeners[index];
        if (listener == null || listener.isClosed()) {
            return;
        }
        int handed = 0;
        while (listener.pending() > 0) {
            int claim = l.acceptRing.tryClaim(ListenSlot.ACCEPT_MESSAGE, 4);
            if (claim < 0) {
                // Full: the connections wait in the listener (its backlog then holds further SYNs off). The
                // accepting thread sees the mark and asks for more; try once more in case it already looked.
                markStalled(l);
                claim = l.acceptRing.tryClaim(ListenSlot.ACCEPT_MESSAGE, 4);
                if (claim < 0) {
                    break;
                }
            }
            TcpConnection c = listener.accept();
            ConnectionSlot s = new ConnectionSlot(l.sendRingBytes, l.receiveRingBytes, null);
            s.bridge = this;
            s.resource = index;
            s.connection = c;
            s.remote = c.remoteEndpoint();
            s.local = c.localEndpoint();
            s.state = ConnectionSlot.CONNECTED;
            int id;
            try {
                id = sockets.connections.add(s);
            } catch (IllegalStateException full) {
                l.acceptRing.abort(claim);
                c.abort();
                continue;
            }
            s.id = id;
            c.handler(s);
            l.acceptRing.buffer().putInt(claim, id);
            l.acceptRing.commit(claim);
            handed++;
        }
        if (handed > 0 && !h.notifyQueued) {
            h.notifyQueued = true;
            if (notifyListenCount == notifyListens.length) {
                notifyListens = Arrays.copyOf(notifyListens, notifyListenCount * 2);
            }
            notifyListens[notifyListenCount++] = h;
        }
    }

    private void markStalled(ListenSlot l) {
        int bit = 1 << (index & 31);
        int old;
        do {
            old = l.stalledMask.get();
        } while ((old & bit) == 0 && !l.stalledMask.compareAndSet(old, old | bit));
    }

    // -------------------------------------------------------------------------------------- connections

    void activate(ConnectionSlot s) {
        if (!s.active) {
            s.active = true;
            if (activeCount == active.length) {
                active = Arrays.copyOf(active, activeCount * 2);
            }
            active[activeCount++] = s;
        }
    }

    private void queueNotify(ConnectionSlot s) {
        if (!s.notifyQueued) {
            s.notifyQueued = true;
            if (notifySlotCount == notifySlots.length) {
                notifySlots = Arrays.copyOf(notifySlots, notifySlotCount * 2);
            }
            notifySlots[notifySlotCount++] = s;
        }
    }

    /** One connection's turn: bytes both ways, half-close, close, state; then tell its waiters. */
    private void serve(ConnectionSlot s) {
        TcpConnection c = s.connection;
        if (c == null) {
            if (s.appClosed) {
                release(s); // an open that failed, now closed
            }
            return;
        }
        boolean changed = s.stateChanged;
        s.stateChanged = false;
        TcpState state = c.state();

        // TCP to the receive ring, while it has room. A full ring leaves the bytes in TCP, whose window closes.
        // The first bytes take the ring from the pool; without bytes a zero-length read still tells the end.
        if (!s.eof && !s.appClosed) {
            SpscByteRing receive = s.receive;
            if (receive == null && c.readableBytes() > 0) {
                receive = sockets.rings.take(s.receiveRingBytes);
                s.receive = receive;
            }
            while (true) {
                int room = receive == null ? 0 : receive.producerContiguous();
                if (room == 0) {
                    if (receive == null) {
                        room = c.read(NO_BYTES, 0, 0);
                        if (room < 0) {
                            s.error = c.error();
                            s.eof = true;
                            changed = true;
                        }
                    } else {
                        // Bytes may wait in TCP, or only the peer's FIN (every byte before it is in the ring):
                        // either way the reader must ring once it makes room, or the end would never be seen.
                        s.receiveStalled = true;
                        VarHandle.fullFence();
                        if (receive.free() > 0) {
                            activate(s); // the reader made room meanwhile: look again next cycle
                        }
                    }
                    break;
                }
                int n = c.read(receive.buffer(), receive.producerIndex(), room);
                if (n > 0) {
                    receive.commitWrite(n);
                    changed = true;
                    continue;
                }
                if (n < 0) {
                    s.error = c.error();
                    s.eof = true;
                    changed = true;
                }
                break;
            }
        }

        // The send ring to TCP, as its buffer allows; what it does not take waits for onWritable. No ring: no
        // write yet.
        SpscByteRing send = s.send;
        if (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT) {
            if (!s.shutdownDone) {
                int available;
                while (send != null && (available = send.consumerContiguous()) > 0) {
                    int n = c.write(send.buffer(), send.consumerIndex(), available);
                    if (n > 0) {
                        send.commitRead(n);
                        changed = true;
                    }
                    if (n < available) {
                        break;
                    }
                }
                if (s.shutdownRequested && s.sendQueued() == 0) {
                    c.shutdownOutput();
                    s.shutdownDone = true;
                }
            }
        } else if (state == TcpState.CLOSED && send != null && send.readable() > 0) {
            send.commitRead(send.consumerContiguous()); // nobody will take them: let a blocked writer see the end
            activate(s);
            changed = true;
        }

        if (state == TcpState.CLOSED && s.state != ConnectionSlot.CLOSED) {
            s.error = c.error();
            if (s.state == ConnectionSlot.CONNECTING && s.resolvedByQuery && query != null) {
                Endpoint asked = s.requested; // that bypass tuple refused or did not answer: ask again next time
                query.invalidate(asked.address().v4(), asked.port(), Transport.TCP);
            }
            s.state = ConnectionSlot.CLOSED;
            changed = true;
        }

        if (s.appClosed) {
            if (s.lingerSeconds == 0) {
                c.handler(null);
                c.abort(); // SO_LINGER 0: reset now, queued data dropped
                release(s);
            } else if (state == TcpState.CLOSED || s.sendQueued() == 0 || !state.isSynchronized()) {
                c.handler(null);
                c.close();
                release(s);
            }
            return;
        }
        if (changed) {
            queueNotify(s);
        }
    }

    /** The connection is done on this side: its id is free again and the poll thread lets go of its rings. */
    private void release(ConnectionSlot s) {
        if (s.released) {
            return; // served once more after its release (it was activated during the turn that released it)
        }
        s.connection = null;
        sockets.connections.remove(s.id, s);
        s.letGo(sockets.rings);
        s.released = true;
        queueNotify(s);
    }

    // ------------------------------------------------------------------------------------------- wakeups

    /** Unparks each waiting thread and signals each selector once for this cycle's events. */
    private void wakeAll() {
        // The rings' counters were stored with release semantics; the waiters' fields are read after them.
        VarHandle.fullFence();
        long woken = 0;
        long signalled = 0;
        for (int i = 0; i < notifySlotCount; i++) {
            ConnectionSlot s = notifySlots[i];
            notifySlots[i] = null;
            s.notifyQueued = false;
            Thread r = s.readWaiter;
            if (r != null) {
                LockSupport.unpark(r);
                woken++;
            }
            Thread w = s.writeWaiter;
            if (w != null && w != r) {
                LockSupport.unpark(w);
                woken++;
            }
            BypassSelectionKey k = s.key;
            if (k != null && k.signal()) {
                signalled++;
            }
        }
        notifySlotCount = 0;
        for (int i = 0; i < notifyListenCount; i++) {
            ListenSlot.Handle h = notifyListens[i];
            notifyListens[i] = null;
            h.notifyQueued = false;
            Thread w = h.slot.waiter;
            if (w != null) {
                LockSupport.unpark(w);
                woken++;
            }
            BypassSelectionKey k = h.slot.key;
            if (k != null && k.signal()) {
                signalled++;
            }
        }
        notifyListenCount = 0;
        if (woken > 0) {
            unparks.lazySet(unparks.get() + woken);
        }
        if (signalled > 0) {
            selectorSignals.lazySet(selectorSignals.get() + signalled);
        }
    }
}
