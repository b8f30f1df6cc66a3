package dev.bypass.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.host.BypassHost;
import dev.bypass.host.PollLoop;
import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6: readiness costs O(ready sockets), not O(open sockets), with 100,000 idle connected sockets open. A
 * server {@link BypassHost} of two in-memory resources listens on two ports through the ring socket API; a client
 * host (one stack, its own poll thread) opens 100,000 connections to the four bypass tuples, all ESTABLISHED and
 * accepted. Every client channel is registered with one {@link BypassSelector} for OP_READ: a select finds nothing
 * and looks at no key; the server writes to 10 chosen connections and the selects find exactly those 10, looking
 * at a number of keys of the order of 10, and read their bytes back exactly. An idle connection holds no ring
 * (the pools lent none); its memory, both ends, is measured and printed. Everything closed, every id, key and
 * TCP connection is free again.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class IdleConnectedSocketsTest {
    private static final int CONNECTIONS = 100_000;
    private static final int SERVER_RESOURCES = 2;
    private static final int[] PORTS = {7, 8};
    /** SO_SNDBUF and SO_RCVBUF of every socket: rings (when taken) and TCP buffers. */
    private static final int BUFFER_BYTES = 1024;
    private static final int BATCH = 2000;
    private static final int ACTIVE = 10;

    private final InMemoryNetwork network = new InMemoryNetwork(SERVER_RESOURCES + 1);
    private BypassHost host;
    private PollLoop clientLoop;
    private BypassSockets serverSockets;
    private BypassSockets clientSockets;

    @AfterEach
    void close() {
        if (clientSockets != null) {
            clientSockets.close();
        }
        if (serverSockets != null) {
            serverSockets.close();
        }
        if (clientLoop != null) {
            clientLoop.close();
        }
        if (host != null) {
            host.close();
        }
    }

    @Test
    void a_hundred_thousand_idle_connected_sockets_cost_a_select_nothing_and_hold_no_ring() throws Exception {
        long started = System.nanoTime();
        Memory before = Memory.now();

        BypassHost.Builder b = BypassHost.builder("198.18.0.100").privatePool("198.18.0.0/24")
            .stackConfig(c -> c.tcp(TcpConfig.builder().maxConnections(CONNECTIONS / SERVER_RESOURCES + 4096).build()));
        for (int i = 0; i < SERVER_RESOURCES; i++) {
            b.resource("r" + i, network.connect(InMemoryNicConfig.builder("r" + i, MacAddress.local(10 + i))
                .poolFrames(8192).build()));
        }
        host = b.start();
        serverSockets = BypassSockets.open(host.resourceSet());
        NetworkStack clientStack = new NetworkStack(StackConfig.builder().name("client").address("198.18.0.200/24")
            .tcp(TcpConfig.builder().maxConnections(CONNECTIONS + 4096).ephemeralPorts(1024, 65535).build()).build(),
            network.connect(InMemoryNicConfig.builder("client", MacAddress.local(99)).poolFrames(8192).build()));
        clientLoop = PollLoop.start(clientStack, "client");
        clientSockets = BypassSockets.open(ResourceSet.single(clientStack, clientLoop));

        List<BypassServerSocketChannel> listeners = new ArrayList<>();
        for (int port : PORTS) {
            listeners.add(serverSockets.openServerSocketChannel()
                .setOption(StandardSocketOptions.SO_SNDBUF, BUFFER_BYTES)
                .setOption(StandardSocketOptions.SO_RCVBUF, BUFFER_BYTES)
                .bind(port, 4096).configureBlocking(false));
        }
        List<Endpoint> targets = new ArrayList<>();
        for (int port : PORTS) {
            for (BypassHost.Resource r : host.resources()) {
                targets.add(new Endpoint(IpAddress.ofV4(r.privateAddress()), port));
            }
        }
        BypassSelector selector = clientSockets.openSelector();
        Memory empty = Memory.now();

        // 100,000 connections, in batches: connect without blocking, wait for each, take the server's side.
        List<BypassSocketChannel> clients = new ArrayList<>(CONNECTIONS);
        List<BypassSocketChannel> accepted = new ArrayList<>(CONNECTIONS);
        List<BypassSocketChannel> batch = new ArrayList<>(BATCH);
        for (int done = 0; done < CONNECTIONS; done += BATCH) {
            batch.clear();
            for (int i = done; i < done + BATCH; i++) {
                BypassSocketChannel c = clientSockets.openSocketChannel().configureBlocking(false)
                    .setOption(StandardSocketOptions.SO_SNDBUF, BUFFER_BYTES)
                    .setOption(StandardSocketOptions.SO_RCVBUF, BUFFER_BYTES);
                assertFalse(c.connect(targets.get(i % targets.size())));
                batch.add(c);
            }
            for (BypassSocketChannel c : batch) {
                c.configureBlocking(true);
                assertTrue(c.finishConnect(), "connection established");
                c.configureBlocking(false);
                clients.add(c);
            }
            acceptUntil(listeners, accepted, done + BATCH);
        }
        long connectedNs = System.nanoTime() - started;
        assertEquals(CONNECTIONS, clientSockets.openConnections());
        assertEquals(CONNECTIONS, serverSockets.openConnections());
        assertEquals(CONNECTIONS, (int) clientLoop.call(() -> clientStack.tcp().connectionCount()));

        for (BypassSocketChannel c : clients) {
            c.register(selector, BypassSelectionKey.OP_READ, null);
        }
        assertEquals(CONNECTIONS, selector.keyCount());
        Thread.sleep(200); // any late event of the handshakes would show now
        long examinedBefore = selector.keysExamined();
        long entriesBefore = selector.ringEntriesRead();
        assertEquals(0, selector.selectNow(), "no idle socket is ready");
        assertEquals(0, selector.keysExamined() - examinedBefore, "keys examined by a select over idle sockets");
        assertEquals(0, selector.ringEntriesRead() - entriesBefore, "readiness signals of idle sockets");
        assertEquals(0, selector.select(50), "still none after 50 ms");
        assertEquals(0, clientSockets.selectorSignals(), "readiness signals of the poll thread for idle sockets");

        // No idle connection holds a ring: the pools lent none and allocated none.
        assertEquals(0, clientSockets.ringsInUse() + serverSockets.ringsInUse(), "rings held by idle sockets");
        assertEquals(0, clientSockets.ringsAllocated() + serverSockets.ringsAllocated(), "rings allocated");
        Memory idle = Memory.now();
        long sockets = 2L * CONNECTIONS; // both ends are bypass sockets in this JVM
        long direct = idle.direct - empty.direct;
        long heap = idle.heap - empty.heap;
        long allIn = idle.direct + idle.heap - before.direct - before.heap;
        System.out.printf("[idle100k] %,d connections (%,d sockets) established, accepted and registered in %.1f s;"
                + " per idle connected socket: %,d bytes direct + %,d bytes heap = %,d bytes (%,d all in, with the"
                + " stacks' connection pools sized for them)%n", CONNECTIONS, sockets, connectedNs / 1e9,
            direct / sockets, heap / sockets, (direct + heap) / sockets, allIn / sockets);
        assertTrue(direct / sockets <= 3 * BUFFER_BYTES, "direct bytes per idle socket " + direct / sockets
            + ": more than its TCP buffers (a ring of " + BUFFER_BYTES + " would add " + BUFFER_BYTES + ")");
        assertTrue(allIn / sockets <= 16 * 1024, "bytes per idle socket, all in: " + allIn / sockets);

        // The server writes to 10 connections: the selects find exactly those, looking at O(10) keys.
        Random random = new Random(6);
        Map<String, BypassSocketChannel> byTuple = new HashMap<>();
        for (BypassSocketChannel s : accepted) {
            byTuple.put(s.localEndpoint() + " " + s.remoteEndpoint(), s);
        }
        Map<BypassSocketChannel, byte[]> sent = new IdentityHashMap<>();
        while (sent.size() < ACTIVE) {
            BypassSocketChannel c = clients.get(random.nextInt(CONNECTIONS));
            if (sent.containsKey(c)) {
                continue;
            }
            BypassSocketChannel peer = byTuple.get(c.remoteEndpoint() + " " + c.localEndpoint());
            byte[] message = new byte[100 + sent.size()];
            random.nextBytes(message);
            assertEquals(message.length, peer.write(ByteBuffer.wrap(message)));
            sent.put(c, message);
        }
        // Wait for the poll thread's signals (one per written socket), then one select takes them all.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (clientSockets.selectorSignals() < ACTIVE && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        Thread.sleep(20);
        examinedBefore = selector.keysExamined();
        entriesBefore = selector.ringEntriesRead();
        long selectStarted = System.nanoTime();
        int ready = selector.selectNow();
        long selectNs = System.nanoTime() - selectStarted;
        long examined = selector.keysExamined() - examinedBefore;
        long entries = selector.ringEntriesRead() - entriesBefore;
        Set<BypassSelectionKey> found = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (BypassSelectionKey k : selector.selectedKeys()) {
            assertTrue(sent.containsKey((BypassSocketChannel) k.channel()), "selected an idle socket: " + k);
            assertTrue(k.isReadable());
            found.add(k);
        }
        selector.selectedKeys().clear();
        System.out.printf("[idle100k] %d sockets written among %,d idle: one select found exactly them in %,d ns,"
            + " reading %d ring entries and examining %d keys (poll thread signals: %d)%n", ACTIVE, CONNECTIONS,
            selectNs, entries, examined, clientSockets.selectorSignals());
        assertEquals(ACTIVE, ready, "sockets found readable");
        assertEquals(ACTIVE, found.size(), "sockets found readable");
        assertEquals(ACTIVE, clientSockets.selectorSignals(), "signals: one per written socket");
        assertEquals(ACTIVE, entries, "ring entries read for " + ACTIVE + " ready sockets");
        assertEquals(ACTIVE, examined, "keys examined for " + ACTIVE + " ready sockets");
        // Level-triggered: the next select looks again at those 10, and only at them.
        examinedBefore = selector.keysExamined();
        assertEquals(ACTIVE, selector.selectNow(), "still readable");
        assertEquals(ACTIVE, selector.keysExamined() - examinedBefore, "keys examined again");
        selector.selectedKeys().clear();
        for (BypassSelectionKey k : found) {
            BypassSocketChannel c = (BypassSocketChannel) k.channel();
            byte[] message = sent.get(c);
            ByteBuffer in = ByteBuffer.allocate(message.length + 1);
            assertEquals(message.length, c.read(in), "bytes read from " + c);
            assertArrayEquals(message, java.util.Arrays.copyOf(in.array(), in.position()));
        }
        // Only the written connections hold rings: the servers' send rings and the clients' receive rings.
        assertEquals(ACTIVE, serverSockets.ringsInUse(), "server rings in use");
        assertEquals(ACTIVE, clientSockets.ringsInUse(), "client rings in use");
        assertEquals(0, selector.selectNow(), "the read sockets are drained");

        // Close everything: every id, key, ring and TCP connection is free again.
        for (BypassSocketChannel c : clients) {
            c.setOption(StandardSocketOptions.SO_LINGER, 0).close();
        }
        for (BypassSocketChannel s : accepted) {
            s.setOption(StandardSocketOptions.SO_LINGER, 0).close();
        }
        for (BypassServerSocketChannel l : listeners) {
            l.close();
        }
        assertEquals(0, selector.keyCount(), "selector keys left");
        deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && (clientSockets.openConnections() > 0
            || serverSockets.openConnections() > 0 || tcpConnections(clientStack) > 0)) {
            Thread.sleep(10);
        }
        assertEquals(0, clientSockets.openConnections(), "client socket ids left");
        assertEquals(0, serverSockets.openConnections(), "server socket ids left");
        assertEquals(0, serverSockets.listeners.size(), "server socket ids left");
        assertEquals(0, clientSockets.ringsInUse() + serverSockets.ringsInUse(), "rings not given back");
        assertEquals(2L * ACTIVE, clientSockets.ringsFree() + serverSockets.ringsFree(), "rings back in the pools");
        assertEquals(0, tcpConnections(clientStack), "client TCP connections left");
        for (BypassHost.Resource r : host.resources()) {
            assertEquals(0, tcpConnections(r.stack(), r.loop()), "TCP connections left on " + r.name());
        }
        selector.close();
        System.out.printf("[idle100k] whole test %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    /** Accepts from every listener until {@code total} connections are accepted in all. */
    private static void acceptUntil(List<BypassServerSocketChannel> listeners, List<BypassSocketChannel> accepted,
                                    int total) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (accepted.size() < total) {
            boolean any = false;
            for (BypassServerSocketChannel l : listeners) {
                BypassSocketChannel s;
                while ((s = l.accept()) != null) {
                    s.configureBlocking(false);
                    accepted.add(s);
                    any = true;
                }
            }
            if (!any) {
                assertTrue(System.nanoTime() < deadline, "accepted " + accepted.size() + " of " + total + " in 30 s");
                LockSupport.parkNanos(100_000);
            }
        }
    }

    private int tcpConnections(NetworkStack stack) {
        return tcpConnections(stack, clientLoop);
    }

    private static int tcpConnections(NetworkStack stack, PollLoop loop) {
        return loop.call(() -> stack.tcp().connectionCount());
    }

    /** Direct and heap memory in use after a full collection. */
    private record Memory(long direct, long heap) {
        static Memory now() {
            for (int i = 0; i < 2; i++) {
                System.gc();
            }
            long direct = 0;
            for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                if (pool.getName().equals("direct")) {
                    direct = pool.getMemoryUsed();
                }
            }
            return new Memory(direct, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
    }
}
