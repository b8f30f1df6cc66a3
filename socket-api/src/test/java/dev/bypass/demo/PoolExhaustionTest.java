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
import org.junit.jupiter.api.Test;

/**
 * A receiver whose frame pool runs dry (its own transmit frames are held on a slow line): the NIC drops
 * what it cannot receive and counts it, the stack holds back what it cannot send and counts it, TCP
 * recovers, every byte arrives, and every frame goes back to the pool.
 */
class PoolExhaustionTest {
    @Test
    void an_exhausted_pool_degrades_counts_and_recovers() {
        InMemoryNetwork network = new InMemoryNetwork(2);
        InMemoryNic nicA = network.connect(InMemoryNicConfig.builder("a", MacAddress.local(1)).build());
        InMemoryNic nicB = network.connect(InMemoryNicConfig.builder("b", MacAddress.local(2)).poolFrames(64).build());
        // B's frames spend 2 ms on the line, so its own data holds its pool while A's data keeps arriving.
        FaultInjectingDevice slowB = new FaultInjectingDevice(nicB, FaultConfig.builder(3).delayNs(2_000_000)
            .maxHeldFrames(1000).build());
        NetworkStack a = new NetworkStack(StackConfig.builder().name("a").address("198.18.0.1/24").secretSeed(1).build(), nicA);
        NetworkStack b = new NetworkStack(StackConfig.builder().name("b").address("198.18.0.2/24").secretSeed(2)
            .tcp(dev.bypass.stack.TcpConfig.builder().delayedAck(false).build()).build(), slowB);
        Simulation sim = new Simulation(0).add(a).add(b);
        TcpListener listener = b.tcp().listen(9);
        PatternEndpoint[] server = new PatternEndpoint[1];
        listener.handler(l -> {
            server[0] = new PatternEndpoint(l.accept(), 5, 4L << 20, 4, sim.nowNs());
            server[0].pump();
        });
        TcpConnection c = a.tcp().connect(Endpoint.parse("198.18.0.2:9"));
        PatternEndpoint client = new PatternEndpoint(c, 4, 4L << 20, 5, 0);

        assertTrue(sim.runUntil(() -> client.done() && server[0] != null && server[0].done(), 3_600_000_000_000L),
            "transfer stuck\n" + a.counters().dumpNonZero() + b.counters().dumpNonZero());
        assertEquals(4L << 20, server[0].received());
        assertEquals(4L << 20, client.received());
        assertEquals(0, server[0].mismatches() + client.mismatches());
        long starved = b.counters().get(Counter.STACK_TX_NO_BUFFER) + nicB.rxNoBuffer();
        assertTrue(starved > 0, "the pool ran dry at least once: tx-no-buffer "
            + b.counters().get(Counter.STACK_TX_NO_BUFFER) + ", rx-no-buffer " + nicB.rxNoBuffer());
        sim.runFor(120_000_000_000L); // TIME-WAIT ends, held frames drain
        assertEquals(64, nicB.pool().available(), "every frame back in the pool");
        assertEquals(0, slowB.heldFrames());
        System.out.println("pool exhaustion: tx-no-buffer " + b.counters().get(Counter.STACK_TX_NO_BUFFER)
            + ", rx-no-buffer " + nicB.rxNoBuffer() + ", retransmitted by A " + a.counters().get(Counter.TCP_RETRANS_SEGS));
    }
}
