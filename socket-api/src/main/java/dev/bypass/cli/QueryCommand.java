package dev.bypass.cli;

import dev.bypass.query.TuplePolicy;
import dev.bypass.query.nio.NioConnectQuery;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bypass query PUBLIC_IP:PORT}: the kernel-side client library at work, from any JVM on kernel
 * networking. Asks the connect query which bypass tuples serve the public tuple, opens connections straight
 * to them by the chosen policy, and prints where each landed.
 */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = {"Ask a bypass host's connect query which bypass tuples serve PUBLIC_IP:PORT and open connections",
        "to them through the kernel (plain Java NIO), printing how many landed on each tuple."})
final class QueryCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PUBLIC_IP:PORT", description = "the public tuple")
    String publicTuple;

    @Option(names = "--connections", defaultValue = "1", description = "connections to open (default 1)")
    int connections;

    @Option(names = "--policy", defaultValue = "round-robin",
        description = "round-robin, least-loaded, spare-capacity or client-hash (default round-robin)")
    String policy;

    @Option(names = "--service-port", defaultValue = "7483", description = "the connect query's UDP port (default 7483)")
    int servicePort;

    private final PrintStream out;

    QueryCommand() {
        this(System.out);
    }

    QueryCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        int colon = publicTuple.lastIndexOf(':');
        if (colon < 0) {
            System.err.println("bypass query: '" + publicTuple + "' is not PUBLIC_IP:PORT");
            return 2;
        }
        InetSocketAddress target = new InetSocketAddress(publicTuple.substring(0, colon),
            Integer.parseInt(publicTuple.substring(colon + 1)));
        TuplePolicy p = switch (policy) {
            case "round-robin" -> TuplePolicy.roundRobin();
            case "least-loaded" -> TuplePolicy.leastLoaded();
            case "spare-capacity" -> TuplePolicy.spareCapacity();
            case "client-hash" -> TuplePolicy.clientHash();
            default -> null;
        };
        if (p == null) {
            System.err.println("bypass query: --policy " + policy + ": must be round-robin, least-loaded, spare-capacity "
                + "or client-hash");
            return 2;
        }
        Map<String, Integer> landed = new TreeMap<>();
        List<SocketChannel> open = new ArrayList<>();
        try (NioConnectQuery query = NioConnectQuery.builder().servicePort(servicePort).policy(p).build()) {
            for (int i = 0; i < connections; i++) {
                SocketChannel ch = query.connect(target);
                open.add(ch);
                InetSocketAddress remote = (InetSocketAddress) ch.getRemoteAddress();
                landed.merge(remote.getAddress().getHostAddress() + ":" + remote.getPort(), 1, Integer::sum);
            }
        } finally {
            for (SocketChannel ch : open) {
                ch.close();
            }
        }
        out.println(connections + " connections to " + publicTuple + " by the connect query (" + policy + "):");
        landed.forEach((tuple, n) -> out.println("  " + tuple + "  " + n));
        return 0;
    }
}
