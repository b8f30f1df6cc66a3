package dev.bypass.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNic;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.query.BypassTupleTable;
import dev.bypass.query.ConnectQueryClient;
import dev.bypass.query.ConnectQueryService;
import dev.bypass.query.QueryCounter;
import dev.bypass.query.QueryCounters;
import dev.bypass.query.TuplePolicy;
import dev.bypass.socket.BypassServerSocketChannel;
import dev.bypass.socket.BypassSocketChannel;
import dev.bypass.socket.BypassSockets;
import dev.bypass.socket.ResourceChooser;
import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The socket API's connect through the connect query, host to host on the in-memory network: a client
 * {@link BypassHost} of 2 resources connects {@link BypassSocketChannel}s to a server host's public tuple; each
 * connect goes through the query client of the client resource the {@link ResourceChooser} picked, and opens
 * straight to the bypass tuple the {@link TuplePolicy} chose, from that resource.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QueryConnectSocketsTest {
    private static final String SERVER_PUBLIC = "198.18.0.100";
    private static final String CLIENT_PUBLIC = "198.18.0.101";
    private static final int SERVERS = 4;
    private static final int CLIENTS = 2;
    private static final int PORT = 80;
    private static final TcpConfig SMALL = TcpConfig.builder().sendBufferBytes(16 * 1024).receiveBufferBytes(16 * 1024)
        .build();

    private final InMemoryNetwork network = new InMemoryNetwork(SERVERS + CLIENTS);
    private final List<AutoCloseable> closing = new ArrayList<>();
    private BypassHost server;
    private BypassHost client;
    private BypassSockets serverSockets;
    private BypassSockets clientSockets;

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void connects_by_public_tuple_spread_over_every_server_resource_from_every_client_resource() throws Exception {
        startServer(true, 2_000);
        startClient(TuplePolicy.roundRobin(), ConnectQueryClient.Config.DEFAULT);
        BypassServerSocketChannel listener = serverSockets.openServerSocketChannel().bind(PORT, 4096);
        closing.add(listener);
        Endpoint publicTuple = new Endpoint(IpAddress.parse(SERVER_PUBLIC), PORT);

        int total = 2_000;
        int[] clientSide = new int[CLIENTS];
        int[] serverSide = new int[SERVERS];
        List<BypassSocketChannel> clients = new ArrayList<>();
        List<BypassSocketChannel> accepted = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            BypassSocketChannel c = clientSockets.openSocketChannel();
            assertTrue(c.connect(publicTuple, 10_000));
            assertEquals(publicTuple, c.requestedEndpoint());
            assertNotEquals(publicTuple, c.remoteEndpoint(), "connection " + i + " fell back to the public tuple");
            assertEquals(server.resource(resourceOf(server, c.remoteEndpoint())).privateAddress(),
                c.remoteEndpoint().address().v4());
            assertEquals(client.resource(c.resource()).privateAddress(), c.localEndpoint().address().v4(),
                "the connection leaves from its own resource's private address");
            clientSide[c.resource()]++;
            clients.add(c);
            BypassSocketChannel s = listener.accept();
            serverSide[s.resource()]++;
            accepted.add(s);
        }
        System.out.printf("[query-sockets] %d connects by public tuple: client resources %s, server resources %s%n",
            total, Arrays.toString(clientSide), Arrays.toString(serverSide));
        for (int n : clientSide) {
            assertEquals(total / CLIENTS, n, "client resources (round-robin chooser)");
        }
        for (int n : serverSide) {
            assertTrue(Math.abs(n - total / SERVERS) <= total / SERVERS / 10, "server resources: " + Arrays.toString(serverSide));
        }
        long fallbacks = 0;
        long queries = 0;
        long hits = 0;
        for (int r = 0; r < CLIENTS; r++) {
            QueryCounters q = clientSockets.queryCounters(r);
            assertNotNull(q, "client resource " + r + " never opened its query client");
            fallbacks += q.get(QueryCounter.CLIENT_FALLBACKS);
            queries += q.get(QueryCounter.CLIENT_QUERIES);
            hits += q.get(QueryCounter.CLIENT_CACHE_HITS);
        }
        System.out.printf("[query-sockets] queries %d, cache hits %d, fallbacks %d%n", queries, hits, fallbacks);
        assertEquals(0, fallbacks);
        assertTrue(queries >= CLIENTS && queries < 50, "one query per client resource per TTL, got " + queries);
        assertTrue(hits > total - 50, "cache hits " + hits);

        // Bytes both ways on a sample of the connections, on every resource pair.
        for (int i = 0; i < total; i += 97) {
            echo(clients.get(i), accepted.get(i), i);
        }
        for (BypassSocketChannel c : clients) {
            c.close();
        }
        for (BypassSocketChannel s : accepted) {
            s.close();
        }
    }

    @Test
    void a_resource_whose_link_goes_down_mid_run_gets_no_new_connections_and_the_others_keep_moving_bytes()
            throws Exception {
        AtomicReference<BypassTupleTable> tables = startServer(true, 300);
        startClient(TuplePolicy.roundRobin(), ConnectQueryClient.Config.DEFAULT);
        BypassServerSocketChannel listener = serverSockets.openServerSocketChannel().bind(PORT, 4096);
        closing.add(listener);
        Endpoint publicTuple = new Endpoint(IpAddress.parse(SERVER_PUBLIC), PORT);
        List<BypassSocketChannel[]> healthy = new ArrayList<>();
        List<BypassSocketChannel[]> onDown = new ArrayList<>();
        int down = 2;
        for (int i = 0; i < 200; i++) {
            BypassSocketChannel c = clientSockets.openSocketChannel();
            assertTrue(c.connect(publicTuple, 10_000));
            BypassSocketChannel s = listener.accept();
            (s.resource() == down ? onDown : healthy).add(new BypassSocketChannel[] {c, s});
        }
        assertEquals(50, onDown.size());

        // Round trips on every connection of the other resources, in a loop, while resource 2's link drops.
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong verified = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong passes = new java.util.concurrent.atomic.AtomicLong();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread traffic = new Thread(() -> {
            try {
                for (long pass = 0; !stop.get(); pass++) {
                    for (BypassSocketChannel[] pair : healthy) {
                        verified.addAndGet(roundTrip(pair[0], pair[1], pass));
                    }
                    passes.incrementAndGet();
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        }, "traffic");
        traffic.start();
        while (passes.get() < 2 && failed.get() == null) {
            Thread.sleep(5);
        }
        InMemoryNic downNic = (InMemoryNic) server.resource(down).stack().device();
        downNic.linkUp(false);
        tables.set(server.tupleTable(2, PORT)); // the control path republishes: resource 2 is not healthy
        assertTrue(server.bypassTuples(PORT).stream().noneMatch(t -> t.resource() == down && t.healthy()));
        long passesAtDown = passes.get();
        Thread.sleep(350); // one TTL: every client cache has let go of the old table
        int[] landed = new int[SERVERS];
        List<BypassSocketChannel[]> later = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            BypassSocketChannel c = clientSockets.openSocketChannel();
            assertTrue(c.connect(publicTuple, 10_000));
            BypassSocketChannel s = listener.accept();
            landed[s.resource()]++;
            later.add(new BypassSocketChannel[] {c, s});
        }
        while (passes.get() < passesAtDown + 3 && failed.get() == null) {
            Thread.sleep(5);
        }
        stop.set(true);
        traffic.join(30_000);
        if (failed.get() != null) {
            throw new AssertionError("traffic on the healthy resources failed", failed.get());
        }
        System.out.printf("[query-sockets] link of resource %d down mid-run: next 120 connections %s; %d round-trip"
            + " passes over %d connections on the others, %d bytes checked%n", down, Arrays.toString(landed),
            passes.get(), healthy.size(), verified.get());
        assertEquals(0, landed[down], Arrays.toString(landed));
        assertEquals(120, landed[0] + landed[1] + landed[3]);
        assertTrue(passes.get() >= passesAtDown + 3, "the other resources' connections stopped moving bytes");

        // The link comes back: resource 2's own connections resume where they stood, byte-exact.
        downNic.linkUp(true);
        for (BypassSocketChannel[] pair : onDown) {
            roundTrip(pair[0], pair[1], 7);
        }
        for (List<BypassSocketChannel[]> list : List.of(healthy, onDown, later)) {
            for (BypassSocketChannel[] pair : list) {
                pair[0].close();
                pair[1].close();
            }
        }
    }

    @Test
    void least_loaded_follows_the_hosts_load_hints() throws Exception {
        AtomicReference<BypassTupleTable> tables = startServer(true, 300);
        startClient(TuplePolicy.leastLoaded(), ConnectQueryClient.Config.DEFAULT);
        BypassServerSocketChannel listener = serverSockets.openServerSocketChannel().bind(PORT, 4096);
        closing.add(listener);

        // Load resources 0 and 1 with direct connections to their bypass tuples (not through the query).
        int[] preload = {120, 60, 0, 0};
        List<BypassSocketChannel> kept = new ArrayList<>();
        for (int r = 0; r < SERVERS; r++) {
            Endpoint tuple = new Endpoint(IpAddress.ofV4(server.resource(r).privateAddress()), PORT);
            for (int i = 0; i < preload[r]; i++) {
                BypassSocketChannel c = clientSockets.openSocketChannel();
                assertTrue(c.connect(tuple, 10_000));
                kept.add(c);
                kept.add(listener.accept());
            }
        }
        tables.set(server.tupleTable(2, PORT)); // hints 120, 60, 0, 0
        Thread.sleep(350); // past the first table's TTL (300 ms) in every client cache

        // Within one TTL, least-loaded takes only the lowest hints (2 and 3, in turn).
        Endpoint publicTuple = new Endpoint(IpAddress.parse(SERVER_PUBLIC), PORT);
        int[] landed = new int[SERVERS];
        for (int i = 0; i < 100; i++) {
            BypassSocketChannel c = clientSockets.openSocketChannel();
            assertTrue(c.connect(publicTuple, 10_000));
            landed[resourceOf(server, c.remoteEndpoint())]++;
            kept.add(c);
            kept.add(listener.accept());
        }
        System.out.printf("[query-sockets] least-loaded with hints 120/60/0/0: %s%n", Arrays.toString(landed));
        assertEquals(0, landed[0], Arrays.toString(landed));
        assertEquals(0, landed[1], Arrays.toString(landed));
        assertEquals(50, landed[2], Arrays.toString(landed));
        assertEquals(50, landed[3], Arrays.toString(landed));

        // The host republishes: hints now 120, 60, 50, 50 (connections counted on each poll thread): resource 0
        // is still the most loaded and gets nothing; the next connections go to 2 and 3 again.
        tables.set(server.tupleTable(3, PORT));
        List<BypassHost.BypassTuple> now = server.bypassTuples(PORT);
        assertEquals(List.of(120, 60, 50, 50), now.stream().map(BypassHost.BypassTuple::loadHint).toList());
        Thread.sleep(350);
        int[] next = new int[SERVERS];
        for (int i = 0; i < 20; i++) {
            BypassSocketChannel c = clientSockets.openSocketChannel();
            assertTrue(c.connect(publicTuple, 10_000));
            next[resourceOf(server, c.remoteEndpoint())]++;
            kept.add(c);
            kept.add(listener.accept());
        }
        System.out.printf("[query-sockets] least-loaded with hints 120/60/50/50: %s%n", Arrays.toString(next));
        assertEquals(0, next[0] + next[1], Arrays.toString(next));
        assertEquals(20, next[2] + next[3], Arrays.toString(next));
        for (BypassSocketChannel c : kept) {
            c.close();
        }
    }

    @Test
    void a_bypass_tuple_that_refuses_makes_the_next_connect_ask_again() throws Exception {
        AtomicReference<BypassTupleTable> tables = startServer(true, 60_000);
        tables.set(server.tupleTable(2, PORT, PORT + 1)); // port 81 is offered, but nobody listens there
        startClient(TuplePolicy.roundRobin(), ConnectQueryClient.Config.DEFAULT);
        clientSockets.chooser(ResourceChooser.FIRST);
        Endpoint nobody = new Endpoint(IpAddress.parse(SERVER_PUBLIC), PORT + 1);
        for (int attempt = 1; attempt <= 3; attempt++) {
            BypassSocketChannel c = clientSockets.openSocketChannel();
            java.net.ConnectException e = org.junit.jupiter.api.Assertions.assertThrows(java.net.ConnectException.class,
                () -> c.connect(nobody, 10_000));
            assertTrue(e.getMessage().contains("refused"), e.getMessage());
            c.close();
            // Each refusal forgets the cached answer (TTL 60 s): every attempt asks again.
            assertEquals(attempt, clientSockets.queryCounters(0).get(QueryCounter.CLIENT_QUERIES), "attempt " + attempt);
            assertEquals(0, clientSockets.queryCounters(0).get(QueryCounter.CLIENT_CACHE_HITS));
        }
    }

    @Test
    void with_no_query_service_the_connect_falls_back_to_the_public_tuple() throws Exception {
        startServer(false, 2_000);
        startClient(TuplePolicy.roundRobin(),
            ConnectQueryClient.Config.DEFAULT.withTimeout(TimeUnit.MILLISECONDS.toNanos(50), 2));
        BypassServerSocketChannel listener = serverSockets.openServerSocketChannel().bind(PORT, 64);
        closing.add(listener);
        Endpoint publicTuple = new Endpoint(IpAddress.parse(SERVER_PUBLIC), PORT);
        long start = System.nanoTime();
        BypassSocketChannel c = clientSockets.openSocketChannel();
        assertTrue(c.connect(publicTuple, 10_000));
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(publicTuple, c.remoteEndpoint(), "no service: the public tuple itself");
        BypassSocketChannel s = listener.accept();
        assertEquals(0, s.resource(), "the public resource accepts the public tuple");
        echo(c, s, 0);
        QueryCounters q = clientSockets.queryCounters(c.resource());
        assertEquals(1, q.get(QueryCounter.CLIENT_FALLBACKS));
        assertEquals(1, q.get(QueryCounter.CLIENT_RETRIES), "asked twice (2 attempts), then fell back");
        assertTrue(waitedMs >= 100, "the fallback came before the two 50 ms attempts ran out: " + waitedMs + " ms");
        c.close();
        s.close();
    }

    @Test
    void a_connect_to_an_address_outside_the_query_filter_goes_straight_there() throws Exception {
        startServer(true, 2_000);
        startClient(TuplePolicy.roundRobin(), ConnectQueryClient.Config.DEFAULT);
        clientSockets.connectQuery(ConnectQueryClient.Config.DEFAULT, TuplePolicy.roundRobin(),
            a -> a == IpAddress.parse("198.18.0.99").v4()); // not the server's public IP
        BypassServerSocketChannel listener = serverSockets.openServerSocketChannel().bind(PORT, 64);
        closing.add(listener);
        Endpoint publicTuple = new Endpoint(IpAddress.parse(SERVER_PUBLIC), PORT);
        BypassSocketChannel c = clientSockets.openSocketChannel();
        assertTrue(c.connect(publicTuple, 10_000));
        assertEquals(publicTuple, c.remoteEndpoint());
        BypassSocketChannel s = listener.accept();
        assertEquals(0, s.resource());
        assertEquals(null, clientSockets.queryCounters(c.resource()), "no query client was opened");
        c.close();
        s.close();
    }

    // ------------------------------------------------------------------------------------------ helpers

    private AtomicReference<BypassTupleTable> startServer(boolean query, long ttlMs) {
        BypassHost.Builder b = BypassHost.builder(SERVER_PUBLIC).privatePool("198.18.0.0/24")
            .stackConfig(c -> c.tcp(SMALL)).idleStrategy(QueryConnectSocketsTest::idle);
        for (int i = 0; i < SERVERS; i++) {
            b.resource("s" + i, network.connect(InMemoryNicConfig.builder("s" + i, MacAddress.local(10 + i))
                .poolFrames(4096).build()));
        }
        server = b.start();
        closing.add(server);
        serverSockets = BypassSockets.open(server.resourceSet());
        closing.add(serverSockets);
        AtomicReference<BypassTupleTable> tables = new AtomicReference<>(server.tupleTable(1, PORT));
        if (query) {
            server.startConnectQuery(new ConnectQueryService.Config(ConnectQueryService.Config.DEFAULT.port(), ttlMs,
                10_000, 1000, 4096), tables);
        }
        return tables;
    }

    private void startClient(TuplePolicy policy, ConnectQueryClient.Config config) {
        BypassHost.Builder b = BypassHost.builder(CLIENT_PUBLIC).privatePool("198.18.0.0/24")
            .stackConfig(c -> c.tcp(SMALL)).idleStrategy(QueryConnectSocketsTest::idle);
        for (int i = 0; i < CLIENTS; i++) {
            b.resource("c" + i, network.connect(InMemoryNicConfig.builder("c" + i, MacAddress.local(50 + i))
                .poolFrames(4096).build()), "198.18.0." + (200 + i) + "/24");
        }
        client = b.start();
        closing.add(client);
        int serverPublic = IpAddress.parse(SERVER_PUBLIC).v4();
        clientSockets = BypassSockets.open(client.resourceSet()).chooser(ResourceChooser.roundRobin())
            .connectQuery(config, policy, a -> a == serverPublic);
        closing.add(clientSockets);
    }

    /** Six poll threads on two cores: back off to sleeping when idle. */
    private static BackoffIdleStrategy idle() {
        return new BackoffIdleStrategy(1, 10, 1_000, 100_000);
    }

    private int resourceOf(BypassHost host, Endpoint remote) {
        for (BypassHost.Resource r : host.resources()) {
            if (r.privateAddress() == remote.address().v4()) {
                return r.id();
            }
        }
        throw new AssertionError(remote + " is no bypass tuple of the server");
    }

    /** 1 KiB from the client, echoed by the server, checked byte by byte; returns the bytes checked. */
    private static long roundTrip(BypassSocketChannel c, BypassSocketChannel s, long pass) throws Exception {
        ByteBuffer out = ByteBuffer.allocate(1024);
        for (int i = 0; i < 1024; i++) {
            out.put((byte) (i * 31 + pass));
        }
        c.write(out.flip());
        ByteBuffer mid = ByteBuffer.allocate(1024);
        while (mid.hasRemaining()) {
            if (s.read(mid) < 0) {
                throw new AssertionError("server end closed");
            }
        }
        s.write(mid.flip());
        ByteBuffer back = ByteBuffer.allocate(1024);
        while (back.hasRemaining()) {
            if (c.read(back) < 0) {
                throw new AssertionError("client end closed");
            }
        }
        for (int i = 0; i < 1024; i++) {
            if (back.get(i) != (byte) (i * 31 + pass)) {
                throw new AssertionError("byte " + i + " of pass " + pass + " differs");
            }
        }
        return 1024;
    }

    private static void echo(BypassSocketChannel c, BypassSocketChannel s, int i) throws Exception {
        byte[] text = ("hello " + i).getBytes();
        c.write(ByteBuffer.wrap(text));
        ByteBuffer in = ByteBuffer.allocate(64);
        while (in.position() < text.length) {
            s.read(in);
        }
        s.write(in.flip());
        ByteBuffer back = ByteBuffer.allocate(64);
        while (back.position() < text.length) {
            c.read(back);
        }
        assertEquals("hello " + i, new String(back.array(), 0, back.position()));
    }
}
