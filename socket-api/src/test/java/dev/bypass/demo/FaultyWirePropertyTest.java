package dev.bypass.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.host.Simulation;
import dev.bypass.nic.fault.FaultConfig;
import dev.bypass.nic.fault.FaultInjectingDevice;
import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNic;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.testing.Environment;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The foundation's property: two stacks over a faulty wire (10% loss, 5% duplication, 5% reordering, 1%
 * single-bit corruption, both directions) move 64 MiB each way at once, byte-exact, for every seed, in
 * virtual time. 8 seeds in the build; {@code -Dbypass.test.long=true} runs 64.
 */
class FaultyWirePropertyTest {
    static final long MIB = 1024 * 1024;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, Environment.longTests() ? 64 : 8);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void sixty_four_mebibytes_each_way_arrive_byte_exact(long seed) {
        InMemoryNetwork network = new InMemoryNetwork(2);
        InMemoryNic nicA = network.connect(InMemoryNicConfig.builder("a", MacAddress.local(1)).poolFrames(4096).build());
        InMemoryNic nicB = network.connect(InMemoryNicConfig.builder("b", MacAddress.local(2)).poolFrames(4096).build());
        FaultInjectingDevice wireA = new FaultInjectingDevice(nicA, faults(seed * 2));
        FaultInjectingDevice wireB = new FaultInjectingDevice(nicB, faults(seed * 2 + 1));
        NetworkStack a = new NetworkStack(StackConfig.builder().name("a").address("198.18.0.1/24").secretSeed(seed).build(),
            wireA);
        NetworkStack b = new NetworkStack(StackConfig.builder().name("b").address("198.18.0.2/24").secretSeed(~seed).build(),
            wireB);
        Simulation sim = new Simulation(0).add(a).add(b);
        TcpListener listener = b.tcp().listen(7000);
        PatternEndpoint[] server = new PatternEndpoint[1];
        listener.handler(l -> {
            TcpConnection c = l.accept();
            server[0] = new PatternEndpoint(c, 2000 + seed, 64 * MIB, 1000 + seed, sim.nowNs());
            server[0].pump();
        });
        TcpConnection client = a.tcp().connect(Endpoint.parse("198.18.0.2:7000"));
        PatternEndpoint clientEnd = new PatternEndpoint(client, 1000 + seed, 64 * MIB, 2000 + seed, 0);

        long wallStart = System.nanoTime();
        boolean finished = sim.runUntil(() -> clientEnd.done() && server[0] != null && server[0].done(),
            24L * 3600 * 1_000_000_000L);
        long wallMs = (System.nanoTime() - wallStart) / 1_000_000;
        String report = "seed " + seed + ": virtual " + sim.nowNs() / 1_000_000 + " ms, wall " + wallMs + " ms, faults A "
            + wireA + " B " + wireB + "\n" + a.counters().dumpNonZero() + b.counters().dumpNonZero();
        assertTrue(finished, "exchange did not finish: client sent/received " + clientEnd.sent() + "/"
            + clientEnd.received() + ", server " + (server[0] == null ? "none" : server[0].sent() + "/" + server[0].received())
            + "\n" + report);
        assertEquals(64 * MIB, clientEnd.received(), report);
        assertEquals(64 * MIB, server[0].received(), report);
        assertEquals(0, clientEnd.mismatches(), "client saw wrong bytes\n" + report);
        assertEquals(0, server[0].mismatches(), "server saw wrong bytes\n" + report);
        for (NetworkStack s : new NetworkStack[] {a, b}) {
            assertEquals(0, s.counters().get(Counter.STACK_INTERNAL_ERRORS), String.valueOf(s.lastInternalError()));
            assertEquals(s.counters().get(Counter.ETH_RX_FRAMES),
                s.counters().get(Counter.STACK_RX_ACCEPTED) + s.counters().totalDrops(), "every frame accounted for");
        }
        // The faults happened, and corruption was caught by checksums, never delivered.
        assertTrue(wireA.lost() > 0 && wireA.duplicated() > 0 && wireA.reordered() > 0 && wireA.corrupted() > 0, report);
        long caught = b.counters().get(Counter.TCP_DROP_BAD_CHECKSUM) + b.counters().get(Counter.IP_DROP_BAD_CHECKSUM)
            + b.counters().get(Counter.ARP_DROP_MALFORMED) + b.counters().get(Counter.ETH_DROP_UNKNOWN_TYPE);
        assertTrue(caught > 0, "corrupted frames were counted as drops\n" + report);
        System.out.println(report.lines().findFirst().orElse(""));
    }

    private static FaultConfig faults(long seed) {
        return FaultConfig.builder(seed).lossPercent(10).duplicatePercent(5).reorderPercent(5).corruptPercent(1)
            .reorderHoldNs(50_000).build();
    }
}
