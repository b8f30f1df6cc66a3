package dev.bypass.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNic;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.MacAddress;
import java.io.ByteArrayOutputStream;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class SimulationSmokeTest {
    @Test
    void one_megabyte_crosses_between_two_stacks() {
        InMemoryNetwork network = new InMemoryNetwork(2);
        InMemoryNic nicA = network.connect(InMemoryNicConfig.builder("a", MacAddress.local(1)).build());
        InMemoryNic nicB = network.connect(InMemoryNicConfig.builder("b", MacAddress.local(2)).build());
        NetworkStack a = new NetworkStack(StackConfig.builder().name("a").address("198.18.0.1/24").secretSeed(1).build(), nicA);
        NetworkStack b = new NetworkStack(StackConfig.builder().name("b").address("198.18.0.2/24").secretSeed(2).build(), nicB);
        Simulation sim = new Simulation(0).add(a).add(b);
        TcpListener listener = b.tcp().listen(5000);
        TcpConnection client = a.tcp().connect(Endpoint.parse("198.18.0.2:5000"));
        assertTrue(sim.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5_000_000_000L));
        TcpConnection server = listener.accept();
        byte[] data = new byte[1 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + i / 1000);
        }
        UnsafeBuffer src = new UnsafeBuffer(data);
        UnsafeBuffer dst = new UnsafeBuffer(new byte[65536]);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int[] written = {0};
        sim.everyStep(() -> {
            if (written[0] < data.length) {
                written[0] += client.write(src, written[0], data.length - written[0]);
            }
            int n;
            while ((n = server.read(dst, 0, dst.capacity())) > 0) {
                got.write(dst.byteArray(), 0, n);
            }
        });
        assertTrue(sim.runUntil(() -> got.size() == data.length, 60_000_000_000L),
            "received " + got.size() + "\n" + a.counters().dumpNonZero() + b.counters().dumpNonZero());
        assertArrayEquals(data, got.toByteArray());
        assertEquals(0, a.counters().get(dev.bypass.stack.counters.Counter.TCP_RETRANS_SEGS));
        System.out.println("virtual time " + sim.nowNs() / 1000 + " us, steps " + sim.steps());
    }
}
