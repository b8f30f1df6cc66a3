package dev.bypass.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.host.Simulation;
import dev.bypass.nic.capture.PcapDevice;
import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.query.BypassTupleTable.Entry;
import dev.bypass.query.BypassTupleTable.PublicTuple;
import dev.bypass.query.ConnectQueryClient.Outcome;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.UdpSocket;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.NetworkDevice;
import dev.bypass.stack.query.ConnectQueryMessage;
import dev.bypass.testing.CaptureCheck;
import dev.bypass.testing.Environment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In memory, in virtual time: a server of four resources (four stacks 198.18.0.11..14, the first also
 * answering for the public IP 198.18.0.100 as its second address, and connect queries on it, from a
 * hand-built {@link BypassTupleTable} —
 * the host branch builds these for real), a client stack 198.18.0.2 that queries, chooses and connects,
 * and a third stack 198.18.0.66 that plays a spoofer.
 */
class ConnectQueryEndToEndTest {
    static final String PUBLIC_IP = "198.18.0.100";
    static final int PUBLIC = IpAddress.parse(PUBLIC_IP).v4();
    static final int PORT = 80;
    static final PublicTuple WEB = PublicTuple.tcp(PUBLIC_IP + ":" + PORT);
    static final long MS = 1_000_000L;

    @TempDir
    Path tmp;

    final class World {
        final NetworkStack[] servers = new NetworkStack[4];
        final TcpListener[] listeners = new TcpListener[4];
        final int[] accepted = new int[4];
        final NetworkStack client;
        final NetworkStack spoofer;
        final Simulation sim = new Simulation(0);
        final AtomicReference<BypassTupleTable> table = new AtomicReference<>();
        final ConnectQueryService service;
        final ConnectQueryClient queries;
        final List<TcpConnection> connections = new ArrayList<>();
        final int[] outcomes = new int[Outcome.values().length];
        PcapDevice capture;

        World(ConnectQueryClient.Config clientConfig, TuplePolicy policy, NonceSource nonces, Path pcap) throws Exception {
            this(clientConfig, policy, nonces, pcap, ConnectQueryService.Config.DEFAULT);
        }

        World(ConnectQueryClient.Config clientConfig, TuplePolicy policy, NonceSource nonces, Path pcap,
              ConnectQueryService.Config serviceConfig) throws Exception {
            InMemoryNetwork net = new InMemoryNetwork(6);
            for (int k = 0; k < 4; k++) {
                NetworkDevice nic = net.connect(InMemoryNicConfig.builder("r" + k, MacAddress.local(10 + k)).build());
                if (k == 0 && pcap != null) {
                    nic = capture = new PcapDevice(nic, pcap, 1_700_000_000_000_000_000L);
                }
                StackConfig.Builder config = StackConfig.builder().name("r" + k).address("198.18.0." + (11 + k) + "/24")
                    .secretSeed(k + 1);
                if (k == 0) {
                    config.publicAddress(PUBLIC_IP); // replies must come from it: the client takes no other
                }
                servers[k] = new NetworkStack(config.build(), nic);
                sim.add(servers[k]);
                listeners[k] = servers[k].tcp().listen(PORT, 1024);
            }
            client = new NetworkStack(StackConfig.builder().name("client").address("198.18.0.2/24").secretSeed(9).build(),
                net.connect(InMemoryNicConfig.builder("c", MacAddress.local(2)).build()));
            spoofer = new NetworkStack(StackConfig.builder().name("spoofer").address("198.18.0.66/24").secretSeed(7).build(),
                net.connect(InMemoryNicConfig.builder("s", MacAddress.local(66)).build()));
            sim.add(client).add(spoofer);
            table.set(table(1, 0, 0, 0, 0));
            service = ConnectQueryService.start(servers[0], serviceConfig, table::get);
            queries = ConnectQueryClient.open(client, clientConfig, policy, new QueryCounters("client"), nonces);
            sim.everyStep(() -> {
                queries.poll(sim.nowNs());
                for (int k = 0; k < 4; k++) {
                    TcpConnection c;
                    while ((c = listeners[k].accept()) != null) {
                        accepted[k]++;
                    }
                }
            });
        }

        /** Resolves the public tuple and connects where told; returns at once (the connect happens in the callback). */
        void connect() {
            queries.resolve(PUBLIC, PORT, Transport.TCP, 0, (pa, pp, address, port, resource, outcome) -> {
                outcomes[outcome.ordinal()]++;
                connections.add(client.tcp().connect(address, port, 0));
            });
        }

        /** Resolves the public tuple without connecting. */
        void resolveOnly() {
            queries.resolve(PUBLIC, PORT, Transport.TCP, 0, (pa, pp, address, port, resource, outcome) ->
                outcomes[outcome.ordinal()]++);
        }

        /**
         * Runs {@code ns} of virtual time in 1 ms steps: the simulation knows the stacks' deadlines, not the
         * client's (retries, timeouts), so each millisecond gives {@link ConnectQueryClient#poll} its turn.
         */
        void runFor(long ns) {
            for (long left = ns; left > 0; left -= MS) {
                sim.runFor(Math.min(MS, left));
            }
        }

        boolean allEstablished() {
            for (TcpConnection c : connections) {
                if (c.state() != TcpState.ESTABLISHED) {
                    return false;
                }
            }
            return true;
        }

        long q(QueryCounter c) {
            return queries.counters().get(c);
        }

        long s(QueryCounter c) {
            return service.counters().get(c);
        }

        String diagnostics() {
            return "\naccepted " + Arrays.toString(accepted) + " outcomes " + Arrays.toString(outcomes) + "\n"
                + queries.counters().dumpNonZero() + service.counters().dumpNonZero() + client.counters().dumpNonZero();
        }
    }

    /** The four resources' bypass tuples with these load hints; a negative hint marks the resource down. */
    static BypassTupleTable table(long version, int... hints) {
        BypassTupleTable.Builder b = BypassTupleTable.builder(version);
        for (int k = 0; k < hints.length; k++) {
            b.add(WEB, Entry.of("198.18.0." + (11 + k) + ":" + PORT, k, Math.max(0, hints[k]), hints[k] >= 0));
        }
        return b.build();
    }

    static ConnectQueryClient.Config clientConfig() {
        return ConnectQueryClient.Config.DEFAULT;
    }

    World world(TuplePolicy policy) throws Exception {
        return new World(clientConfig(), policy, new NonceSource(), null);
    }

    @Test
    void one_query_then_four_hundred_connections_spread_evenly_by_round_robin() throws Exception {
        World w = world(TuplePolicy.roundRobin());
        w.connect();
        assertTrue(w.sim.runUntil(() -> w.connections.size() == 1, 100 * MS), w::diagnostics);
        for (int i = 1; i < 400; i++) {
            w.connect();
        }
        assertTrue(w.sim.runUntil(() -> Arrays.stream(w.accepted).sum() == 400 && w.allEstablished(), 1000 * MS),
            w::diagnostics);
        assertEquals(List.of(100, 100, 100, 100), Arrays.stream(w.accepted).boxed().toList(), w::diagnostics);
        assertEquals(1, w.q(QueryCounter.CLIENT_QUERIES), "one query, then the cache");
        assertEquals(1, w.outcomes[Outcome.QUERIED.ordinal()]);
        assertEquals(399, w.outcomes[Outcome.CACHED.ordinal()]);
        assertEquals(1, w.s(QueryCounter.REPLIES));
        System.out.println("[query] 400 connections through one query, round-robin: " + Arrays.toString(w.accepted)
            + " in " + w.sim.nowNs() / 1000 + " us virtual");
    }

    @Test
    void connections_waiting_on_one_query_all_resolve_when_it_answers() throws Exception {
        World w = world(TuplePolicy.roundRobin());
        for (int i = 0; i < 40; i++) {
            w.connect();
        }
        assertTrue(w.sim.runUntil(() -> Arrays.stream(w.accepted).sum() == 40, 1000 * MS), w::diagnostics);
        assertEquals(1, w.q(QueryCounter.CLIENT_QUERIES));
        assertEquals(40, w.outcomes[Outcome.QUERIED.ordinal()]);
        assertEquals(List.of(10, 10, 10, 10), Arrays.stream(w.accepted).boxed().toList());
    }

    @Test
    void least_loaded_and_spare_capacity_follow_the_hints() throws Exception {
        World w = world(TuplePolicy.leastLoaded());
        w.table.set(table(2, 40000, 100, 20000, 65000));
        for (int i = 0; i < 100; i++) {
            w.connect();
        }
        assertTrue(w.sim.runUntil(() -> Arrays.stream(w.accepted).sum() == 100, 1000 * MS), w::diagnostics);
        assertEquals(List.of(0, 100, 0, 0), Arrays.stream(w.accepted).boxed().toList());

        World v = world(TuplePolicy.spareCapacity());
        v.table.set(table(2, 0, 32768, 49152, 65535)); // spare 4 : 2 : 1 : 0
        v.connect();
        assertTrue(v.sim.runUntil(() -> v.connections.size() == 1, 100 * MS), v::diagnostics);
        for (int i = 1; i < 700; i++) {
            v.connect(); // from the cache: more than the 256 connections that may wait on one query
        }
        assertTrue(v.sim.runUntil(() -> Arrays.stream(v.accepted).sum() == 700, 5000 * MS), v::diagnostics);
        assertTrue(Math.abs(v.accepted[0] - 400) <= 4 && Math.abs(v.accepted[1] - 200) <= 4
            && Math.abs(v.accepted[2] - 100) <= 4 && v.accepted[3] <= 1, v::diagnostics);
    }

    @Test
    void the_cache_expires_after_the_ttl_and_a_resource_taken_down_is_avoided_within_one_ttl() throws Exception {
        World w = world(TuplePolicy.roundRobin());
        w.connect();
        assertTrue(w.sim.runUntil(() -> w.connections.size() == 1, 100 * MS), w::diagnostics);
        long answeredAt = w.sim.nowNs();
        long expires = w.queries.expiresAtNs(PUBLIC, PORT, Transport.TCP);
        assertEquals(answeredAt + 2000 * MS, expires, "TTL 2000 ms from the reply");

        w.table.set(table(2, 0, 0, -1, 0)); // resource 2 goes down: later replies leave it out
        w.sim.runFor(expires - 1 - w.sim.nowNs());
        w.connect(); // 1 ns before expiry: still the cache (and resource 2)
        assertEquals(1, w.q(QueryCounter.CLIENT_QUERIES));
        assertEquals(1, w.outcomes[Outcome.CACHED.ordinal()]);
        w.sim.runFor(1);
        w.sim.settle();
        int[] before = w.accepted.clone();
        for (int i = 0; i < 30; i++) {
            w.connect(); // at expiry: a new query, and every connection waits for it
        }
        assertEquals(2, w.q(QueryCounter.CLIENT_QUERIES));
        assertTrue(w.sim.runUntil(() -> Arrays.stream(w.accepted).sum() == Arrays.stream(before).sum() + 30, 1000 * MS),
            w::diagnostics);
        assertEquals(before[2], w.accepted[2], () -> "no new connection on the resource that went down" + w.diagnostics());
        assertEquals(3, w.queries.cached(PUBLIC, PORT, Transport.TCP).count());
        assertTrue(w.allEstablished(), "connections on the other resources untouched");
    }

    @Test
    void a_silent_service_means_retries_then_the_public_tuple() throws Exception {
        World w = new World(clientConfig().withServicePort(7484), TuplePolicy.roundRobin(), new NonceSource(), null);
        w.connect();
        w.runFor(599 * MS);
        assertEquals(0, w.connections.size(), "still waiting: 3 attempts of 200 ms");
        assertEquals(2, w.q(QueryCounter.CLIENT_RETRIES));
        w.runFor(1 * MS);
        assertEquals(1, w.outcomes[Outcome.FALLBACK.ordinal()], w::diagnostics);
        assertTrue(w.sim.runUntil(() -> w.accepted[0] == 1 && w.allEstablished(), 100 * MS), w::diagnostics);
        assertEquals(PUBLIC, w.connections.get(0).remoteAddress(), "connected to the public tuple");
        // within the fallback hold, no new query
        w.connect();
        assertEquals(2, w.outcomes[Outcome.FALLBACK.ordinal()]);
        assertEquals(1, w.q(QueryCounter.CLIENT_QUERIES));
        // after it, the client asks again
        w.runFor(1000 * MS);
        w.connect();
        assertEquals(2, w.q(QueryCounter.CLIENT_QUERIES));
    }

    @Test
    void forged_replies_are_dropped_and_the_real_one_taken() throws Exception {
        // The spoofer knows the client's nonces (same seed): it fails on the source check alone.
        SecureRandom seeded = SecureRandom.getInstance("SHA1PRNG");
        seeded.setSeed(42);
        SecureRandom copy = SecureRandom.getInstance("SHA1PRNG");
        copy.setSeed(42);
        NonceSource predicted = new NonceSource(copy);
        World w = new World(clientConfig(), TuplePolicy.roundRobin(), new NonceSource(seeded), null);
        w.connect();
        long nonce = predicted.next();
        UdpSocket spoof = w.spoofer.udp().open(ConnectQueryMessage.DEFAULT_PORT);
        UnsafeBuffer forged = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        ConnectQueryMessage m = new ConnectQueryMessage().wrapForWrite(forged, 0);
        int n = m.writeReply(nonce ^ 1, 0, 99, 60_000, 1, 1, 1, PUBLIC, PORT, ConnectQueryMessage.PROTOCOL_TCP);
        m.writeEntry(0, IpAddress.parse("198.18.0.66").v4(), PORT, 0, 0, ConnectQueryMessage.ENTRY_HEALTHY);
        spoof.send(IpAddress.parse("198.18.0.2").v4(), w.queries.port(), forged, 0, n); // wrong nonce
        m.writeReply(nonce, 0, 99, 60_000, 1, 1, 1, PUBLIC, PORT, ConnectQueryMessage.PROTOCOL_TCP);
        spoof.send(IpAddress.parse("198.18.0.2").v4(), w.queries.port(), forged, 0, n); // right nonce, wrong source
        assertTrue(w.sim.runUntil(() -> w.connections.size() == 1 && w.allEstablished(), 100 * MS), w::diagnostics);
        assertEquals(1, w.q(QueryCounter.CLIENT_DROP_UNMATCHED), w::diagnostics);
        assertEquals(1, w.q(QueryCounter.CLIENT_DROP_WRONG_SOURCE), w::diagnostics);
        assertEquals(1, w.q(QueryCounter.CLIENT_REPLIES_ACCEPTED));
        int remote = w.connections.get(0).remoteAddress();
        assertTrue(remote != IpAddress.parse("198.18.0.66").v4(), "never redirected to the spoofer");
        assertEquals(4, w.queries.cached(PUBLIC, PORT, Transport.TCP).count());
        // a late duplicate of the real reply (say, after a retry) is unmatched too
        assertEquals(0, w.q(QueryCounter.CLIENT_RETRIES));
    }

    @Test
    void two_hundred_tuples_read_page_by_page_and_a_table_change_midway_restarts_the_read() throws Exception {
        World w = world(TuplePolicy.roundRobin());
        w.table.set(ConnectQueryResponderTest.manyTuplesFor(WEB, 3, 200));
        w.resolveOnly();
        assertTrue(w.sim.runUntil(() -> w.queries.cached(PUBLIC, PORT, Transport.TCP) != null, 500 * MS), w::diagnostics);
        int pages = ConnectQueryMessage.pageCount(200, w.queries.entriesPerPage());
        assertEquals(6, pages, "512-byte queries: 39 tuples a page");
        assertEquals(pages, w.q(QueryCounter.CLIENT_QUERIES));
        TupleCandidates got = w.queries.cached(PUBLIC, PORT, Transport.TCP);
        assertEquals(200, got.count());
        for (int i = 0; i < 200; i++) {
            assertEquals(1000 + i, got.port(i), "in order, none lost or doubled");
        }

        World v = world(TuplePolicy.roundRobin());
        v.table.set(ConnectQueryResponderTest.manyTuplesFor(WEB, 3, 200));
        boolean[] swapped = {false};
        v.sim.everyStep(() -> {
            if (!swapped[0] && v.s(QueryCounter.REPLIES) == 2) {
                v.table.set(ConnectQueryResponderTest.manyTuplesFor(WEB, 4, 150));
                swapped[0] = true;
            }
        });
        v.resolveOnly();
        assertTrue(v.sim.runUntil(() -> v.queries.cached(PUBLIC, PORT, Transport.TCP) != null, 500 * MS), v::diagnostics);
        assertEquals(1, v.q(QueryCounter.CLIENT_RESTARTS), v::diagnostics);
        assertEquals(150, v.queries.cached(PUBLIC, PORT, Transport.TCP).count());
    }

    @Test
    void the_query_and_reply_on_a_capture_are_well_formed_udp_to_the_query_port() throws Exception {
        Environment.requireCommands("tshark");
        Path pcap = tmp.resolve("query.pcap");
        World w = new World(clientConfig(), TuplePolicy.roundRobin(), new NonceSource(), pcap);
        w.connect();
        assertTrue(w.sim.runUntil(() -> w.connections.size() == 1 && w.allEstablished(), 100 * MS), w::diagnostics);
        w.capture.close();
        CaptureCheck.Verdict verdict = CaptureCheck.check(pcap);
        assertTrue(verdict.frames() > 0 && verdict.errors() == 0, verdict::toString);
        Process p = new ProcessBuilder("tshark", "-r", pcap.toString(), "-o", "udp.check_checksum:TRUE", "-V", "-Y",
            "udp.port == " + ConnectQueryMessage.DEFAULT_PORT).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, text);
        assertEquals(2, text.split("\nFrame ", -1).length - 1 + (text.startsWith("Frame ") ? 1 : 0), text);
        assertTrue(text.contains("Destination Port: 7483") && text.contains("Source Port: 7483"), text);
        assertTrue(text.contains("Length: 520") && text.contains("Length: 100"), "a 512-byte query, a 92-byte reply:\n" + text);
        assertTrue(text.contains("[Checksum Status: Good]") && !text.contains("Malformed"), text);
        assertNotNull(verdict);
        System.out.println("[query] capture: " + verdict);
    }

    @Test
    void the_service_and_a_cache_hit_allocate_nothing_in_steady_state() throws Exception {
        World w = new World(clientConfig(), TuplePolicy.roundRobin(), new NonceSource(), null,
            ConnectQueryService.Config.DEFAULT.withRateLimit(1_000_000_000, 1_000_000_000));
        UdpSocket raw = w.client.udp().open(0);
        UnsafeBuffer sink = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
        long[] replies = {0};
        raw.handler(s -> {
            while (s.receive(sink, 0, sink.capacity()) >= 0) {
                replies[0]++;
            }
        });
        UnsafeBuffer query = new UnsafeBuffer(ByteBuffer.allocateDirect(512));
        new ConnectQueryMessage().wrapForWrite(query, 0).writeQuery(1, 0, PUBLIC, PORT, ConnectQueryMessage.PROTOCOL_TCP,
            0, 0, 512);
        int[] resolved = {0};
        ConnectQueryClient.Resolution count = (pa, pp, address, port, resource, outcome) -> resolved[0]++;
        w.queries.resolve(PUBLIC, PORT, Transport.TCP, 0, count);
        w.sim.settle();
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long allocated = 0;
        for (int round = 0; round < 3; round++) { // the last round after the JIT has warmed up
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                raw.send(PUBLIC, ConnectQueryMessage.DEFAULT_PORT, query, 0, 512);
                w.sim.settle();
                w.queries.resolve(PUBLIC, PORT, Transport.TCP, 0, count);
            }
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        }
        assertEquals(30_000, replies[0], w::diagnostics);
        assertEquals(30_001, resolved[0]);
        assertTrue(allocated < 16 * 1024, "10,000 queries answered and cache hits: " + allocated + " bytes allocated");
        System.out.println("[query] 10,000 queries answered and 10,000 cache hits allocated " + allocated + " bytes");
    }

    @Test
    void garbage_and_queries_sent_to_the_client_are_counted_and_dropped() throws Exception {
        World w = world(TuplePolicy.roundRobin());
        w.connect();
        UdpSocket spoof = w.spoofer.udp().open(ConnectQueryMessage.DEFAULT_PORT);
        UnsafeBuffer junk = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        int client = IpAddress.parse("198.18.0.2").v4();
        spoof.send(client, w.queries.port(), junk, 0, 7); // truncated
        junk.putBytes(0, "GET / HTTP/1.0\r\n\r\n".getBytes()); // another protocol
        spoof.send(client, w.queries.port(), junk, 0, 18);
        new ConnectQueryMessage().wrapForWrite(junk, 0).writeQuery(5, 0, PUBLIC, PORT, 6, 0, 0, 64);
        spoof.send(client, w.queries.port(), junk, 0, 64); // a query, to a client
        assertTrue(w.sim.runUntil(() -> w.connections.size() == 1 && w.allEstablished(), 100 * MS), w::diagnostics);
        assertEquals(2, w.q(QueryCounter.CLIENT_DROP_MALFORMED), w::diagnostics);
        assertEquals(1, w.q(QueryCounter.CLIENT_DROP_NOT_A_REPLY), w::diagnostics);
        assertEquals(1, w.q(QueryCounter.CLIENT_REPLIES_ACCEPTED));
        assertEquals(null, w.client.lastInternalError());
    }

    @Test
    void a_service_with_no_table_yet_sends_clients_to_the_public_tuple() throws Exception {
        World w = world(TuplePolicy.roundRobin());
        w.table.set(null); // nothing published yet: the reply lists no bypass tuple
        w.connect();
        assertTrue(w.sim.runUntil(() -> w.connections.size() == 1, 100 * MS), w::diagnostics);
        assertEquals(1, w.outcomes[Outcome.FALLBACK.ordinal()]);
        assertEquals(PUBLIC, w.connections.get(0).remoteAddress());
        assertEquals(1, w.s(QueryCounter.REPLIES));
    }

    @Test
    void every_query_is_answered_at_once_even_when_the_socket_ring_wraps() throws Exception {
        // 512-byte queries take 528 bytes of the service's 512 KiB receive ring: it wraps at the 993rd, where
        // a read first meets the ring's padding record and returns nothing.
        World w = new World(clientConfig(), TuplePolicy.roundRobin(), new NonceSource(), null,
            ConnectQueryService.Config.DEFAULT.withRateLimit(1_000_000_000, 1_000_000_000));
        UdpSocket raw = w.client.udp().open(0);
        UnsafeBuffer sink = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
        long[] replies = {0};
        raw.handler(s -> {
            while (s.readable()) {
                if (s.receive(sink, 0, sink.capacity()) >= 0) {
                    replies[0]++;
                }
            }
        });
        UnsafeBuffer query = new UnsafeBuffer(ByteBuffer.allocateDirect(512));
        new ConnectQueryMessage().wrapForWrite(query, 0).writeQuery(1, 0, PUBLIC, PORT, ConnectQueryMessage.PROTOCOL_TCP,
            0, 0, 512);
        for (int i = 1; i <= 3000; i++) {
            raw.send(PUBLIC, ConnectQueryMessage.DEFAULT_PORT, query, 0, 512);
            w.sim.settle();
            assertEquals(i, replies[0], "query " + i + " answered before the next is sent");
        }
    }
}
