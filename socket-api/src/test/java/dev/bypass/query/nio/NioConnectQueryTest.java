package dev.bypass.query.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.query.BypassTupleTable;
import dev.bypass.query.BypassTupleTable.Entry;
import dev.bypass.query.BypassTupleTable.PublicTuple;
import dev.bypass.query.ConnectQueryClient.Outcome;
import dev.bypass.query.ConnectQueryResponder;
import dev.bypass.query.QueryCounter;
import dev.bypass.query.QueryCounters;
import dev.bypass.query.SourceRateLimiter;
import dev.bypass.query.Transport;
import dev.bypass.query.TuplePolicy;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NIO client library over loopback: four kernel listening sockets stand for four resources' bypass
 * tuples, and a kernel UDP socket answers queries with the service's own {@link ConnectQueryResponder}.
 * (hw-test's NioConnectQueryOnTapTest runs it against the bypass stack's service over a TAP device.)
 */
class NioConnectQueryTest {
    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private final AtomicReference<BypassTupleTable> table = new AtomicReference<>();
    private final QueryCounters serviceCounters = new QueryCounters("service");
    private DatagramChannel service;
    private Thread responder;
    private PublicTuple publicTuple;
    private InetSocketAddress publicAddress;

    @BeforeEach
    void start() throws IOException {
        BypassTupleTable.Builder b = BypassTupleTable.builder(1);
        for (int k = 0; k < 4; k++) {
            ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 500);
            servers.add(s);
            int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
            if (k == 0) {
                publicTuple = PublicTuple.tcp("127.0.0.1:" + port);
                publicAddress = new InetSocketAddress("127.0.0.1", port);
            }
            b.add(publicTuple, Entry.of("127.0.0.1:" + port, k, 0, true));
        }
        table.set(b.build());
        service = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        ConnectQueryResponder answer = new ConnectQueryResponder(table::get, 2000,
            new SourceRateLimiter(64, 100_000, 100_000), serviceCounters);
        responder = Thread.ofPlatform().name("query-responder").daemon(true).start(() -> {
            ByteBuffer in = ByteBuffer.allocateDirect(2048);
            ByteBuffer out = ByteBuffer.allocateDirect(2048);
            UnsafeBuffer inView = new UnsafeBuffer(in);
            UnsafeBuffer outView = new UnsafeBuffer(out);
            try {
                while (true) {
                    in.clear();
                    InetSocketAddress from = (InetSocketAddress) service.receive(in);
                    int n = answer.answer(inView, 0, in.position(), IpAddress.ofBytes(from.getAddress().getAddress()).v4(), from.getPort(),
                        System.nanoTime(), outView, 0);
                    if (n > 0) {
                        out.clear().limit(n);
                        service.send(out, from);
                    }
                }
            } catch (ClosedChannelException e) {
                // closed by the test: done
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        responder.join(5000);
        for (ServerSocketChannel s : servers) {
            s.close();
        }
    }

    private int servicePort() throws IOException {
        return ((InetSocketAddress) service.getLocalAddress()).getPort();
    }

    private NioConnectQuery.Builder query() throws IOException {
        return NioConnectQuery.builder().servicePort(servicePort()).timeout(Duration.ofMillis(500), 3);
    }

    private int serverIndex(int port) throws IOException {
        for (int k = 0; k < servers.size(); k++) {
            if (((InetSocketAddress) servers.get(k).getLocalAddress()).getPort() == port) {
                return k;
            }
        }
        return -1;
    }

    @Test
    void a_hundred_connections_spread_over_the_four_bypass_tuples() throws Exception {
        int[] perServer = new int[4];
        List<SocketChannel> open = new ArrayList<>();
        try (NioConnectQuery q = query().build()) {
            for (int i = 0; i < 100; i++) {
                SocketChannel ch = q.connect(publicAddress);
                open.add(ch);
                perServer[serverIndex(((InetSocketAddress) ch.getRemoteAddress()).getPort())]++;
            }
            assertEquals(1, q.counters().get(QueryCounter.CLIENT_QUERIES), "one query, then the cache");
            assertEquals(99, q.counters().get(QueryCounter.CLIENT_CACHE_HITS));
        } finally {
            for (SocketChannel ch : open) {
                ch.close();
            }
        }
        assertEquals(List.of(25, 25, 25, 25), java.util.Arrays.stream(perServer).boxed().toList());
        assertEquals(1, serviceCounters.get(QueryCounter.REPLIES));
    }

    @Test
    void the_cache_holds_for_the_ttl_on_the_given_clock() throws Exception {
        AtomicLong now = new AtomicLong(5_000_000_000L);
        try (NioConnectQuery q = query().clock(now::get).build()) {
            assertEquals(Outcome.QUERIED, q.resolve(publicAddress, Transport.TCP, 0).outcome());
            now.addAndGet(1_999_999_999L);
            assertEquals(Outcome.CACHED, q.resolve(publicAddress, Transport.TCP, 0).outcome());
            now.addAndGet(1);
            assertEquals(Outcome.QUERIED, q.resolve(publicAddress, Transport.TCP, 0).outcome());
            assertEquals(2, q.counters().get(QueryCounter.CLIENT_QUERIES));
        }
    }

    @Test
    void a_silent_service_means_the_public_tuple_after_every_attempt() throws Exception {
        int silent;
        try (DatagramChannel probe = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            silent = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        try (NioConnectQuery q = NioConnectQuery.builder().servicePort(silent).timeout(Duration.ofMillis(50), 2).build()) {
            long t0 = System.nanoTime();
            NioConnectQuery.Resolution r = q.resolve(publicAddress, Transport.TCP, 0);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(Outcome.FALLBACK, r.outcome());
            assertEquals(publicAddress, r.target());
            assertTrue(ms >= 95, "two attempts of 50 ms, took " + ms);
            assertEquals(1, q.counters().get(QueryCounter.CLIENT_RETRIES));
            // the hold: no new query for a second
            assertEquals(Outcome.FALLBACK, q.resolve(publicAddress, Transport.TCP, 0).outcome());
            assertEquals(1, q.counters().get(QueryCounter.CLIENT_QUERIES));
            try (SocketChannel ch = q.connect(publicAddress)) {
                assertEquals(publicAddress, ch.getRemoteAddress());
            }
        }
    }

    @Test
    void a_bypass_tuple_that_refuses_falls_back_to_the_public_tuple() throws Exception {
        ServerSocketChannel gone = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        int closedPort = ((InetSocketAddress) gone.getLocalAddress()).getPort();
        gone.close();
        table.set(BypassTupleTable.builder(2).add(publicTuple, Entry.of("127.0.0.1:" + closedPort, 3, 0, true)).build());
        try (NioConnectQuery q = query().build(); SocketChannel ch = q.connect(publicAddress)) {
            assertEquals(publicAddress, ch.getRemoteAddress());
            assertEquals(1, q.counters().get(QueryCounter.CLIENT_FALLBACKS));
        }
    }

    @Test
    void two_hundred_tuples_come_back_whole_over_pages() throws Exception {
        BypassTupleTable.Builder b = BypassTupleTable.builder(3);
        for (int k = 0; k < 200; k++) {
            b.add(publicTuple, new Entry(new Endpoint(IpAddress.ofV4(0xC6_13_00_00 + k), 1000 + k), k % 4, k, true));
        }
        table.set(b.build());
        try (NioConnectQuery q = query().queryBytes(512).build()) {
            List<Entry> got = q.query(publicAddress, Transport.TCP);
            assertEquals(200, got.size());
            for (int k = 0; k < 200; k++) {
                assertEquals(1000 + k, got.get(k).bypassTuple().port());
                assertEquals(k, got.get(k).loadHint());
            }
            assertEquals(6, q.counters().get(QueryCounter.CLIENT_QUERIES), "39 a page");
        }
    }

    @Test
    void client_hash_keeps_a_local_port_on_one_tuple() throws Exception {
        try (NioConnectQuery q = query().policy(TuplePolicy.clientHash()).build()) {
            Map<Integer, Integer> perTuple = new TreeMap<>();
            for (int port = 30000; port < 30400; port++) {
                NioConnectQuery.Resolution r = q.resolve(publicAddress, Transport.TCP, port);
                assertEquals(r.target(), q.resolve(publicAddress, Transport.TCP, port).target());
                perTuple.merge(r.resourceId(), 1, Integer::sum);
            }
            assertEquals(4, perTuple.size(), perTuple::toString);
        }
    }

    @Test
    void a_plain_jvm_without_bypass_flags_runs_the_library() throws Exception {
        // Echo on the four "bypass tuples", for the command line's 16-byte check on each connection.
        List<Thread> echoes = new ArrayList<>();
        for (ServerSocketChannel s : servers) {
            echoes.add(Thread.ofPlatform().daemon(true).start(() -> {
                try {
                    while (true) {
                        SocketChannel c = s.accept();
                        Thread.ofPlatform().daemon(true).start(() -> {
                            try (c) {
                                ByteBuffer b = ByteBuffer.allocate(64);
                                while (c.read(b) >= 0) {
                                    b.flip();
                                    c.write(b);
                                    b.clear();
                                }
                            } catch (IOException e) {
                                // the client closed
                            }
                        });
                    }
                } catch (IOException e) {
                    // the server socket closed: done
                }
            }));
        }
        // No --add-exports: Agrona's buffers would fail at their first use without it.
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
            "dev.bypass.query.nio.NioConnectQuery", "127.0.0.1:" + publicAddress.getPort(), "8",
            Integer.toString(servicePort())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("connections 8 echoed 8 per-port {"), out);
        assertTrue(out.contains("query_client.queries 1;") && out.contains("query_client.cache_hits 7;"), out);
        for (ServerSocketChannel s : servers) {
            assertTrue(out.contains("=2") && out.contains(((InetSocketAddress) s.getLocalAddress()).getPort() + "=2"), out);
        }
    }
}
