package dev.bypass.bench.veth;

import dev.bypass.bench.e2e.BulkClient;
import dev.bypass.bench.e2e.PingPongClient;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The client side of {@code hw-test/bench-veth.sh}: every measurement against one server (echo and discard
 * services) in one JVM, so the JIT is warm for all of them and a run costs one JVM start. It drives bench's
 * e2e clients ({@link PingPongClient}, {@link BulkClient}) and adds the connection rate. Prints one
 * {@code RESULT} line per case:
 *
 * <ul>
 *   <li>{@code RESULT closed size=S ...}: closed-loop ping-pong of S-byte messages (p50/p99/p99.9/max).</li>
 *   <li>{@code RESULT open size=S rate=R ...}: open loop at R messages/s, latency from each message's due time
 *       (coordinated omission corrected); the latency against offered load.</li>
 *   <li>{@code RESULT bulk ...}: bytes to the discard service over one connection; with {@code --server-pid},
 *       the server process's CPU (user + system, from /proc) over the run, so throughput per core.</li>
 *   <li>{@code RESULT connect ...}: connections opened and closed one after another (connect, half-close, wait
 *       for the server's close), per second, and the p50/p99 of one open+close.</li>
 * </ul>
 *
 * <pre>
 * VethClient --server IP [--echo 7] [--discard 9] [--sizes 64,1024,16384] [--warmup N] [--count N]
 *            [--rates 1000,10000] [--open-seconds S] [--bulk BYTES] [--connections N] [--server-pid PID]
 * </pre>
 * A case that fails prints {@code FAILED kind ...: reason} and the rest go on; the exit code is then 1.
 */
public final class VethClient {
    private VethClient() {
    }

    public static void main(String[] args) throws Exception {
        String server = null;
        int echo = 7;
        int discard = 9;
        int[] sizes = {64, 1024, 16384};
        int warmup = 50_000;
        int count = 200_000;
        long[] rates = {1000, 5000, 10000, 20000, 40000};
        double openSeconds = 3;
        long bulk = 1L << 30;
        int connections = 5000;
        long serverPid = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--server" -> server = v;
                case "--echo" -> echo = Integer.parseInt(v);
                case "--discard" -> discard = Integer.parseInt(v);
                case "--sizes" -> sizes = java.util.Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--count" -> count = Integer.parseInt(v);
                case "--rates" -> rates = v.isEmpty() ? new long[0]
                    : java.util.Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
                case "--open-seconds" -> openSeconds = Double.parseDouble(v);
                case "--bulk" -> bulk = Long.parseLong(v);
                case "--connections" -> connections = Integer.parseInt(v);
                case "--server-pid" -> serverPid = Long.parseLong(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (server == null || args.length % 2 != 0) {
            System.err.println("usage: VethClient --server IP [--echo PORT] [--discard PORT] [--sizes 64,1024,16384]"
                + " [--warmup N] [--count N] [--rates R1,R2] [--open-seconds S] [--bulk BYTES] [--connections N]"
                + " [--server-pid PID]");
            System.exit(2);
        }
        PrintStream o = System.out;
        InetSocketAddress echoAddress = new InetSocketAddress(server, echo);
        boolean failed = false;
        for (int size : sizes) {
            try {
                Histogram h = new PingPongClient(echoAddress, size).run(warmup, count, 0);
                o.println(latency("closed", size, 0, h));
            } catch (IOException | RuntimeException e) {
                failed = fail(o, "closed size=" + size, e);
            }
        }
        for (int size : sizes) {
            for (long rate : rates) {
                int n = (int) Math.max(10, Math.round(rate * openSeconds));
                try {
                    Histogram h = new PingPongClient(echoAddress, size).run(Math.max(1, n / 5), n, rate);
                    o.println(latency("open", size, rate, h));
                } catch (IOException | RuntimeException e) {
                    failed = fail(o, "open size=" + size + " rate=" + rate, e);
                }
            }
        }
        if (bulk > 0) {
            try {
                long cpuBefore = cpuTicks(serverPid);
                double seconds = BulkClient.send(new InetSocketAddress(server, discard), bulk);
                long cpuAfter = cpuTicks(serverPid);
                double gbit = bulk * 8 / seconds / 1e9;
                double cores = serverPid > 0 && cpuBefore >= 0 && cpuAfter >= 0 ? (cpuAfter - cpuBefore) / 100.0 / seconds : 0;
                o.printf(Locale.ROOT, "RESULT bulk bytes=%d seconds=%.4f gbit_per_s=%.3f server_cores=%.3f gbit_per_core=%s%n",
                    bulk, seconds, gbit, cores, cores > 0 ? String.format(Locale.ROOT, "%.3f", gbit / cores) : "nan");
            } catch (IOException | RuntimeException e) {
                failed = fail(o, "bulk", e);
            }
        }
        if (connections > 0) {
            try {
                o.println(connectRate(echoAddress, connections));
            } catch (IOException | RuntimeException e) {
                failed = fail(o, "connect", e);
            }
        }
        o.flush();
        System.exit(failed ? 1 : 0);
    }

    private static boolean fail(PrintStream o, String what, Exception e) {
        o.println("FAILED " + what + ": " + e);
        return true;
    }

    static String latency(String kind, int size, long rate, Histogram h) {
        return String.format(Locale.ROOT, "RESULT %s size=%d rate=%d p50_us=%.2f p99_us=%.2f p999_us=%.2f max_us=%.2f n=%d",
            kind, size, rate, h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
            h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount());
    }

    /**
     * Opens and closes {@code connections} connections one after another: connect, half-close, read until the
     * server closes (its close seen, not just ours sent). A tenth more first, unrecorded, as warm-up.
     */
    static String connectRate(InetSocketAddress server, int connections) throws IOException {
        Histogram h = new Histogram(1, 10_000_000_000L, 3);
        ByteBuffer sink = ByteBuffer.allocate(64);
        int warm = Math.max(1, connections / 10);
        long start = 0;
        for (int i = -warm; i < connections; i++) {
            if (i == 0) {
                start = System.nanoTime();
            }
            long t0 = System.nanoTime();
            try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open()) {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                c.connect(server);
                c.shutdownOutput();
                while (c.read(sink.clear()) >= 0) {
                    // the echo service closes once it has read our FIN
                }
            }
            if (i >= 0) {
                h.recordValue(Math.min(System.nanoTime() - t0, 10_000_000_000L));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return String.format(Locale.ROOT, "RESULT connect n=%d seconds=%.4f conn_per_s=%.1f p50_us=%.2f p99_us=%.2f max_us=%.2f",
            connections, seconds, connections / seconds, h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
            h.getMaxValue() / 1e3);
    }

    /** User + system CPU ticks (1/100 s) of process {@code pid} and its threads, -1 if unknown. */
    static long cpuTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            // Fields after the command name (which may hold spaces) in parentheses: utime is the 14th field.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            List<String> fields = new ArrayList<>(List.of(f));
            return Long.parseLong(fields.get(11)) + Long.parseLong(fields.get(12));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
