package dev.bypass.socket;

import dev.bypass.host.PollLoop;
import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.addr.MacAddress;

/**
 * Two stacks on the in-memory switch, each on its own real poll thread, each with the socket API over it:
 * "server" at 198.18.0.2, "client" at 198.18.0.1.
 */
final class TwoHosts implements AutoCloseable {
    final PollLoop serverLoop;
    final PollLoop clientLoop;
    final BypassSockets server;
    final BypassSockets client;

    TwoHosts() {
        this(TcpConfig.DEFAULT, 4096);
    }

    TwoHosts(TcpConfig tcp, int poolFrames) {
        InMemoryNetwork network = new InMemoryNetwork(2);
        NetworkStack s = stack(network, 2, tcp, poolFrames);
        NetworkStack c = stack(network, 1, tcp, poolFrames);
        serverLoop = PollLoop.start(s, "server-poll");
        clientLoop = PollLoop.start(c, "client-poll");
        server = BypassSockets.open(ResourceSet.single(s, serverLoop));
        client = BypassSockets.open(ResourceSet.single(c, clientLoop));
    }

    private static NetworkStack stack(InMemoryNetwork network, int id, TcpConfig tcp, int poolFrames) {
        return new NetworkStack(StackConfig.builder().name(id == 2 ? "server" : "client").address("198.18.0." + id + "/24")
            .secretSeed(id).tcp(tcp).build(),
            network.connect(InMemoryNicConfig.builder("nic" + id, MacAddress.local(id)).poolFrames(poolFrames).build()));
    }

    @Override
    public void close() {
        server.close();
        client.close();
        clientLoop.close();
        serverLoop.close();
    }
}
