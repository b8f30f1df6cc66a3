package dev.bypass.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.host.PollLoop;
import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.query.BypassTupleTable.Entry;
import dev.bypass.query.BypassTupleTable.PublicTuple;
import dev.bypass.query.ConnectQueryClient.Outcome;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.Test;

/**
 * The service and the client each on a real poll thread ({@link PollLoop}), in real time: the client's
 * retries and timeouts run from the loop's duty-cycle hook, and a table swapped by this (control) thread
 * shows in the next reply.
 */
class ConnectQueryPollLoopTest {
    record Resolved(int address, int port, int resourceId, Outcome outcome) {
    }

    @Test
    void a_client_on_its_poll_thread_resolves_through_a_service_on_another() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork(2);
        NetworkStack server = new NetworkStack(StackConfig.builder().name("server").address("198.18.0.11/24").build(),
            net.connect(InMemoryNicConfig.builder("server", MacAddress.local(11)).build()));
        NetworkStack clientStack = new NetworkStack(StackConfig.builder().name("client").address("198.18.0.2/24").build(),
            net.connect(InMemoryNicConfig.builder("client", MacAddress.local(2)).build()));
        PublicTuple web = PublicTuple.tcp("198.18.0.11:80");
        AtomicReference<BypassTupleTable> tables = new AtomicReference<>(BypassTupleTable.builder(1)
            .add(web, Entry.of("198.18.0.11:80", 0, 0, true)).add(web, Entry.of("198.18.0.12:80", 1, 0, true)).build());
        ConnectQueryClient client = ConnectQueryClient.open(clientStack,
            ConnectQueryClient.Config.DEFAULT.withTimeout(TimeUnit.MILLISECONDS.toNanos(100), 2),
            TuplePolicy.roundRobin());
        int publicIp = IpAddress.parse("198.18.0.11").v4();
        try (PollLoop serverLoop = PollLoop.start(server, "server");
             PollLoop clientLoop = PollLoop.start(clientStack, new BackoffIdleStrategy(1, 10, 1_000, 100_000), "client",
                 (nowNs, work) -> client.poll(nowNs))) {
            serverLoop.call(() -> ConnectQueryService.start(server,
                ConnectQueryService.Config.DEFAULT.withTtlMs(50), tables::get));

            Resolved first = resolve(clientLoop, client, publicIp);
            assertEquals(Outcome.QUERIED, first.outcome());
            Resolved second = resolve(clientLoop, client, publicIp);
            assertEquals(Outcome.CACHED, second.outcome());
            assertTrue(first.resourceId() != second.resourceId(), "round-robin over the two");

            // The control path takes resource 0 down; within one TTL (50 ms) every new choice avoids it.
            tables.set(BypassTupleTable.builder(2).add(web, Entry.of("198.18.0.11:80", 0, 0, false))
                .add(web, Entry.of("198.18.0.12:80", 1, 0, true)).build());
            Thread.sleep(60);
            for (int i = 0; i < 10; i++) {
                Resolved r = resolve(clientLoop, client, publicIp);
                assertEquals(1, r.resourceId(), r::toString);
            }
            assertEquals(2L, (long) clientLoop.call(() -> client.counters().get(QueryCounter.CLIENT_QUERIES)));
        }
    }

    private static Resolved resolve(PollLoop loop, ConnectQueryClient client, int publicIp) throws Exception {
        CompletableFuture<Resolved> done = new CompletableFuture<>();
        loop.execute(() -> client.resolve(publicIp, 80, Transport.TCP, 0,
            (pa, pp, address, port, resource, outcome) -> done.complete(new Resolved(address, port, resource, outcome))));
        return done.get(10, TimeUnit.SECONDS);
    }
}
