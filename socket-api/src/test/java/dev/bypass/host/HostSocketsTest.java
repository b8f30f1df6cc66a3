package dev.bypass.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.socket.BypassServerSocketChannel;
import dev.bypass.socket.BypassSocketChannel;
import dev.bypass.socket.BypassSockets;
import dev.bypass.socket.ResourceSet;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ring socket API over a {@link BypassHost}'s resources: one {@link BypassServerSocketChannel} bound to a
 * port listens on all four resources' bypass tuples and on the public tuple; an application thread accepts
 * connections from every resource through the one accept ring and echoes on them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostSocketsTest {
    private static final int RESOURCES = 4;
    private final InMemoryNetwork network = new InMemoryNetwork(RESOURCES + 1);
    private BypassHost host;
    private BypassSockets serverSockets;
    private BypassSockets clientSockets;
    private PollLoop clientLoop;

    @AfterEach
    void close() {
        if (clientSockets != null) {
            clientSockets.close();
        }
        if (serverSockets != null) {
            serverSockets.close();
        }
        if (clientLoop != null) {
            clientLoop.close();
        }
        if (host != null) {
            host.close();
        }
    }

    @Test
    void one_server_socket_accepts_on_every_resource_and_the_public_tuple() throws Exception {
        BypassHost.Builder b = BypassHost.builder("198.18.0.100").privatePool("198.18.0.0/24");
        for (int i = 0; i < RESOURCES; i++) {
            b.resource("r" + i, network.connect(InMemoryNicConfig.builder("r" + i, MacAddress.local(10 + i)).build()));
        }
        host = b.start();
        serverSockets = BypassSockets.open(host.resourceSet());
        BypassServerSocketChannel listener = serverSockets.openServerSocketChannel().bind(7);

        NetworkStack clientStack = new NetworkStack(StackConfig.builder().name("client").address("198.18.0.200/24").build(),
            network.connect(InMemoryNicConfig.builder("client", MacAddress.local(99)).build()));
        clientLoop = PollLoop.start(clientStack, "client");
        clientSockets = BypassSockets.open(ResourceSet.single(clientStack, clientLoop));

        // One connection to each bypass tuple and one to the public tuple.
        List<Endpoint> targets = new ArrayList<>();
        for (BypassHost.Resource r : host.resources()) {
            targets.add(new Endpoint(IpAddress.ofV4(r.privateAddress()), 7));
        }
        targets.add(new Endpoint(IpAddress.ofV4(host.publicAddress()), 7));
        List<BypassSocketChannel> clients = new ArrayList<>();
        for (Endpoint t : targets) {
            BypassSocketChannel c = clientSockets.openSocketChannel();
            assertTrue(c.connect(t));
            clients.add(c);
        }

        int[] perResource = new int[RESOURCES];
        List<BypassSocketChannel> accepted = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            BypassSocketChannel s = listener.accept();
            perResource[s.resource()]++;
            accepted.add(s);
        }
        assertEquals(2, perResource[0], "resource 0: its bypass tuple and the public tuple");
        for (int i = 1; i < RESOURCES; i++) {
            assertEquals(1, perResource[i], "resource " + i);
        }

        // Echo through every accepted socket: what each client sends comes back on its own connection.
        for (int i = 0; i < clients.size(); i++) {
            ByteBuffer out = ByteBuffer.wrap(("hello " + i).getBytes());
            clients.get(i).write(out);
        }
        for (BypassSocketChannel s : accepted) {
            ByteBuffer in = ByteBuffer.allocate(64);
            int n = s.read(in);
            assertTrue(n > 0);
            s.write(in.flip());
        }
        for (int i = 0; i < clients.size(); i++) {
            ByteBuffer back = ByteBuffer.allocate(64);
            int n = clients.get(i).read(back);
            assertEquals("hello " + i, new String(back.array(), 0, n));
        }
        for (BypassSocketChannel c : clients) {
            c.close();
        }
        for (BypassSocketChannel s : accepted) {
            s.close();
        }
    }
}
