package dev.bypass.bench;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNic;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.NetworkDevice;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Two stacks on an in-memory network, client 198.18.0.1 and server 198.18.0.2, with one established TCP
 * connection between them (noDelay, defaults otherwise), driven from one thread in real time.
 */
final class TwoStacks implements AutoCloseable {
    static final int PORT = 7;

    final NetworkStack clientStack;
    final NetworkStack serverStack;
    final TcpConnection client;
    final TcpConnection server;

    TwoStacks() {
        this(TcpConfig.builder().noDelay(true).build(), 0, UnaryOperator.identity(), UnaryOperator.identity());
    }

    TwoStacks(TcpConfig tcp, UnaryOperator<NetworkDevice> wrapClient, UnaryOperator<NetworkDevice> wrapServer) {
        this(tcp, TimeUnit.DAYS.toNanos(1), wrapClient, wrapServer);
    }

    /**
     * Stacks with TCP configuration {@code tcp} whose NICs are wrapped by {@code wrapClient} and
     * {@code wrapServer} (a bench device that records or replays frames); ARP entries stay reachable for a day,
     * so a benchmark that advances a virtual clock fast sees no ARP probe (the no-argument constructor keeps the
     * default, 30 s).
     */
    private TwoStacks(TcpConfig tcp, long arpReachableNs, UnaryOperator<NetworkDevice> wrapClient,
                      UnaryOperator<NetworkDevice> wrapServer) {
        InMemoryNetwork network = new InMemoryNetwork(2);
        InMemoryNic clientNic = network.connect(InMemoryNicConfig.builder("client", MacAddress.local(1)).build());
        InMemoryNic serverNic = network.connect(InMemoryNicConfig.builder("server", MacAddress.local(2)).build());
        StackConfig.Builder clientConfig = StackConfig.builder().name("client").address("198.18.0.1/24").secretSeed(1);
        StackConfig.Builder serverConfig = StackConfig.builder().name("server").address("198.18.0.2/24").secretSeed(2);
        if (arpReachableNs > 0) {
            clientConfig.arpReachableNs(arpReachableNs);
            serverConfig.arpReachableNs(arpReachableNs);
        }
        clientStack = new NetworkStack(clientConfig.tcp(tcp).build(), wrapClient.apply(clientNic));
        serverStack = new NetworkStack(serverConfig.tcp(tcp).build(), wrapServer.apply(serverNic));
        // Start both clocks first: a connect before the first poll would stamp its SYN with time 0.
        pollBoth();
        TcpListener listener = serverStack.tcp().listen(PORT);
        client = clientStack.tcp().connect(Endpoint.parse("198.18.0.2:" + PORT));
        TcpConnection accepted = null;
        for (int i = 0; i < 1000 && (client.state() != TcpState.ESTABLISHED || accepted == null); i++) {
            pollBoth();
            if (accepted == null) {
                accepted = listener.accept();
            }
        }
        if (client.state() != TcpState.ESTABLISHED || accepted == null) {
            throw new IllegalStateException("no connection: " + client + "\n" + counters());
        }
        server = accepted;
    }

    /**
     * One duty cycle of each stack at the same time (the clock is read once, as a poll thread does); returns
     * the work they found.
     */
    int pollBoth() {
        long nowNs = System.nanoTime();
        return clientStack.poll(nowNs) + serverStack.poll(nowNs);
    }

    long segmentsSent() {
        return clientStack.counters().get(Counter.TCP_OUT_SEGS) + serverStack.counters().get(Counter.TCP_OUT_SEGS);
    }

    long segmentsRetransmitted() {
        return clientStack.counters().get(Counter.TCP_RETRANS_SEGS) + serverStack.counters().get(Counter.TCP_RETRANS_SEGS);
    }

    long framesDropped() {
        return clientStack.device().rxDropped() + clientStack.device().txDropped()
            + serverStack.device().rxDropped() + serverStack.device().txDropped();
    }

    String counters() {
        return clientStack.counters().dumpNonZero() + serverStack.counters().dumpNonZero();
    }

    @Override
    public void close() {
        clientStack.close();
        serverStack.close();
    }
}
