package dev.bypass.cli;

import dev.bypass.apps.BytePattern;
import dev.bypass.apps.HttpResponseParser;
import dev.bypass.config.BypassConfig;
import dev.bypass.host.HostRuntime;
import dev.bypass.query.ConnectQueryClient;
import dev.bypass.query.QueryCounter;
import dev.bypass.query.QueryCounters;
import dev.bypass.query.TuplePolicy;
import dev.bypass.socket.BypassSocketChannel;
import dev.bypass.socket.BypassSockets;
import dev.bypass.socket.ResourceChooser;
import dev.bypass.socket.ResourceSet;
import dev.bypass.stack.addr.Endpoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bypass connect PUBLIC_IP:PORT}: a bypass client process of several resources connecting to a bypass
 * host by its public tuple through the connect query, with the ring socket API ({@link BypassSockets} over the
 * configured resources, a {@link ResourceChooser} picking the client resource, the connect query on that
 * resource choosing the host's bypass tuple), then an HTTP GET on each connection, checked byte by byte.
 */
@Command(name = "connect", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Opens N connections to a bypass host's public tuple through its connect query, from every "
        + "configured resource in turn, GETs a path on each and checks the bytes.", "",
        "Opens the configured resources (as get does), and the ring socket API over them: each connection opens on "
            + "the next resource (--chooser), whose connect query client asks PUBLIC_IP's service (cached for the "
            + "answer's TTL) and opens straight to the bypass tuple its policy chooses (each client resource keeps "
            + "its own policy state). All N stay open at once; then each sends GET PATH (Connection: close) and "
            + "reads the answer: for /bytes/N, the body must be bypass's byte pattern (bypass pattern N), byte for "
            + "byte; for another path, a 2xx status.", "",
        "Prints one line per client resource, per server tuple and per pair of them, the query counters of each "
            + "client resource, and a last line 'result key=value ...'. Exit status: 0 if every connection "
            + "opened and verified (and, through the query, none fell back to the public tuple), 1 otherwise, "
            + "2 for a usage or configuration error."},
    footer = {"", "Example (hw-test/interop.sh, case stack-client-query):",
        "  ./bypass connect 198.18.0.10:80 --connections 40 --get /bytes/65536 --config client.conf"})
public final class ConnectCommand implements Callable<Integer> {
    private static final Pattern BYTES_PATH = Pattern.compile("/bytes/(\\d{1,12})");
    private static final int MAX_FAILURE_LINES = 10;

    @Parameters(index = "0", paramLabel = "PUBLIC_IP:PORT", description = "the bypass host's public tuple")
    String publicTuple;

    @Option(names = {"-n", "--connections"}, defaultValue = "1", paramLabel = "N",
        description = "connections to open, all at once (default ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--get", defaultValue = "/bytes/1024", paramLabel = "PATH",
        description = "the path each connection GETs (default ${DEFAULT-VALUE})")
    String path;

    @Option(names = "--policy", defaultValue = "round-robin", paramLabel = "POLICY",
        description = "which bypass tuple: round-robin, least-loaded, spare-capacity or client-hash (default "
            + "${DEFAULT-VALUE})")
    String policy;

    @Option(names = "--chooser", defaultValue = "round-robin", paramLabel = "CHOOSER",
        description = "which client resource: round-robin or first (default ${DEFAULT-VALUE})")
    String chooser;

    @Option(names = "--no-query", description = "connect to PUBLIC_IP:PORT itself, without the connect query")
    boolean noQuery;

    @Option(names = "--service-port", defaultValue = "7483", paramLabel = "PORT",
        description = "the connect query's UDP port (default ${DEFAULT-VALUE})")
    int servicePort;

    @Option(names = "--timeout", converter = Durations.class, defaultValue = "30s", paramLabel = "DURATION",
        description = "give up on a connect, and on all the GETs, after this long (default ${DEFAULT-VALUE})")
    Duration timeout;

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    /** One connection's story. */
    private static final class Conn {
        final int index;
        BypassSocketChannel channel;
        int resource = -1;
        Endpoint remote;
        HttpResponseParser parser;
        ByteBuffer request;
        long checked;
        long mismatched;
        boolean verified;
        String failure;

        Conn(int index) {
            this.index = index;
        }

        boolean pending() {
            return channel != null && failure == null && !verified;
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Endpoint target;
        try {
            target = Endpoint.parse(publicTuple);
        } catch (RuntimeException e) {
            throw new ParameterException(spec.commandLine(), "PUBLIC_IP:PORT: " + e.getMessage());
        }
        if (connections < 1 || connections > BypassSockets.DEFAULT_MAX_SOCKETS) {
            throw new ParameterException(spec.commandLine(), "--connections must be 1 to "
                + BypassSockets.DEFAULT_MAX_SOCKETS);
        }
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
            throw new ParameterException(spec.commandLine(), "--get: a path starting with /, no spaces: '" + path + "'");
        }
        Supplier<TuplePolicy> policies = policyFactory(policy);
        if (policies == null) {
            throw new ParameterException(spec.commandLine(), "--policy " + policy
                + ": must be round-robin, least-loaded, spare-capacity or client-hash");
        }
        ResourceChooser resourceChooser = switch (chooser) {
            case "round-robin" -> ResourceChooser.roundRobin();
            case "first" -> ResourceChooser.FIRST;
            default -> throw new ParameterException(spec.commandLine(), "--chooser " + chooser
                + ": must be round-robin or first");
        };
        Matcher bytesPath = BYTES_PATH.matcher(path);
        long expectBytes = bytesPath.matches() ? Long.parseLong(bytesPath.group(1)) : -1;
        BypassConfig config = options.loadOrReport("connect", err);
        if (config == null) {
            return 2;
        }
        try (HostRuntime runtime = GetCommand.open(config, err)) {
            if (runtime == null) {
                return 1;
            }
            List<HostRuntime.Resource> rs = runtime.resources();
            ResourceSet set = resourceSet(rs);
            try (BypassSockets sockets = BypassSockets.open(set).chooser(resourceChooser)) {
                if (!noQuery) {
                    int publicAddress = target.address().v4();
                    sockets.connectQuery(ConnectQueryClient.Config.DEFAULT.withServicePort(servicePort),
                        perResource(rs, policies), a -> a == publicAddress);
                }
                return run(sockets, rs, target, expectBytes, out);
            }
        }
    }

    private int run(BypassSockets sockets, List<HostRuntime.Resource> rs, Endpoint target, long expectBytes,
                    PrintWriter out) throws InterruptedException {
        long start = System.nanoTime();
        List<Conn> all = new ArrayList<>();
        try {
            // Every connection first, one after the other (each spread by the chooser and the query's policy).
            for (int i = 0; i < connections; i++) {
                Conn c = new Conn(i);
                all.add(c);
                BypassSocketChannel ch = sockets.openSocketChannel();
                try {
                    ch.connect(target, timeout.toMillis());
                    c.channel = ch;
                    c.resource = ch.resource();
                    c.remote = ch.remoteEndpoint();
                    ch.configureBlocking(false);
                } catch (IOException | RuntimeException e) {
                    c.resource = ch.resource();
                    c.failure = "connect: " + e.getMessage();
                    ch.close();
                }
            }
            long connectedNs = System.nanoTime() - start;
            // Then the GETs, all at once, driven by this thread over non-blocking channels.
            String authority = target.address() + (target.port() == 80 ? "" : ":" + target.port());
            byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + authority + "\r\nUser-Agent: bypass-connect\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            for (Conn c : all) {
                if (c.pending()) {
                    c.request = ByteBuffer.wrap(request);
                    c.parser = new HttpResponseParser((b, off, len) -> check(c, b, off, len), false);
                }
            }
            exchange(all, expectBytes, start + timeout.toNanos());
            long totalNs = System.nanoTime() - start;
            return report(all, sockets, rs, target, expectBytes, connectedNs, totalNs, out);
        } finally {
            for (Conn c : all) {
                if (c.channel != null) {
                    c.channel.close();
                }
            }
        }
    }

    /** Writes each request and reads each answer until every connection is verified, failed, or the time is up. */
    private void exchange(List<Conn> all, long expectBytes, long deadline) throws InterruptedException {
        byte[] chunk = new byte[64 * 1024];
        ByteBuffer in = ByteBuffer.wrap(chunk);
        boolean any = true;
        while (any) {
            any = false;
            boolean progress = false;
            for (Conn c : all) {
                if (!c.pending()) {
                    continue;
                }
                any = true;
                try {
                    if (c.request.hasRemaining()) {
                        progress |= c.channel.write(c.request) > 0;
                        continue;
                    }
                    in.clear();
                    int n = c.channel.read(in);
                    if (n > 0) {
                        progress = true;
                        c.parser.feed(chunk, 0, n);
                    } else if (n < 0) {
                        c.parser.endOfInput();
                        if (!c.parser.done()) {
                            c.failure = "the server closed before the answer was complete (" + c.parser.bodyBytes()
                                + " body bytes)";
                        }
                    }
                } catch (IOException e) {
                    c.failure = "GET: " + e.getMessage();
                    continue;
                }
                if (c.parser.failed()) {
                    c.failure = "answer: " + c.parser.problem();
                } else if (c.parser.done()) {
                    judge(c, expectBytes);
                }
            }
            if (any && System.nanoTime() - deadline > 0) {
                for (Conn c : all) {
                    if (c.pending()) {
                        c.failure = "no complete answer in " + timeout.toMillis() + " ms (" + c.parser.bodyBytes()
                            + " body bytes)";
                    }
                }
                return;
            }
            if (any && !progress) {
                LockSupport.parkNanos(20_000);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        }
    }

    private static void check(Conn c, byte[] bytes, int offset, int length) {
        c.mismatched += BytePattern.mismatches(0, c.checked, new UnsafeBuffer(bytes, offset, length), 0, length);
        c.checked += length;
    }

    private static void judge(Conn c, long expectBytes) {
        HttpResponseParser p = c.parser;
        if (expectBytes >= 0) {
            if (p.status() != 200) {
                c.failure = "status " + p.status() + " " + p.reason();
            } else if (p.bodyBytes() != expectBytes) {
                c.failure = p.bodyBytes() + " body bytes, expected " + expectBytes;
            } else if (c.mismatched != 0) {
                c.failure = c.mismatched + " of " + expectBytes + " bytes differ from the pattern";
            } else {
                c.verified = true;
            }
        } else if (p.status() / 100 != 2) {
            c.failure = "status " + p.status() + " " + p.reason();
        } else {
            c.verified = true;
        }
    }

    private int report(List<Conn> all, BypassSockets sockets, List<HostRuntime.Resource> rs, Endpoint target,
                       long expectBytes, long connectedNs, long totalNs, PrintWriter out) {
        int connected = 0;
        int verified = 0;
        long bytes = 0;
        int[] perResource = new int[rs.size()];
        Map<String, Integer> perTuple = new TreeMap<>();
        Map<String, Integer> perPath = new TreeMap<>();
        for (Conn c : all) {
            if (c.remote == null) {
                continue;
            }
            connected++;
            perResource[c.resource]++;
            perTuple.merge(c.remote.toString(), 1, Integer::sum);
            perPath.merge(rs.get(c.resource).name() + " " + c.remote, 1, Integer::sum);
            if (c.verified) {
                verified++;
                bytes += c.parser.bodyBytes();
            }
        }
        out.printf(Locale.ROOT, "bypass connect: %d connection(s) to %s %s from %d resource(s) (%s), GET %s on each%n",
            connections, target, noQuery ? "directly (no connect query)" : "through the connect query (" + policy + ")",
            rs.size(), chooser, path);
        for (int r = 0; r < rs.size(); r++) {
            out.printf(Locale.ROOT, "client-resource %s %s %d%n", rs.get(r).name(), rs.get(r).address(), perResource[r]);
        }
        perTuple.forEach((t, n) -> out.printf(Locale.ROOT, "server-tuple %s %d%n", t, n));
        perPath.forEach((p, n) -> out.printf(Locale.ROOT, "path %s %d%n", p, n));
        long queries = 0;
        long hits = 0;
        long fallbacks = 0;
        long retries = 0;
        for (int r = 0; r < rs.size(); r++) {
            QueryCounters q = sockets.queryCounters(r);
            if (q == null) {
                continue;
            }
            out.printf(Locale.ROOT, "query %s queries %d retries %d replies %d cache-hits %d resolved %d fallbacks %d%n",
                rs.get(r).name(), q.get(QueryCounter.CLIENT_QUERIES), q.get(QueryCounter.CLIENT_RETRIES),
                q.get(QueryCounter.CLIENT_REPLIES_ACCEPTED), q.get(QueryCounter.CLIENT_CACHE_HITS),
                q.get(QueryCounter.CLIENT_RESOLVED), q.get(QueryCounter.CLIENT_FALLBACKS));
            queries += q.get(QueryCounter.CLIENT_QUERIES);
            hits += q.get(QueryCounter.CLIENT_CACHE_HITS);
            fallbacks += q.get(QueryCounter.CLIENT_FALLBACKS);
            retries += q.get(QueryCounter.CLIENT_RETRIES);
        }
        int failures = 0;
        for (Conn c : all) {
            if (!c.verified) {
                failures++;
                if (failures <= MAX_FAILURE_LINES) {
                    out.printf(Locale.ROOT, "failure %d%s: %s%n", c.index,
                        c.resource < 0 ? "" : " (" + rs.get(c.resource).name() + (c.remote == null ? "" : " to " + c.remote)
                            + ")", c.failure == null ? "not verified" : c.failure);
                }
            }
        }
        if (failures > MAX_FAILURE_LINES) {
            out.printf(Locale.ROOT, "failure ... and %d more%n", failures - MAX_FAILURE_LINES);
        }
        out.printf(Locale.ROOT, "result connections=%d connected=%d verified=%d failures=%d bytes=%d checked=%s "
                + "queries=%d retries=%d cache-hits=%d fallbacks=%d connect-s=%.3f total-s=%.3f%n",
            connections, connected, verified, failures, bytes, expectBytes >= 0 ? "pattern" : "status", queries, retries,
            hits, fallbacks, connectedNs / 1e9, totalNs / 1e9);
        out.flush();
        return failures == 0 && fallbacks == 0 ? 0 : 1;
    }

    /** The runtime's resources as a {@link ResourceSet}, in configuration order. */
    static ResourceSet resourceSet(List<HostRuntime.Resource> rs) {
        List<ResourceSet.Resource> list = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            list.add(ResourceSet.resource(i, rs.get(i).stack(), rs.get(i).loop(), ResourceSet.DEFAULT_COMMAND_RING_BYTES));
        }
        List<ResourceSet.Resource> fixed = List.copyOf(list);
        return new ResourceSet() {
            @Override
            public int size() {
                return fixed.size();
            }

            @Override
            public ResourceSet.Resource resource(int index) {
                return fixed.get(index);
            }
        };
    }

    static Supplier<TuplePolicy> policyFactory(String name) {
        return switch (name) {
            case "round-robin" -> TuplePolicy::roundRobin;
            case "least-loaded" -> TuplePolicy::leastLoaded;
            case "spare-capacity" -> TuplePolicy::spareCapacity;
            case "client-hash" -> TuplePolicy::clientHash;
            default -> null;
        };
    }

    /**
     * One policy per client resource, told apart by the client address the query client passes: each resource
     * spreads its own connections as a host of its own would (a shared round-robin turn, alternating with the
     * chooser's, would pair each client resource with one server tuple).
     */
    static TuplePolicy perResource(List<HostRuntime.Resource> rs, Supplier<TuplePolicy> factory) {
        int[] addresses = new int[rs.size()];
        TuplePolicy[] each = new TuplePolicy[rs.size()];
        for (int i = 0; i < rs.size(); i++) {
            addresses[i] = rs.get(i).config().stack().address();
            each[i] = factory.get();
        }
        TuplePolicy shared = factory.get();
        return (candidates, clientAddress, clientPort) -> {
            for (int i = 0; i < addresses.length; i++) {
                if (addresses[i] == clientAddress) {
                    return each[i].choose(candidates, clientAddress, clientPort);
                }
            }
            return shared.choose(candidates, clientAddress, clientPort);
        };
    }
}
