package dev.bypass.demo;

import dev.bypass.apps.BytePattern;
import dev.bypass.apps.UdpEchoServer;
import dev.bypass.host.BypassHost;
import dev.bypass.nic.capture.PcapDevice;
import dev.bypass.nic.fault.FaultConfig;
import dev.bypass.nic.fault.FaultInjectingDevice;
import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.query.BypassTupleTable;
import dev.bypass.query.ConnectQueryClient;
import dev.bypass.query.ConnectQueryService;
import dev.bypass.query.QueryCounter;
import dev.bypass.query.QueryCounters;
import dev.bypass.query.TuplePolicy;
import dev.bypass.socket.BypassDatagramChannel;
import dev.bypass.socket.BypassSelectionKey;
import dev.bypass.socket.BypassSelector;
import dev.bypass.socket.BypassServerSocketChannel;
import dev.bypass.socket.BypassSocketChannel;
import dev.bypass.socket.BypassSockets;
import dev.bypass.socket.ResourceChooser;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.NetworkDevice;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The demo of a bypass host, in real time: a server {@link BypassHost} of several resources (4 by default: NICs,
 * each with its own stack, poll thread and private IP, one public IP for the host) and a client host of 2, on an
 * in-memory switch. The server listens on its public tuple with the ring socket API ({@link BypassSockets}); the
 * client opens its connections <b>by the public tuple through the connect query</b>: each connect goes to the
 * client resource the round-robin chooser picks, whose query client asks the server's query service (or answers
 * from its cache) and opens straight to the bypass tuple the round-robin policy chose, so the connections spread
 * over every resource of both hosts. Both ends of every connection then stream a checked byte pattern at once
 * (non-blocking channels, one {@link BypassSelector} thread per host), and the client sends UDP datagrams to an
 * echo service on the server's public IP.
 *
 * <p>While it runs, a monitor samples every few milliseconds what the rings between the application threads and
 * the poll threads hold (send and receive rings of the connections, the accept ring, the command rings) and hands
 * a {@link Progress} to the caller four times a second. Every NIC sits behind a {@link FaultInjectingDevice}
 * (rate and one-way delay always, plus the faults asked for); one client NIC can be captured to a pcap file.
 */
public final class HostsDemo {
    /** What to run. */
    public record Options(long bytesPerConnection, int connections, int udpDatagrams, double lossPercent,
                          double reorderPercent, double duplicatePercent, double corruptPercent, long seed,
                          long linkBitsPerSecond, long oneWayDelayNs, boolean offloads, Path pcap, int serverResources,
                          int clientResources, long timeoutMs)
        implements DemoLinks.LinkOptions {
        public Options {
            if (bytesPerConnection < 0 || connections < 1 || udpDatagrams < 0) {
                throw new IllegalArgumentException("demo needs bytes >= 0, connections >= 1, datagrams >= 0");
            }
            if (serverResources < 1 || serverResources > 16 || clientResources < 1 || clientResources > 16) {
                throw new IllegalArgumentException("hosts have 1..16 resources each, got " + serverResources + " and "
                    + clientResources);
            }
            if (timeoutMs <= 0) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeoutMs + " ms");
            }
            for (double p : new double[] {lossPercent, reorderPercent, duplicatePercent, corruptPercent}) {
                if (p < 0 || p > 100) {
                    throw new IllegalArgumentException("fault percentages must be 0..100, got " + p);
                }
            }
        }

        public static Options defaults() {
            return new Options(4L << 20, 8, 1000, 0, 0, 0, 0, 1, 10_000_000_000L, 20_000, true, null, 4, 2, 60_000);
        }
    }

    /** The rings between application and poll threads, as sampled: bytes (or connections) held now and capacity. */
    public record RingSample(long clientSendUsed, long clientSendCapacity, long clientReceiveUsed,
                             long clientReceiveCapacity, long serverSendUsed, long serverSendCapacity,
                             long serverReceiveUsed, long serverReceiveCapacity, long acceptWaiting, long acceptCapacity,
                             long commandUsed, long commandCapacity) {
    }

    /** The connect query's figures, summed over the client resources, and the server's query service. */
    public record QueryFigures(long queries, long retries, long replies, long cacheHits, long resolved, long fallbacks,
                               long serviceQueries, long serviceReplies) {
    }

    /** What the monitor reports while the demo runs. */
    public record Progress(long elapsedNs, long bytesChecked, long bytesExpected, int[] serverConnections,
                           int[] clientConnections, QueryFigures query, RingSample rings) {
    }

    /** The occupancy of one class of rings over the run: mean and peak fill of the samples, in percent. */
    public record RingStat(String name, int rings, long capacityBytes, double meanPercent, double peakPercent) {
    }

    /** One resource of a host at the end. */
    public record ResourceReport(int id, String name, String privateAddress, int connections, long tcpBytesSent,
                                 long tcpBytesReceived, long tcpMismatches, long segmentsOut, long segmentsIn,
                                 long retransmissions) {
    }

    /** One host at the end. */
    public record HostReport(String name, String publicAddress, List<ResourceReport> resources,
                             Map<String, Long> counters, Map<String, Long> faults) {
        public int[] connectionsPerResource() {
            int[] n = new int[resources.size()];
            for (int i = 0; i < n.length; i++) {
                n[i] = resources.get(i).connections();
            }
            return n;
        }

        public long tcpBytesReceived() {
            long n = 0;
            for (ResourceReport r : resources) {
                n += r.tcpBytesReceived();
            }
            return n;
        }

        public long tcpMismatches() {
            long n = 0;
            for (ResourceReport r : resources) {
                n += r.tcpMismatches();
            }
            return n;
        }

        public long retransmissions() {
            long n = 0;
            for (ResourceReport r : resources) {
                n += r.retransmissions();
            }
            return n;
        }
    }

    /**
     * Allocation while the bytes moved: measured from when an eighth of the bytes had been checked to when seven
     * eighths had (-1 if the run was too short to take both readings).
     */
    public record SteadyState(long bytesMoved, long pollThreadBytes, long appThreadBytes, long heapGrowthBytes) {
    }

    /** The outcome. */
    public record Result(boolean ok, String problem, long wallNs, long transferNs, long bytesPerConnection,
                         int connections, long bytesChecked, long bytesExpected, HostReport server, HostReport client,
                         String publicTuple, QueryFigures query, List<RingStat> rings, long ringSamples, long udpSent,
                         long udpReceived, long udpMismatches, long udpRingDrops, SteadyState steadyState, long capturedFrames,
                         long captureLost) {
    }

    static final int TCP_PORT = 7;
    private static final int UDP_PORT = 7;
    private static final int UDP_PAYLOAD = 512;
    private static final String SERVER_PUBLIC = "198.18.0.100";
    private static final String CLIENT_PUBLIC = "198.18.0.101";
    private static final long SAMPLE_NS = 5_000_000L;
    private static final long PROGRESS_NS = 250_000_000L;
    private static final int CHUNK = 64 * 1024;

    private HostsDemo() {
    }

    /** Runs the demo; {@code onProgress} (may be null) gets a progress report every quarter second. */
    public static Result run(Options o, Consumer<Progress> onProgress) throws IOException {
        return new Run(o, onProgress).run();
    }

    /** One run: the hosts, the sockets, the worker threads and the monitor. */
    private static final class Run {
        private final Options o;
        private final Consumer<Progress> onProgress;
        private final List<AutoCloseable> closing = new ArrayList<>();
        private final List<FaultInjectingDevice> serverWires = new ArrayList<>();
        private final List<FaultInjectingDevice> clientWires = new ArrayList<>();
        private PcapDevice capture;
        private BypassHost server;
        private BypassHost client;
        private BypassSockets serverSockets;
        private BypassSockets clientSockets;
        private ConnectQueryService service;
        private BypassServerSocketChannel listener;
        private final AtomicReferenceArray<Stream> serverStreams;
        private final AtomicReferenceArray<Stream> clientStreams;
        private final AtomicIntegerArray serverConnections;
        private final AtomicIntegerArray clientConnections;
        private final AtomicReference<String> failure = new AtomicReference<>();
        private final long expected;
        // ring statistics: sums and peaks of fill fractions, per class
        private final double[] fillSum = new double[RING_CLASSES];
        private final double[] fillPeak = new double[RING_CLASSES];
        private long samples;
        private volatile long udpSent;
        private volatile long udpReceived;
        private volatile long udpBad;
        private volatile long udpRingDrops;

        Run(Options o, Consumer<Progress> onProgress) {
            this.o = o;
            this.onProgress = onProgress;
            this.serverStreams = new AtomicReferenceArray<>(o.connections());
            this.clientStreams = new AtomicReferenceArray<>(o.connections());
            this.serverConnections = new AtomicIntegerArray(o.serverResources());
            this.clientConnections = new AtomicIntegerArray(o.clientResources());
            this.expected = o.bytesPerConnection() * o.connections();
        }

        Result run() throws IOException {
            long wallStart = System.nanoTime();
            Result r;
            try {
                r = runHosts(wallStart);
            } finally {
                closeAll();
            }
            long written = capture == null ? 0 : capture.writtenRecords();
            long lost = capture == null ? 0 : capture.lostRecords();
            return new Result(r.ok(), r.problem(), System.nanoTime() - wallStart, r.transferNs(), r.bytesPerConnection(),
                r.connections(), r.bytesChecked(), r.bytesExpected(), r.server(), r.client(), r.publicTuple(), r.query(),
                r.rings(), r.ringSamples(), r.udpSent(), r.udpReceived(), r.udpMismatches(), r.udpRingDrops(), r.steadyState(), written,
                lost);
        }

        private Result runHosts(long wallStart) throws IOException {
            InMemoryNetwork network = new InMemoryNetwork(o.serverResources() + o.clientResources());
            int offloads = o.offloads() ? DeviceCapabilities.OFFLOAD_TX_IP_CHECKSUM
                | DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM | DeviceCapabilities.OFFLOAD_TX_UDP_CHECKSUM
                | DeviceCapabilities.OFFLOAD_TSO : 0;
            int serverPublic = IpAddress.parse(SERVER_PUBLIC).v4();

            // The server host: n resources, private IPs 198.18.0.1.. from the pool, the public IP on resource 0.
            BypassHost.Builder sb = BypassHost.builder(SERVER_PUBLIC).privatePool("198.18.0.0/24")
                .idleStrategy(HostsDemo::idle);
            for (int i = 0; i < o.serverResources(); i++) {
                FaultInjectingDevice wire = new FaultInjectingDevice(network.connect(nic("server-" + i, 10 + i, offloads)),
                    link(o, o.seed() * 64 + i));
                serverWires.add(wire);
                sb.resource("server-" + i, wire);
            }
            server = sb.start();
            closing.add(server);
            // The client host: m resources with private IPs 198.18.0.201.., the public IP on resource 0.
            BypassHost.Builder cb = BypassHost.builder(CLIENT_PUBLIC).idleStrategy(HostsDemo::idle);
            for (int i = 0; i < o.clientResources(); i++) {
                FaultInjectingDevice wire = new FaultInjectingDevice(network.connect(nic("client-" + i, 50 + i, offloads)),
                    link(o, o.seed() * 64 + 32 + i));
                clientWires.add(wire);
                NetworkDevice device = wire;
                if (i == 0 && o.pcap() != null) {
                    capture = new PcapDevice(wire, o.pcap(), PcapDevice.epochOffsetOfNanoTime(), 64 << 20);
                    device = capture;
                }
                cb.resource("client-" + i, device, "198.18.0." + (201 + i) + "/24");
            }
            client = cb.start();
            closing.add(client);

            // The server publishes its bypass tuples; the query service answers on the public resource.
            AtomicReference<BypassTupleTable> tables = new AtomicReference<>(server.tupleTable(1, TCP_PORT));
            service = server.startConnectQuery(ConnectQueryService.Config.DEFAULT, tables);
            closing.add(() -> server.publicResource().loop().call(() -> {
                service.close();
                return null;
            }));
            server.publicResource().loop().call(
                () -> UdpEchoServer.start(server.publicResource().stack(), UDP_PORT));

            int maxSockets = Math.max(1024, 4 * o.connections());
            serverSockets = BypassSockets.open(server.resourceSet(), maxSockets);
            closing.add(serverSockets);
            clientSockets = BypassSockets.open(client.resourceSet(), maxSockets).chooser(ResourceChooser.roundRobin())
                .connectQuery(ConnectQueryClient.Config.DEFAULT, TuplePolicy.roundRobin(), a -> a == serverPublic);
            closing.add(clientSockets);
            listener = serverSockets.openServerSocketChannel();
            closing.add(listener);
            listener.bind(TCP_PORT, Math.max(128, o.connections()));

            Endpoint publicTuple = new Endpoint(IpAddress.ofV4(serverPublic), TCP_PORT);
            long deadline = wallStart + o.timeoutMs() * 1_000_000L;
            Worker serverWorker = new Worker("demo-server", true, null, deadline);
            Worker clientWorker = new Worker("demo-client", false, publicTuple, deadline);
            UdpWorker udp = new UdpWorker(new Endpoint(IpAddress.ofV4(serverPublic), UDP_PORT), deadline, clientWorker);
            closing.add(serverWorker::stop);
            closing.add(clientWorker::stop);
            closing.add(udp::stop);
            serverWorker.thread.start();
            clientWorker.thread.start();
            udp.thread.start();

            SteadyState steady = monitor(serverWorker, clientWorker, udp, deadline);
            long transferNs = Math.max(serverWorker.finishedNs, clientWorker.finishedNs) - clientWorker.startedNs;

            QueryFigures query = queryFigures();
            HostReport serverReport = report("server", server, serverStreams, serverWires);
            HostReport clientReport = report("client", client, clientStreams, clientWires);
            long checked = serverReport.tcpBytesReceived() + clientReport.tcpBytesReceived();
            long mismatches = serverReport.tcpMismatches() + clientReport.tcpMismatches();

            String problem = failure.get();
            if (problem == null && (serverWorker.running() || clientWorker.running() || udp.running())) {
                problem = "the transfer did not finish within " + o.timeoutMs() + " ms (connections done: server "
                    + serverWorker.done + ", client " + clientWorker.done + " of " + o.connections() + "; udp "
                    + (udp.running() ? "running" : "done") + ")";
            }
            if (problem == null && mismatches + udpBad > 0) {
                problem = "wrong bytes arrived: " + mismatches + " TCP bytes, " + udpBad + " UDP datagrams";
            }
            if (problem == null && checked != 2 * expected) {
                problem = "byte counts differ: server received " + serverReport.tcpBytesReceived() + ", client received "
                    + clientReport.tcpBytesReceived() + ", expected " + expected + " each";
            }
            if (problem == null) {
                long errors = serverReport.counters().getOrDefault(Counter.STACK_INTERNAL_ERRORS.label(), 0L)
                    + clientReport.counters().getOrDefault(Counter.STACK_INTERNAL_ERRORS.label(), 0L);
                if (errors > 0) {
                    problem = "internal errors in the stacks: " + errors;
                }
            }
            return new Result(problem == null, problem, 0, transferNs, o.bytesPerConnection(), o.connections(), checked,
                2 * expected, serverReport, clientReport, publicTuple.toString(), query, ringStats(), samples, udpSent,
                udpReceived, udpBad, udpRingDrops, steady, 0, 0);
        }

        /**
         * Samples the rings every few ms until both workers are done (or the deadline passes), reports progress,
         * and reads the allocation figures between an eighth and seven eighths of the bytes.
         */
        private SteadyState monitor(Worker serverWorker, Worker clientWorker, UdpWorker udp, long deadline) {
            long start = System.nanoTime();
            long nextProgress = start + PROGRESS_NS;
            long[] pollThreads = null;
            // The TCP workers live until the last byte; the UDP thread may end earlier (and allocates an Endpoint per
            // datagram received: BypassDatagramChannel.receive returns the source).
            long[] appThreads = {serverWorker.thread.threadId(), clientWorker.thread.threadId()};
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long firstChecked = -1;
            long pollFirst = 0;
            long appFirst = 0;
            long heapFirst = 0;
            SteadyState steady = new SteadyState(-1, -1, -1, -1);
            while (serverWorker.running() || clientWorker.running() || udp.running()) {
                if (System.nanoTime() - deadline > 0 || failure.get() != null) {
                    break;
                }
                sample();
                long checked = bytesChecked();
                long total = 2 * expected;
                if (firstChecked < 0 && total > 0 && checked >= total / 8) {
                    pollThreads = pollThreadIds();
                    firstChecked = checked;
                    pollFirst = sum(mx.getThreadAllocatedBytes(pollThreads));
                    appFirst = sum(mx.getThreadAllocatedBytes(appThreads));
                    heapFirst = heapUsed();
                } else if (firstChecked >= 0 && steady.bytesMoved() < 0 && checked >= total - total / 8) {
                    long poll = sum(mx.getThreadAllocatedBytes(pollThreads)) - pollFirst;
                    long app = sum(mx.getThreadAllocatedBytes(appThreads)) - appFirst;
                    steady = new SteadyState(checked - firstChecked, poll, app, heapUsed() - heapFirst);
                }
                long now = System.nanoTime();
                if (onProgress != null && now - nextProgress >= 0) {
                    nextProgress += PROGRESS_NS;
                    onProgress.accept(progress(now - start));
                }
                sleepNs(SAMPLE_NS);
            }
            return steady;
        }

        private static long heapUsed() {
            Runtime rt = Runtime.getRuntime();
            return rt.totalMemory() - rt.freeMemory();
        }

        private static long sum(long[] values) {
            long n = 0;
            for (long v : values) {
                n += Math.max(v, 0);
            }
            return n;
        }

        /** The poll threads of both hosts (named bypass- and the resource's name). */
        private static long[] pollThreadIds() {
            List<Long> ids = new ArrayList<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("bypass-server-") || t.getName().startsWith("bypass-client-")) {
                    ids.add(t.threadId());
                }
            }
            long[] a = new long[ids.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = ids.get(i);
            }
            return a;
        }

        private Progress progress(long elapsedNs) {
            return new Progress(elapsedNs, bytesChecked(), 2 * expected, toArray(serverConnections),
                toArray(clientConnections), queryFigures(), ringSample());
        }

        private long bytesChecked() {
            long n = 0;
            for (int i = 0; i < o.connections(); i++) {
                Stream s = serverStreams.get(i);
                if (s != null) {
                    n += s.received;
                }
                Stream c = clientStreams.get(i);
                if (c != null) {
                    n += c.received;
                }
            }
            return n;
        }

        private static int[] toArray(AtomicIntegerArray a) {
            int[] r = new int[a.length()];
            for (int i = 0; i < r.length; i++) {
                r[i] = a.get(i);
            }
            return r;
        }

        private QueryFigures queryFigures() {
            long[] q = new long[6];
            for (int r = 0; r < o.clientResources(); r++) {
                QueryCounters c = clientSockets.queryCounters(r);
                if (c != null) {
                    q[0] += c.get(QueryCounter.CLIENT_QUERIES);
                    q[1] += c.get(QueryCounter.CLIENT_RETRIES);
                    q[2] += c.get(QueryCounter.CLIENT_REPLIES_ACCEPTED);
                    q[3] += c.get(QueryCounter.CLIENT_CACHE_HITS);
                    q[4] += c.get(QueryCounter.CLIENT_RESOLVED);
                    q[5] += c.get(QueryCounter.CLIENT_FALLBACKS);
                }
            }
            QueryCounters s = service.counters();
            return new QueryFigures(q[0], q[1], q[2], q[3], q[4], q[5], s.get(QueryCounter.QUERIES),
                s.get(QueryCounter.REPLIES));
        }

        // ------------------------------------------------------------------------------------ ring occupancy

        private static final int RING_CLASSES = 6;
        private static final String[] RING_NAMES = {"client send rings", "client receive rings", "server send rings",
            "server receive rings", "accept ring", "command rings"};

        /** The rings now (each a snapshot of two counters: no lock, nothing allocated but the record). */
        private RingSample ringSample() {
            long[] v = new long[12];
            for (int i = 0; i < o.connections(); i++) {
                Stream c = clientStreams.get(i);
                if (c != null && !c.closed) {
                    v[0] += c.channel.sendRingUsed();
                    v[1] += c.channel.sendRingCapacity();
                    v[2] += c.channel.receiveRingUsed();
                    v[3] += c.channel.receiveRingCapacity();
                }
                Stream s = serverStreams.get(i);
                if (s != null && !s.closed) {
                    v[4] += s.channel.sendRingUsed();
                    v[5] += s.channel.sendRingCapacity();
                    v[6] += s.channel.receiveRingUsed();
                    v[7] += s.channel.receiveRingCapacity();
                }
            }
            v[8] = listener.acceptRingWaiting();
            v[9] = listener.acceptRingCapacity();
            for (int r = 0; r < o.serverResources(); r++) {
                v[10] += serverSockets.commandRingUsed(r);
                v[11] += serverSockets.commandRingCapacity(r);
            }
            for (int r = 0; r < o.clientResources(); r++) {
                v[10] += clientSockets.commandRingUsed(r);
                v[11] += clientSockets.commandRingCapacity(r);
            }
            return new RingSample(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]);
        }

        /** Adds one sample to the statistics, while connections are open. */
        private void sample() {
            RingSample s = ringSample();
            if (s.clientSendCapacity() == 0 && s.serverSendCapacity() == 0) {
                return; // nothing connected (yet, or any more)
            }
            samples++;
            add(0, s.clientSendUsed(), s.clientSendCapacity());
            add(1, s.clientReceiveUsed(), s.clientReceiveCapacity());
            add(2, s.serverSendUsed(), s.serverSendCapacity());
            add(3, s.serverReceiveUsed(), s.serverReceiveCapacity());
            add(4, s.acceptWaiting(), s.acceptCapacity());
            add(5, s.commandUsed(), s.commandCapacity());
        }

        private void add(int ring, long used, long capacity) {
            double f = capacity == 0 ? 0 : 100.0 * used / capacity;
            fillSum[ring] += f;
            fillPeak[ring] = Math.max(fillPeak[ring], f);
        }

        private List<RingStat> ringStats() {
            int ringsPerConnectionClass = o.connections();
            int[] count = {ringsPerConnectionClass, ringsPerConnectionClass, ringsPerConnectionClass,
                ringsPerConnectionClass, 1, o.serverResources() + o.clientResources()};
            long[] capacity = {BypassSockets.DEFAULT_RING_BYTES, BypassSockets.DEFAULT_RING_BYTES,
                BypassSockets.DEFAULT_RING_BYTES, BypassSockets.DEFAULT_RING_BYTES, listener.acceptRingCapacity(),
                serverSockets.commandRingCapacity(0)};
            List<RingStat> stats = new ArrayList<>();
            for (int i = 0; i < RING_CLASSES; i++) {
                stats.add(new RingStat(RING_NAMES[i], count[i], capacity[i], samples == 0 ? 0 : fillSum[i] / samples,
                    fillPeak[i]));
            }
            return stats;
        }

        // --------------------------------------------------------------------------------------- reports

        private HostReport report(String name, BypassHost host, AtomicReferenceArray<Stream> streams,
                                  List<FaultInjectingDevice> wires) {
            List<ResourceReport> resources = new ArrayList<>();
            Map<String, Long> counters = new LinkedHashMap<>();
            for (BypassHost.Resource r : host.resources()) {
                int connections = 0;
                long sent = 0;
                long received = 0;
                long bad = 0;
                for (int i = 0; i < streams.length(); i++) {
                    Stream s = streams.get(i);
                    if (s != null && s.resource == r.id()) {
                        connections++;
                        sent += s.sent;
                        received += s.received;
                        bad += s.mismatches;
                    }
                }
                var c = r.stack().counters(); // atomic counters: any thread may read them
                resources.add(new ResourceReport(r.id(), r.name(), IpAddress.v4ToString(r.privateAddress()), connections,
                    sent, received, bad, c.get(Counter.TCP_OUT_SEGS), c.get(Counter.TCP_IN_SEGS),
                    c.get(Counter.TCP_RETRANS_SEGS)));
                for (Counter k : Counter.values()) {
                    long v = c.get(k);
                    if (v != 0) {
                        counters.merge(k.label(), v, Long::sum);
                    }
                }
            }
            Map<String, Long> faults = new LinkedHashMap<>();
            for (FaultInjectingDevice w : wires) {
                faults.merge("lost", w.lost(), Long::sum);
                faults.merge("duplicated", w.duplicated(), Long::sum);
                faults.merge("reordered", w.reordered(), Long::sum);
                faults.merge("corrupted", w.corrupted(), Long::sum);
                faults.merge("delayed", w.delayed(), Long::sum);
                faults.merge("rate_dropped", w.rateDropped(), Long::sum);
            }
            return new HostReport(name, IpAddress.v4ToString(host.publicAddress()), resources, counters, faults);
        }

        private void closeAll() {
            for (int i = closing.size() - 1; i >= 0; i--) {
                try {
                    closing.get(i).close();
                } catch (Exception e) {
                    if (failure.get() == null) {
                        failure.set("closing: " + e);
                    }
                }
            }
        }

        // ------------------------------------------------------------------------------------ the workers

        /**
         * One host's application thread: the server accepts and the client connects (through the query), then a
         * selector loop streams every connection both ways and checks every byte it reads.
         */
        private final class Worker implements Consumer<BypassSelectionKey> {
            final Thread thread;
            private final boolean serverSide;
            private final Endpoint target;
            private final long deadline;
            private final BypassSelector selector;
            private final UnsafeBuffer in = new UnsafeBuffer(ByteBuffer.allocateDirect(CHUNK));
            private volatile boolean running = true;
            private volatile boolean stopped;
            private int opened;
            private volatile int done;
            /** Every connection is open (the client's connects, through the query, have all returned). */
            volatile boolean connected;
            volatile long startedNs;
            volatile long finishedNs;

            Worker(String name, boolean serverSide, Endpoint target, long deadline) {
                this.serverSide = serverSide;
                this.target = target;
                this.deadline = deadline;
                this.selector = (serverSide ? serverSockets : clientSockets).openSelector(2 * o.connections() + 16);
                this.thread = new Thread(this::runSafely, name);
                this.thread.setDaemon(true);
            }

            boolean running() {
                return running;
            }

            void stop() throws InterruptedException {
                stopped = true;
                selector.wakeup();
                thread.join(5_000);
                selector.close();
            }

            private void runSafely() {
                try {
                    startedNs = System.nanoTime();
                    if (serverSide) {
                        listener.configureBlocking(false);
                        listener.register(selector, BypassSelectionKey.OP_ACCEPT, null);
                    } else {
                        connectAll();
                    }
                    connected = true;
                    while (done < o.connections() && !stopped) {
                        if (System.nanoTime() - deadline > 0) {
                            return;
                        }
                        selector.select(this, 100);
                    }
                    finishedNs = System.nanoTime();
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, (serverSide ? "server: " : "client: ") + e);
                } finally {
                    running = false;
                }
            }

            /** Connects every socket to the public tuple, one after the other, blocking, then goes non-blocking. */
            private void connectAll() throws IOException {
                for (int i = 0; i < o.connections() && !stopped; i++) {
                    BypassSocketChannel c = clientSockets.openSocketChannel();
                    long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
                    c.connect(target, left);
                    Endpoint local = c.localEndpoint();
                    long id = streamId(local);
                    Stream s = new Stream(c, o.bytesPerConnection(), streamSeed(id, false), streamSeed(id, true));
                    clientStreams.set(i, s);
                    clientConnections.incrementAndGet(c.resource());
                    c.configureBlocking(false);
                    c.register(selector, BypassSelectionKey.OP_READ | BypassSelectionKey.OP_WRITE, s);
                    opened++;
                }
            }

            @Override
            public void accept(BypassSelectionKey key) {
                try {
                    if (key.isAcceptable()) {
                        acceptAll();
                        return;
                    }
                    Stream s = (Stream) key.attachment();
                    if (s.closed) {
                        return;
                    }
                    if (key.isWritable() && s.sent < o.bytesPerConnection()) {
                        s.pumpWrite();
                    }
                    if (s.sent == o.bytesPerConnection() && !s.shut) {
                        s.shut = true;
                        s.channel.shutdownOutput();
                        key.interestOps(BypassSelectionKey.OP_READ);
                    }
                    if (key.isReadable()) {
                        s.pumpRead(in);
                    }
                    if (s.peerDone && s.shut) {
                        s.closed = true;
                        key.cancel();
                        s.channel.close();
                        done++;
                    }
                } catch (IOException e) {
                    failure.compareAndSet(null, (serverSide ? "server: " : "client: ") + e);
                    stopped = true;
                }
            }

            private void acceptAll() throws IOException {
                BypassSocketChannel c;
                while (opened < o.connections() && (c = listener.accept()) != null) {
                    long id = streamId(c.remoteEndpoint());
                    Stream s = new Stream(c, o.bytesPerConnection(), streamSeed(id, true), streamSeed(id, false));
                    serverStreams.set(opened, s);
                    serverConnections.incrementAndGet(c.resource());
                    c.configureBlocking(false);
                    c.register(selector, BypassSelectionKey.OP_READ | BypassSelectionKey.OP_WRITE, s);
                    opened++;
                }
            }
        }

        /** The client's UDP echo exchange: numbered pattern datagrams to the public IP, each checked on return. */
        private final class UdpWorker {
            final Thread thread;
            private final Endpoint target;
            private final long deadline;
            private volatile boolean running = true;
            private volatile boolean stopped;

            private final Worker after;

            /** Starts sending once {@code after} has connected: the connect query's datagram is the first to leave. */
            UdpWorker(Endpoint target, long deadline, Worker after) {
                this.after = after;
                this.target = target;
                this.deadline = deadline;
                this.thread = new Thread(this::runSafely, "demo-udp");
                this.thread.setDaemon(true);
            }

            boolean running() {
                return running;
            }

            void stop() throws InterruptedException {
                stopped = true;
                thread.join(5_000);
            }

            private void runSafely() {
                while (!after.connected && after.running() && !stopped) {
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                }
                try (BypassDatagramChannel udp = clientSockets.openDatagramChannel()) {
                    udp.configureBlocking(false).bind(0);
                    ByteBuffer out = ByteBuffer.allocateDirect(UDP_PAYLOAD);
                    UnsafeBuffer outView = new UnsafeBuffer(out);
                    ByteBuffer back = ByteBuffer.allocateDirect(2048);
                    UnsafeBuffer backView = new UnsafeBuffer(back);
                    long sent = 0;
                    long received = 0;
                    long abandoned = 0;
                    long lastNs = System.nanoTime();
                    long seed = o.seed() ^ 0x55;
                    while (!stopped && System.nanoTime() - deadline < 0) {
                        boolean progress = false;
                        // One datagram alone until the first echo: it waits for ARP (which holds only a few
                        // packets per unresolved address, as Linux does), the rest then find the address known.
                        int window = received == 0 && abandoned == 0 ? 1 : 16;
                        if (sent < o.udpDatagrams() && sent - received - abandoned < window) {
                            outView.putLong(0, sent);
                            BytePattern.fill(seed, sent * UDP_PAYLOAD + 8, outView, 8, UDP_PAYLOAD - 8);
                            out.clear();
                            if (udp.send(out, target) > 0) {
                                sent++;
                                udpSent = sent;
                                progress = true;
                            }
                        }
                        back.clear();
                        if (udp.receive(back) != null) {
                            int n = back.position();
                            long seq = backView.getLong(0);
                            received++;
                            udpReceived = received;
                            if (n != UDP_PAYLOAD
                                || BytePattern.mismatches(seed, seq * UDP_PAYLOAD + 8, backView, 8, n - 8) != 0) {
                                udpBad++;
                            }
                            progress = true;
                        }
                        long now = System.nanoTime();
                        if (progress) {
                            lastNs = now;
                        } else if (now - lastNs > 200_000_000L) {
                            if (sent == o.udpDatagrams()) {
                                break; // the rest were lost (a lossy link)
                            }
                            abandoned = sent - received; // lost on a lossy link (or late): send on regardless
                            lastNs = now;
                        } else {
                            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                        }
                        if (sent == o.udpDatagrams() && received >= sent) {
                            break;
                        }
                    }
                    udpRingDrops = udp.receiveRingDrops();
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, "udp: " + e);
                } finally {
                    running = false;
                }
            }
        }

        private long streamSeed(long connection, boolean fromServer) {
            return o.seed() * 1_000_003L + connection * 2 + (fromServer ? 1 : 0);
        }
    }

    /** A connection's two streams: the pattern it sends, the pattern it expects and checks. Worker thread only. */
    private static final class Stream {
        final BypassSocketChannel channel;
        final int resource;
        private final long sendSeed;
        private final long receiveSeed;
        private final long total;
        /** The chunk of pattern being written: bytes outStart..outEnd are not in the send ring yet. */
        private final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(CHUNK));
        private int outStart;
        private int outEnd;
        private long generated;
        /** Written by the worker, read by the monitor as a hint (and exactly once the worker has ended). */
        volatile long sent;
        volatile long received;
        volatile long mismatches;
        boolean shut;
        boolean peerDone;
        volatile boolean closed;

        Stream(BypassSocketChannel channel, long total, long sendSeed, long receiveSeed) {
            this.channel = channel;
            this.resource = channel.resource();
            this.total = total;
            this.sendSeed = sendSeed;
            this.receiveSeed = receiveSeed;
        }

        /** Writes what the send ring takes: the rest of the pending chunk, then new chunks of the pattern. */
        void pumpWrite() throws IOException {
            while (true) {
                if (outStart == outEnd) {
                    if (generated == total) {
                        return;
                    }
                    int chunk = (int) Math.min(CHUNK, total - generated);
                    BytePattern.fill(sendSeed, generated, out, 0, chunk);
                    generated += chunk;
                    outStart = 0;
                    outEnd = chunk;
                }
                int n = channel.write(out, outStart, outEnd - outStart);
                if (n <= 0) {
                    return; // the send ring is full: OP_WRITE says when there is room
                }
                outStart += n;
                sent += n;
            }
        }

        /** Reads what the receive ring holds and checks every byte; notes the end of the peer's data. */
        void pumpRead(UnsafeBuffer in) throws IOException {
            int n;
            while ((n = channel.read(in, 0, in.capacity())) > 0) {
                mismatches += BytePattern.mismatches(receiveSeed, received, in, 0, n);
                received += n;
            }
            if (n < 0) {
                peerDone = true;
            }
        }
    }

    static long streamId(Endpoint clientEnd) {
        return ((long) clientEnd.address().v4() << 16) ^ clientEnd.port();
    }

    /** Six poll threads on a machine that may have two cores: back off to sleeping when idle. */
    private static BackoffIdleStrategy idle() {
        return new BackoffIdleStrategy(1, 10, 1_000, 100_000);
    }

    private static void sleepNs(long ns) {
        java.util.concurrent.locks.LockSupport.parkNanos(ns);
    }

    private static InMemoryNicConfig nic(String name, int id, int offloads) {
        return DemoLinks.nic(name, id, offloads, 4096);
    }

    private static FaultConfig link(Options o, long seed) {
        return DemoLinks.link(o, seed, 4000);
    }
}
