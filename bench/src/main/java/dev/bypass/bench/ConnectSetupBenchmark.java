package dev.bypass.bench;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.query.BypassTupleTable;
import dev.bypass.query.BypassTupleTable.Entry;
import dev.bypass.query.BypassTupleTable.PublicTuple;
import dev.bypass.query.ConnectQueryClient;
import dev.bypass.query.ConnectQueryService;
import dev.bypass.query.Transport;
import dev.bypass.query.TuplePolicy;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Connection setup through the connect query against a plain connect, two stacks over the in-memory NIC on
 * one thread in real time. One op opens a TCP connection (SYN, SYN-ACK, ACK), has it accepted, then resets
 * both ends so the next op starts clean:
 *
 * <ul>
 *   <li>{@code plain}: connect to the server's address;
 *   <li>{@code cached}: {@link ConnectQueryClient#resolve} answered from the cache, then connect where told
 *       (every connection within a TTL after the first);
 *   <li>{@code query}: the cache dropped first, so each connection waits for a query and its reply (a
 *       512-byte query, a 56-byte reply) before its SYN: the first connection after a TTL.
 * </ul>
 *
 * Connections per second = 1e9 / (ns/op).
 */
public class ConnectSetupBenchmark extends BenchmarkDefaults {
    static final int PORT = 80;

    @Param({"plain", "cached", "query"})
    public String mode;

    private NetworkStack clientStack;
    private NetworkStack serverStack;
    private TcpListener listener;
    private ConnectQueryClient queries;
    private ConnectQueryService service;
    private int server;
    private TcpConnection connection;
    private final ConnectQueryClient.Resolution connect = (pa, pp, address, port, resource, outcome) ->
        connection = clientStack.tcp().connect(address, port, 0);

    @Setup(Level.Trial)
    public void setup() {
        InMemoryNetwork network = new InMemoryNetwork(2);
        clientStack = new NetworkStack(StackConfig.builder().name("client").address("198.18.0.1/24").secretSeed(1).build(),
            network.connect(InMemoryNicConfig.builder("client", MacAddress.local(1)).build()));
        serverStack = new NetworkStack(StackConfig.builder().name("server").address("198.18.0.2/24").secretSeed(2).build(),
            network.connect(InMemoryNicConfig.builder("server", MacAddress.local(2)).build()));
        pollBoth();
        server = IpAddress.parse("198.18.0.2").v4();
        listener = serverStack.tcp().listen(PORT, 64);
        BypassTupleTable table = BypassTupleTable.builder(1)
            .add(PublicTuple.tcp("198.18.0.2:" + PORT), Entry.of("198.18.0.2:" + PORT, 0, 0, true)).build();
        service = ConnectQueryService.start(serverStack, ConnectQueryService.Config.DEFAULT.withRateLimit(1_000_000_000,
            1_000_000_000), () -> table);
        queries = ConnectQueryClient.open(clientStack, ConnectQueryClient.Config.DEFAULT, TuplePolicy.roundRobin());
        for (int i = 0; i < 10; i++) {
            openAndReset(); // ARP resolved, the cache filled
        }
    }

    private void pollBoth() {
        long nowNs = System.nanoTime();
        clientStack.poll(nowNs);
        serverStack.poll(nowNs);
        queries_poll(nowNs);
    }

    private void queries_poll(long nowNs) {
        if (queries != null) {
            queries.poll(nowNs);
        }
    }

    @Benchmark
    public int openAndReset() {
        connection = null;
        clientStack.advanceTo(System.nanoTime());
        switch (mode) {
            case "plain" -> connection = clientStack.tcp().connect(server, PORT, 0);
            case "cached" -> queries.resolve(server, PORT, Transport.TCP, 0, connect);
            default -> {
                queries.invalidate(server, PORT, Transport.TCP);
                queries.resolve(server, PORT, Transport.TCP, 0, connect);
            }
        }
        TcpConnection accepted = null;
        int polls = 0;
        while (connection == null || connection.state() != TcpState.ESTABLISHED || accepted == null) {
            pollBoth();
            if (accepted == null) {
                accepted = listener.accept();
            }
            if (++polls > 10_000) {
                throw new IllegalStateException("no connection in 10,000 polls (" + mode + "):\n"
                    + clientStack.counters().dumpNonZero() + serverStack.counters().dumpNonZero()
                    + queries.counters().dumpNonZero() + service.counters().dumpNonZero());
            }
        }
        accepted.abort();
        pollBoth();
        connection.abort();
        pollBoth();
        return polls;
    }

    @TearDown(Level.Trial)
    public void close() {
        clientStack.close();
        serverStack.close();
    }
}
