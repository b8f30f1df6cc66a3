package dev.bypass.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpInfo;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.MacAddress;
import org.junit.jupiter.api.Test;

/** Two stacks on real-time poll threads over the in-memory switch. */
class PollLoopTest {
    private static NetworkStack stack(InMemoryNetwork network, int id) {
        return new NetworkStack(StackConfig.builder().name("s" + id).address("198.18.0." + id + "/24").secretSeed(id)
            .build(), network.connect(InMemoryNicConfig.builder("s" + id, MacAddress.local(id)).build()));
    }

    @Test
    void connect_right_after_start_runs_on_the_poll_threads_clock() throws Exception {
        InMemoryNetwork network = new InMemoryNetwork(2);
        try (PollLoop server = PollLoop.start(stack(network, 2), "server");
             PollLoop client = PollLoop.start(stack(network, 1), "client")) {
            server.call(() -> server.stack().tcp().listen(80));
            TcpConnection c = client.call(() -> client.stack().tcp().connect(Endpoint.parse("198.18.0.2:80")));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (client.call(c::state) != TcpState.ESTABLISHED && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            TcpInfo info = client.call(() -> c.info(new TcpInfo()));
            assertEquals(TcpState.ESTABLISHED, info.state);
            assertEquals(0, info.retransmits, "the SYN was not retransmitted: its timer used the real clock");
            assertEquals(10 * info.sendMss, info.cwndBytes, "full initial window (no SYN counted as lost)");
        }
    }

    @Test
    void connect_before_the_stack_has_a_clock_names_the_fix() {
        NetworkStack s = stack(new InMemoryNetwork(1), 1);
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> s.tcp().connect(Endpoint.parse("198.18.0.2:80")));
        assertTrue(e.getMessage().contains("start(nowNs)"), e.getMessage());
    }
}
