package dev.bypass.bench.scale;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNic;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.MacAddress;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What a connection costs as connections grow: for each count N, two stacks on an in-memory network (one
 * thread, a virtual clock) open N connections, and with all N established and idle the bench measures
 *
 * <ul>
 *   <li>memory per idle connection: heap (MemoryMXBean after System.gc()) and direct memory (the "direct"
 *       BufferPoolMXBean), both stacks together and per side, less the baseline taken before the stacks were
 *       made (the stacks make their connection objects up front, for {@code maxConnections} = N, so that
 *       cost is in the figure);</li>
 *   <li>the wall time per connection to establish (connects in batches, polled until established);</li>
 *   <li>the wall time of a 64-byte request and a 64-byte response on a random sample of the connections
 *       (each with its ACKs, delayed ACKs off);</li>
 *   <li>the wall time of an idle poll turn (both stacks polled, nothing to do, the clock moving 1 ms a
 *       turn): with timers kept per deadline it does not grow with N.</li>
 * </ul>
 *
 * <p>Rows go to {@code scale.csv} and {@code scale.json} in {@code --out} (default {@code bench/results}) and
 * a Markdown table to standard output. Run it with the stack's JVM flags and heap for the largest count:
 * {@code java -Xmx8g --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED
 * -cp bench/target/benchmarks.jar dev.bypass.bench.scale.ScaleBench --counts 1000,10000,100000,1000000}.
 * The target is 1M concurrent idle connections on one host in under 4 GiB.
 */
public final class ScaleBench {
    static final int SERVER_IP = 0xC6_12_00_02; // 198.18.0.2
    /** Client ports used per server port: 1024..61023. */
    static final int PORTS_PER_SERVER_PORT = 60_000;
    static final int FIRST_CLIENT_PORT = 1024;
    static final int FIRST_SERVER_PORT = 5000;
    static final int CONNECT_BATCH = 1000;
    static final int MESSAGE = 64;

    /** One count's figures. */
    record Row(int connections, double establishNsPerConnection, double heapBytesPerConnection,
               double directBytesPerConnection, double clientBytesPerConnection, double serverBytesPerConnection,
               int exchanges, double exchangeNs, double idlePollNs, long poolBytesInUseIdle, long poolBytesAllocated) {

        double bytesPerConnection() {
            return heapBytesPerConnection + directBytesPerConnection;
        }

        /** Both stacks' memory for a million such connections, GiB. */
        double gibPerMillion() {
            return bytesPerConnection() * 1_000_000 / (1L << 30);
        }
    }

    private final int sampleSize;
    private final int idlePolls;

    ScaleBench(int sampleSize, int idlePolls) {
        this.sampleSize = sampleSize;
        this.idlePolls = idlePolls;
    }

    public static void main(String[] args) throws IOException {
        List<Integer> counts = List.of(1000, 10_000, 100_000, 1_000_000);
        Path out = Path.of("bench/results");
        int sample = 10_000;
        int idlePolls = 10_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--counts" -> counts = parseCounts(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--sample" -> sample = Integer.parseInt(args[++i]);
                case "--idle-polls" -> idlePolls = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                    + " (known: --counts N,N,... --out DIR --sample N --idle-polls N)");
            }
        }
        ScaleBench bench = new ScaleBench(sample, idlePolls);
        List<Row> rows = new ArrayList<>();
        for (int n : counts) {
            Row row = bench.run(n);
            rows.add(row);
            System.err.println(String.format(Locale.ROOT, "N=%d: %.0f B/connection (%.2f GiB per million), "
                + "establish %.0f ns, exchange %.0f ns, idle poll %.0f ns", n, row.bytesPerConnection(),
                row.gibPerMillion(), row.establishNsPerConnection(), row.exchangeNs(), row.idlePollNs()));
        }
        write(rows, out);
        System.out.print(markdown(rows));
    }

    static List<Integer> parseCounts(String s) {
        List<Integer> counts = new ArrayList<>();
        for (String part : s.split(",")) {
            int n = Integer.parseInt(part.trim());
            if (n <= 0) {
                throw new IllegalArgumentException("--counts wants positive numbers, got " + n);
            }
            counts.add(n);
        }
        return counts;
    }

    // ------------------------------------------------------------------ one count

    /** The two stacks of one run and the connections between them. */
    private static final class Net {
        final NetworkStack client;
        NetworkStack server;
        final TcpConnection[] clients;
        TcpConnection[] servers;
        long nowNs = 1_000_000_000L;

        Net(int n) {
            InMemoryNetwork network = new InMemoryNetwork(2);
            InMemoryNic clientNic = network.connect(InMemoryNicConfig.builder("client", MacAddress.local(1))
                .rxRingBytes(8 << 20).build());
            InMemoryNic serverNic = network.connect(InMemoryNicConfig.builder("server", MacAddress.local(2))
                .rxRingBytes(8 << 20).build());
            TcpConfig tcp = TcpConfig.builder().maxConnections(n + 16).listenBacklog(2 * CONNECT_BATCH)
                .delayedAck(false).noDelay(true).build();
            long day = TimeUnit.DAYS.toNanos(1);
            client = new NetworkStack(StackConfig.builder().name("client").address("198.18.0.1/24").secretSeed(1)
                .arpReachableNs(day).tcp(tcp).build(), clientNic);
            server = new NetworkStack(StackConfig.builder().name("server").address("198.18.0.2/24").secretSeed(2)
                .arpReachableNs(day).tcp(tcp).build(), serverNic);
            clients = new TcpConnection[n];
            servers = new TcpConnection[n];
            pollUntilQuiet();
        }

        /** Polls both stacks, the clock moving 1 us a turn, until a turn finds no work. */
        void pollUntilQuiet() {
            for (int turn = 0; turn < 10_000_000; turn++) {
                nowNs += 1_000;
                if (client.poll(nowNs) + server.poll(nowNs) == 0) {
                    return;
                }
            }
            throw new IllegalStateException("the stacks never went idle");
        }

        /**
         * Jumps the clock to the next deadline until clients {@code from..to} are established: a SYN that
         * found no frame buffer, or waited on ARP, goes again with its retransmission timer.
         */
        void untilEstablished(int from, int to) {
            for (int i = from; i < to; i++) {
                for (int jumps = 0; clients[i].state() != TcpState.ESTABLISHED; jumps++) {
                    if (jumps > 100) {
                        throw new IllegalStateException("not established: " + clients[i] + "\n"
                            + client.counters().dumpNonZero() + server.counters().dumpNonZero());
                    }
                    nowNs = Math.max(nowNs, Math.min(client.nextDeadlineNs(), server.nextDeadlineNs()));
                    pollUntilQuiet();
                }
            }
        }
    }

    Row run(int n) {
        long baseHeap = heapUsed();
        long baseDirect = directUsed();
        Net net = new Net(n);
        int serverPorts = (n + PORTS_PER_SERVER_PORT - 1) / PORTS_PER_SERVER_PORT;
        TcpListener[] listeners = new TcpListener[serverPorts];
        for (int p = 0; p < serverPorts; p++) {
            listeners[p] = net.server.tcp().listen(FIRST_SERVER_PORT + p, 2 * CONNECT_BATCH);
        }
        long start = System.nanoTime();
        int accepted = 0;
        int batchStart = 0;
        for (int i = 0; i < n; i++) {
            int serverPort = FIRST_SERVER_PORT + i / PORTS_PER_SERVER_PORT;
            int clientPort = FIRST_CLIENT_PORT + i % PORTS_PER_SERVER_PORT;
            net.clients[i] = net.client.tcp().connect(SERVER_IP, serverPort, clientPort);
            // The first connection goes alone: it resolves ARP, which would drop most of a batch's SYNs.
            if (i == 0 || (i + 1) % CONNECT_BATCH == 0 || i == n - 1) {
                net.pollUntilQuiet();
                net.untilEstablished(batchStart, i + 1);
                batchStart = i + 1;
                for (TcpListener l : listeners) {
                    for (TcpConnection c; (c = l.accept()) != null; ) {
                        net.servers[accepted++] = c;
                    }
                }
            }
        }
        long establishNs = System.nanoTime() - start;
        for (TcpConnection c : net.clients) {
            if (c.state() != TcpState.ESTABLISHED) {
                throw new IllegalStateException("not established: " + c + "\n" + net.client.counters().dumpNonZero()
                    + net.server.counters().dumpNonZero());
            }
        }
        if (accepted != n) {
            throw new IllegalStateException("accepted " + accepted + " of " + n + "\n" + net.server.counters().dumpNonZero());
        }
        // Pair the ends: client connection i used port FIRST_CLIENT_PORT + i % PORTS_PER_SERVER_PORT to server
        // port FIRST_SERVER_PORT + i / PORTS_PER_SERVER_PORT.
        TcpConnection[] paired = new TcpConnection[n];
        for (TcpConnection s : net.servers) {
            int i = (s.localEndpoint().port() - FIRST_SERVER_PORT) * PORTS_PER_SERVER_PORT
                + s.remoteEndpoint().port() - FIRST_CLIENT_PORT;
            paired[i] = s;
        }
        net.servers = paired;

        long heapBoth = heapUsed() - baseHeap;
        long directBoth = directUsed() - baseDirect;
        long poolInUse = net.client.tcp().bufferBytesInUse() + net.server.tcp().bufferBytesInUse();

        double idlePollNs = idlePoll(net);
        int exchanges = Math.min(sampleSize, n);
        double exchangeNs = exchanges(net, exchanges);
        long poolAllocated = net.client.tcp().bufferBytesAllocated() + net.server.tcp().bufferBytesAllocated();

        // Per side: drop the server and its connections, and see what is left.
        net.server.close();
        net.server = null;
        net.servers = null;
        listeners = null;
        paired = null;
        long clientOnly = heapUsed() - baseHeap + directUsed() - baseDirect;
        long both = heapBoth + directBoth;
        net.client.close();
        return new Row(n, (double) establishNs / n, (double) heapBoth / n, (double) directBoth / n,
            (double) clientOnly / n, (double) (both - clientOnly) / n, exchanges, exchangeNs, idlePollNs, poolInUse,
            poolAllocated);
    }

    /** Idle poll turns with every connection open: ns per turn of both stacks. */
    private double idlePoll(Net net) {
        for (int i = 0; i < idlePolls / 10; i++) { // warm-up
            net.nowNs += 1_000_000;
            net.client.poll(net.nowNs);
            net.server.poll(net.nowNs);
        }
        int work = 0;
        long start = System.nanoTime();
        for (int i = 0; i < idlePolls; i++) {
            net.nowNs += 1_000_000;
            work += net.client.poll(net.nowNs);
            work += net.server.poll(net.nowNs);
        }
        long ns = System.nanoTime() - start;
        if (work != 0) {
            System.err.println("note: idle polls found work " + work + " times");
        }
        return (double) ns / idlePolls;
    }

    /** A 64-byte request and response on {@code count} random connections: ns per exchange. */
    private double exchanges(Net net, int count) {
        Random random = new Random(42);
        UnsafeBuffer request = new UnsafeBuffer(new byte[MESSAGE]);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[MESSAGE]);
        int n = net.clients.length;
        long start = System.nanoTime();
        for (int k = 0; k < count; k++) {
            int i = count == n ? k : random.nextInt(n);
            TcpConnection c = net.clients[i];
            TcpConnection s = net.servers[i];
            request.putInt(0, k);
            if (c.write(request, 0, MESSAGE) != MESSAGE) {
                throw new IllegalStateException("request not taken on " + c);
            }
            readFully(net, s, buffer);
            if (buffer.getInt(0) != k || s.write(buffer, 0, MESSAGE) != MESSAGE) {
                throw new IllegalStateException("bad request or response not taken on " + s);
            }
            readFully(net, c, buffer);
            if (buffer.getInt(0) != k) {
                throw new IllegalStateException("bad response on " + c);
            }
            net.pollUntilQuiet(); // the response's ACK
        }
        return (double) (System.nanoTime() - start) / count;
    }

    private static void readFully(Net net, TcpConnection c, UnsafeBuffer into) {
        int got = 0;
        for (int turn = 0; got < MESSAGE; turn++) {
            if (turn > 1_000_000) {
                throw new IllegalStateException("no data on " + c);
            }
            net.nowNs += 1_000;
            net.client.poll(net.nowNs);
            net.server.poll(net.nowNs);
            int r = c.read(into, got, MESSAGE - got);
            if (r < 0) {
                throw new IllegalStateException("closed: " + c);
            }
            got += r;
        }
    }

    // ------------------------------------------------------------------ memory

    static long heapUsed() {
        settle();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long directUsed() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }

    /** Full collections until the heap stops shrinking (and cleaners of dropped direct buffers ran). */
    private static void settle() {
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            if (used >= last) {
                return;
            }
            last = used;
        }
    }

    // ------------------------------------------------------------------ output

    static final String CSV_HEADER = "connections,establish_ns_per_connection,heap_bytes_per_connection,"
        + "direct_bytes_per_connection,bytes_per_connection,client_bytes_per_connection,server_bytes_per_connection,"
        + "gib_per_million,exchanges,exchange_ns,idle_poll_ns,pool_bytes_in_use_idle,pool_bytes_allocated";

    static void write(List<Row> rows, Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
        StringBuilder json = new StringBuilder("[\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            csv.append(String.format(Locale.ROOT, "%d,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.3f,%d,%.1f,%.1f,%d,%d%n",
                r.connections(), r.establishNsPerConnection(), r.heapBytesPerConnection(),
                r.directBytesPerConnection(), r.bytesPerConnection(), r.clientBytesPerConnection(),
                r.serverBytesPerConnection(), r.gibPerMillion(), r.exchanges(), r.exchangeNs(), r.idlePollNs(),
                r.poolBytesInUseIdle(), r.poolBytesAllocated()));
            json.append(String.format(Locale.ROOT, "  {\"connections\": %d, \"establish_ns_per_connection\": %.1f, "
                    + "\"heap_bytes_per_connection\": %.1f, \"direct_bytes_per_connection\": %.1f, "
                    + "\"bytes_per_connection\": %.1f, \"client_bytes_per_connection\": %.1f, "
                    + "\"server_bytes_per_connection\": %.1f, \"gib_per_million\": %.3f, \"exchanges\": %d, "
                    + "\"exchange_ns\": %.1f, \"idle_poll_ns\": %.1f, \"pool_bytes_in_use_idle\": %d, "
                    + "\"pool_bytes_allocated\": %d}%s%n",
                r.connections(), r.establishNsPerConnection(), r.heapBytesPerConnection(),
                r.directBytesPerConnection(), r.bytesPerConnection(), r.clientBytesPerConnection(),
                r.serverBytesPerConnection(), r.gibPerMillion(), r.exchanges(), r.exchangeNs(), r.idlePollNs(),
                r.poolBytesInUseIdle(), r.poolBytesAllocated(), i + 1 < rows.size() ? "," : ""));
        }
        json.append("]\n");
        Files.writeString(dir.resolve("scale.csv"), csv);
        Files.writeString(dir.resolve("scale.json"), json);
    }

    static String markdown(List<Row> rows) {
        StringBuilder md = new StringBuilder();
        md.append("| connections | B/conn (heap + direct) | client B/conn | server B/conn | GiB per 1M | establish ns/conn"
            + " | exchange ns | idle poll ns | pool in use idle |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %d | %.0f (%.0f + %.0f) | %.0f | %.0f | %.2f | %.0f | %.0f | %.0f | %d |%n",
                r.connections(), r.bytesPerConnection(), r.heapBytesPerConnection(), r.directBytesPerConnection(),
                r.clientBytesPerConnection(), r.serverBytesPerConnection(), r.gibPerMillion(),
                r.establishNsPerConnection(), r.exchangeNs(), r.idlePollNs(), r.poolBytesInUseIdle()));
        }
        return md.toString();
    }
}
