package dev.bypass.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.query.BypassTupleTable;
import dev.bypass.query.ConnectQueryClient;
import dev.bypass.query.ConnectQueryService;
import dev.bypass.query.Transport;
import dev.bypass.query.TuplePolicy;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.MacAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 6's spread, with real poll threads on the in-memory switch: a server host of 4 resources (one
 * public IP on resource 0, the connect query service there, its table republished from the host's live
 * state) and a client host of 2 resources, each resolving the public tuple through its own query client
 * (round-robin) and connecting straight to the bypass tuple it is given. 10,000 connections land on the
 * four server resources within 10% of even; a resource marked down is avoided once the table changes and
 * the clients' cached copies expire; the connections already open elsewhere are untouched.
 */
class ConnectQuerySpreadTest {
    private static final int SERVERS = 4;
    private static final int CLIENTS = 2;
    private static final int PORT = 80;
    private static final String PUBLIC_IP = "198.18.0.100";
    private static final TcpConfig SMALL = TcpConfig.builder().sendBufferBytes(4096).receiveBufferBytes(4096)
        .maxConnections(8000).build();

    private final InMemoryNetwork network = new InMemoryNetwork(SERVERS + CLIENTS);
    private final List<PollLoop> clientLoops = new ArrayList<>();
    private final List<ConnectQueryClient> queryClients = new ArrayList<>();
    private BypassHost host;
    private final AtomicLong fallbacks = new AtomicLong();

    @AfterEach
    void close() {
        clientLoops.forEach(PollLoop::close);
        if (host != null) {
            host.close();
        }
    }

    @Test
    void ten_thousand_connections_by_public_tuple_spread_evenly_and_avoid_a_resource_taken_down() throws Exception {
        BypassHost.Builder b = BypassHost.builder(PUBLIC_IP).privatePool("198.18.0.0/24")
            .stackConfig(c -> c.tcp(SMALL));
        for (int i = 0; i < SERVERS; i++) {
            b.resource("r" + i, network.connect(InMemoryNicConfig.builder("r" + i, MacAddress.local(10 + i))
                .poolFrames(8192).build()));
        }
        host = b.start();
        AtomicIntegerArray accepted = new AtomicIntegerArray(SERVERS);
        host.listen(PORT, 4096, c -> accepted.incrementAndGet(resourceOf(c)));
        AtomicReference<BypassTupleTable> tables = new AtomicReference<>(host.tupleTable(1, PORT));
        ConnectQueryService.Config serviceConfig = new ConnectQueryService.Config(ConnectQueryService.Config.DEFAULT.port(),
            1000, 10_000, 1000, 4096); // TTL 1 s
        host.startConnectQuery(serviceConfig, tables);

        List<List<TcpConnection>> connections = new ArrayList<>();
        for (int k = 0; k < CLIENTS; k++) {
            NetworkStack stack = new NetworkStack(StackConfig.builder().name("client" + k)
                .address("198.18.0." + (200 + k) + "/24").tcp(SMALL).build(),
                network.connect(InMemoryNicConfig.builder("c" + k, MacAddress.local(50 + k)).poolFrames(8192).build()));
            ConnectQueryClient[] client = new ConnectQueryClient[1];
            PollLoop loop = PollLoop.start(stack, new org.agrona.concurrent.BackoffIdleStrategy(1, 10, 1_000, 100_000),
                "client" + k, (nowNs, work) -> client[0] == null ? 0 : client[0].poll(nowNs));
            client[0] = loop.call(() -> ConnectQueryClient.open(stack, ConnectQueryClient.Config.DEFAULT,
                TuplePolicy.roundRobin()));
            clientLoops.add(loop);
            queryClients.add(client[0]);
            connections.add(new ArrayList<>());
        }

        // One resolution per client first: the query and its reply (and ARP) before the burst, as a client
        // warms up; a burst of resolves meeting an empty cache would wait (at most 256) or fall back.
        openConnections(CLIENTS, connections, 0);
        for (int i = 0; i < SERVERS; i++) {
            accepted.set(i, 0);
        }
        int total = 10_000;
        openConnections(total, connections, CLIENTS);
        // Established at the client means the handshake's last ACK left: the servers accept when it arrives.
        long acceptDeadline = System.nanoTime() + 10_000_000_000L;
        while (sum(accepted) < total && System.nanoTime() < acceptDeadline) {
            Thread.sleep(10);
        }
        int[] counts = new int[SERVERS];
        for (int i = 0; i < SERVERS; i++) {
            counts[i] = accepted.get(i);
        }
        System.out.printf("[query] %d connections by public tuple over %d resources: %d %d %d %d%n", total, SERVERS,
            counts[0], counts[1], counts[2], counts[3]);
        int sum = 0;
        for (int c : counts) {
            sum += c;
            assertTrue(Math.abs(c - total / SERVERS) <= total / SERVERS / 10, "uneven spread: " + java.util.Arrays.toString(counts));
        }
        assertEquals(total, sum);
        assertEquals(0, fallbacks.get(), "resolutions that fell back to the public tuple");

        // Resource 2 goes down: the next table leaves it out; after one TTL no new connection lands there.
        host.setHealthy(2, false);
        tables.set(host.tupleTable(2, PORT));
        Thread.sleep(serviceConfig.ttlMs() + 50);
        int before = accepted.get(2);
        openConnections(1000, connections, CLIENTS + total);
        assertEquals(before, accepted.get(2), "a connection landed on the resource taken down");
        // Everything opened before is still established.
        for (int k = 0; k < CLIENTS; k++) {
            List<TcpConnection> mine = connections.get(k);
            long established = clientLoops.get(k).call(() -> mine.stream().filter(c -> c.state() == TcpState.ESTABLISHED).count());
            assertEquals(mine.size(), established, "client " + k + ": connections disturbed");
        }
    }

    private static int sum(AtomicIntegerArray a) {
        int n = 0;
        for (int i = 0; i < a.length(); i++) {
            n += a.get(i);
        }
        return n;
    }

    private int resourceOf(TcpConnection c) {
        int local = c.localEndpoint().address().v4();
        for (BypassHost.Resource r : host.resources()) {
            if (r.privateAddress() == local) {
                return r.id();
            }
        }
        return 0; // the public IP lives on resource 0
    }

    /** Opens {@code n} connections through the query clients (alternating), waiting for all to be established. */
    private void openConnections(int n, List<List<TcpConnection>> connections, int already) throws Exception {
        int batch = 250; // resolutions per task: the loops' task queues stay short under a busy build
        for (int done = 0; done < n; done += batch * CLIENTS) {
            for (int k = 0; k < CLIENTS; k++) {
                int count = Math.min(batch, (n - done + CLIENTS - 1 - k) / CLIENTS);
                if (count <= 0) {
                    continue;
                }
                PollLoop loop = clientLoops.get(k);
                ConnectQueryClient queries = queryClients.get(k);
                List<TcpConnection> mine = connections.get(k);
                loop.call(() -> {
                    for (int i = 0; i < count; i++) {
                        queries.resolve(host.publicAddress(), PORT, Transport.TCP, 0,
                            (pa, pp, address, port, resource, outcome) -> {
                                if (outcome == ConnectQueryClient.Outcome.FALLBACK) {
                                    fallbacks.incrementAndGet();
                                }
                                mine.add(loop.stack().tcp().connect(address, port, 0));
                            });
                    }
                    return null;
                });
            }
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            long established = 0;
            for (int k = 0; k < CLIENTS; k++) {
                List<TcpConnection> mine = connections.get(k);
                established += clientLoops.get(k).call(() -> mine.stream().filter(c -> c.state() == TcpState.ESTABLISHED).count());
            }
            if (established == already + n) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not every connection was established in 60 s");
    }
}
