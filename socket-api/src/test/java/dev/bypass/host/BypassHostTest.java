package dev.bypass.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNic;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A host of four resources on the in-memory switch, known by one public IP, and a client stack: plain
 * connections to the public tuple land on the public resource, connections to each bypass tuple land on
 * that resource, and the bypass tuples carry load hints and health.
 */
class BypassHostTest {
    private static final int RESOURCES = 4;
    private final InMemoryNetwork network = new InMemoryNetwork(RESOURCES + 1);
    private final List<InMemoryNic> nics = new ArrayList<>();
    private BypassHost host;
    private PollLoop client;

    BypassHostTest() {
        for (int i = 0; i < RESOURCES; i++) {
            nics.add(network.connect(InMemoryNicConfig.builder("r" + i, MacAddress.local(10 + i)).build()));
        }
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (host != null) {
            host.close();
        }
    }

    private BypassHost startHost() {
        BypassHost.Builder b = BypassHost.builder("198.18.0.100").privatePool("198.18.0.0/24");
        for (int i = 0; i < RESOURCES; i++) {
            b.resource("r" + i, nics.get(i));
        }
        return b.start();
    }

    private PollLoop startClient() {
        InMemoryNic nic = network.connect(InMemoryNicConfig.builder("client", MacAddress.local(99)).build());
        return PollLoop.start(new NetworkStack(StackConfig.builder().name("client").address("198.18.0.200/24").build(),
            nic), "client");
    }

    private boolean allEstablished(List<TcpConnection> connections) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            boolean all = client.call(() -> connections.stream().allMatch(c -> c.state() == TcpState.ESTABLISHED));
            if (all) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    @Test
    void private_ips_come_from_the_pool_and_the_first_resource_answers_for_the_public_ip() {
        host = startHost();
        for (int i = 0; i < RESOURCES; i++) {
            assertEquals("198.18.0." + (i + 1), IpAddress.v4ToString(host.resource(i).privateAddress()));
        }
        assertEquals(0, host.publicResource().id());
        assertEquals(IpAddress.parse("198.18.0.100").v4(), host.publicResource().stack().config().publicAddress());
        assertEquals(0, host.resource(1).stack().config().publicAddress());
    }

    @Test
    void connections_land_on_the_resource_of_their_tuple_and_the_hints_follow() throws Exception {
        host = startHost();
        client = startClient();
        AtomicIntegerArray accepted = new AtomicIntegerArray(RESOURCES);
        try (BypassHost.PublicListener listener = host.listen(80, 256, c -> {
            for (int i = 0; i < RESOURCES; i++) {
                if (host.resource(i).privateAddress() == c.localEndpoint().address().v4() || (i == 0 && c.localEndpoint().address().v4() == host.publicAddress())) {
                    accepted.incrementAndGet(i);
                }
            }
        })) {
            List<TcpConnection> connections = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                connections.add(client.call(() -> client.stack().tcp().connect(host.publicAddress(), 80, 0)));
            }
            for (BypassHost.BypassTuple t : host.bypassTuples(80)) {
                for (int k = 0; k < 10; k++) {
                    connections.add(client.call(() -> client.stack().tcp().connect(t.address(), t.port(), 0)));
                }
            }
            assertTrue(allEstablished(connections), "not every connection was established");
            Thread.sleep(50); // the accept callbacks run on the resources' threads
            assertEquals(14, accepted.get(0), "4 by public tuple + 10 by bypass tuple on resource 0");
            for (int i = 1; i < RESOURCES; i++) {
                assertEquals(10, accepted.get(i), "resource " + i);
            }
            List<BypassHost.BypassTuple> tuples = host.bypassTuples(80);
            assertEquals(14, tuples.get(0).loadHint());
            assertEquals(10, tuples.get(3).loadHint());
            assertTrue(tuples.stream().allMatch(BypassHost.BypassTuple::healthy));
            assertEquals(80, listener.port());
        }
    }

    @Test
    void a_resource_marked_down_or_with_its_link_down_is_offered_as_down() {
        host = startHost();
        host.setHealthy(2, false);
        nics.get(3).linkUp(false);
        List<BypassHost.BypassTuple> tuples = host.bypassTuples(8080);
        assertTrue(tuples.get(0).healthy() && tuples.get(1).healthy());
        assertFalse(tuples.get(2).healthy());
        assertFalse(tuples.get(3).healthy());
        host.setHealthy(2, true);
        assertTrue(host.bypassTuples(8080).get(2).healthy());
    }

    @Test
    void misconfiguration_is_named() {
        IllegalStateException noPool = assertThrows(IllegalStateException.class,
            () -> BypassHost.builder("198.18.0.100").resource("r0", nics.get(0)).start());
        assertTrue(noPool.getMessage().contains("has no private IP and the host no private pool"), noPool.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
            () -> BypassHost.builder("198.18.0.100").resource("r0", nics.get(0)).resource("r0", nics.get(1)));
        assertTrue(twice.getMessage().contains("resource 'r0' is already in this host"), twice.getMessage());
    }
}
