package dev.bypass.bench.e2e;

import dev.bypass.config.IdleSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bypass bench}: bypass and the kernel side by side in one run, same sizes, same threads, with ratios.
 * Three systems, each one client and one server thread, busy-polling:
 * <ul>
 *   <li>{@code kernel}: Java NIO over 127.0.0.1, non-blocking, TCP_NODELAY ({@link KernelSystem});</li>
 *   <li>{@code bypass-handler}: two stacks on the in-memory switch, client and server as run-to-completion
 *       handlers on the stacks' poll threads ({@link HandlerSystem});</li>
 *   <li>{@code bypass-socket}: the same through the ring-handoff socket API, applications on their own threads
 *       ({@link SocketSystem}).</li>
 * </ul>
 * Measures: ping-pong round trips (closed loop, and open loop at a fixed rate with latency from the scheduled
 * send), latency against offered load, bulk throughput per core, connections per second. Writes {@code e2e.csv},
 * {@code e2e.json}, {@code e2e.md}, {@code summary.json} and PNG plots under {@code --out} (see bench/README.md).
 */
@Command(name = "bypass bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"bypass and kernel loopback TCP side by side: round-trip latency, latency against load, bulk "
        + "throughput per core, connections per second; ratios bypass / kernel.",
        "Quick by default (under 3 minutes); --full for more samples, bytes and connections."},
    footer = {"", "Outputs in --out: e2e.csv, e2e.json (every round), e2e.md (median rounds, ratios), summary.json "
        + "(ratios by name), latency_distribution.png, throughput_vs_size.png, latency_vs_load.png, "
        + "memory_vs_connections.png (from scale.csv, if there)."})
public final class SideBySide implements Callable<Integer> {
    /** What a run can be limited to. */
    enum Part { rtt, bulk, conn, load }

    static final List<String> SYSTEMS = List.of("kernel", "bypass-handler", "bypass-socket");
    static final int[] SIZES = {64, 1024, 16 * 1024};
    static final int[] CHUNKS = {1024, 16 * 1024, 64 * 1024};
    static final double[] LOADS = {0.10, 0.25, 0.50, 0.75, 0.90};

    @Option(names = "--full", description = "The long run: more samples, 1 GiB bulk transfers, more connections (~15 min).")
    boolean full;

    @Option(names = "--rounds", paramLabel = "N",
        description = "Runs every case N times (each system anew) and reports the median round (default 1 quick, 3 full).")
    Integer rounds;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results go (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("bench", "results");

    @Option(names = "--idle", paramLabel = "STRATEGY",
        description = "What a kernel or bypass-handler thread does after a turn with nothing to do: busy-spin "
            + "(default), yield, backoff, sleep[:NS] (bypass-handler: its poll threads, which run its applications).")
    String idle = "busy-spin";

    @Option(names = "--socket-idle", paramLabel = "STRATEGY",
        description = "The same for bypass-socket's four threads (two poll threads, two applications; "
            + "default yield: on 2 cores they must share).")
    String socketIdle = "yield";

    @Option(names = "--only", paramLabel = "PART", split = ",",
        description = "Runs only these parts: rtt, bulk, conn, load (comma-separated; default all).")
    Set<Part> only;

    @Option(names = "--systems", paramLabel = "NAME", split = ",",
        description = "Runs only these systems: kernel, bypass-handler, bypass-socket (default all; ratios need kernel).")
    List<String> systems;

    @Option(names = "--samples", paramLabel = "N", description = "Recorded closed-loop round trips per size "
        + "(default 20000 quick, 200000 full).")
    Integer samples;

    @Option(names = "--warmup", paramLabel = "N", description = "Unrecorded round trips before each latency case "
        + "(default 5000 quick, 20000 full).")
    Integer warmup;

    @Option(names = "--rate", paramLabel = "MSGS_PER_S", description = "The fixed open-loop rate of the rtt-open "
        + "cases, the same for every system (default ${DEFAULT-VALUE}).")
    long rate = 10_000;

    @Option(names = "--open-ms", paramLabel = "MS", description = "Length of each open-loop case "
        + "(default 1000 quick, 5000 full).")
    Integer openMs;

    @Option(names = "--bulk-mib", paramLabel = "MIB", description = "MiB sent per bulk case with 64 KiB writes "
        + "(default 256 quick, 1024 full; 1 KiB writes send a quarter).")
    Integer bulkMib;

    @Option(names = "--connections", paramLabel = "N", description = "Connections per conn case "
        + "(default 2000 quick, 10000 full).")
    Integer connections;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter log;

    @Override
    public Integer call() throws Exception {
        Settings s = settings();
        log = spec.commandLine().getOut();
        long startNs = System.nanoTime();
        double[] loadBefore = loadAverage();
        log.printf(Locale.ROOT, "bypass bench (%s): systems %s, parts %s, %d round(s), %d cores, out %s%n",
            full ? "full" : "quick", s.systems, s.parts, s.rounds, Runtime.getRuntime().availableProcessors(), out);
        log.flush();
        List<Row> all = run(s);
        double wall = (System.nanoTime() - startNs) / 1e9;
        Map<String, Row> medians = Reports.medians(all);
        Files.createDirectories(out);
        Map<String, Object> machine = machine(s, wall, loadBefore);
        Reports.write(out, all, medians, machine);
        for (String line : Plots.writeAll(out, medians)) {
            log.println(line);
        }
        log.println();
        log.println(Files.readString(out.resolve("e2e.md")));
        log.printf(Locale.ROOT, "summary: %s%n", out.resolve("summary.json"));
        log.printf(Locale.ROOT, "wall time %.1f s%n", wall);
        log.flush();
        return 0;
    }

    /** The validated options, with the quick or full defaults filled in. */
    record Settings(List<String> systems, Set<Part> parts, int rounds, int samples, int warmup, long rate, int openMs,
                    long bulkBytes, int connections, IdleSpec idle, IdleSpec socketIdle) {
    }

    Settings settings() {
        int r = rounds != null ? rounds : full ? 3 : 1;
        require(r >= 1 && r <= 99, "--rounds must be 1 to 99, got " + r);
        int n = samples != null ? samples : full ? 200_000 : 20_000;
        require(n >= 10 && n <= 100_000_000, "--samples must be 10 to 100000000, got " + n);
        int w = warmup != null ? warmup : full ? 20_000 : 5_000;
        require(w >= 0 && w <= 100_000_000, "--warmup must be 0 to 100000000, got " + w);
        require(rate >= 1 && rate <= 10_000_000, "--rate must be 1 to 10000000 messages/s, got " + rate);
        int o = openMs != null ? openMs : full ? 5_000 : 1_000;
        require(o >= 1 && o <= 600_000, "--open-ms must be 1 to 600000, got " + o);
        long mib = bulkMib != null ? bulkMib : full ? 1024 : 256;
        require(mib >= 1 && mib <= 1 << 20, "--bulk-mib must be 1 to 1048576, got " + mib);
        int c = connections != null ? connections : full ? 10_000 : 2_000;
        require(c >= 1 && c <= 1_000_000, "--connections must be 1 to 1000000, got " + c);
        List<String> sys = systems == null ? SYSTEMS : systems;
        for (String name : sys) {
            require(SYSTEMS.contains(name), "--systems: unknown system '" + name + "' (kernel, bypass-handler, bypass-socket)");
        }
        List<String> ordered = SYSTEMS.stream().filter(sys::contains).toList();
        Set<Part> parts = only == null || only.isEmpty() ? EnumSet.allOf(Part.class) : EnumSet.copyOf(only);
        return new Settings(ordered, parts, r, n, w, rate, o, mib << 20, c, idle("--idle", idle),
            idle("--socket-idle", socketIdle));
    }

    private IdleSpec idle(String option, String text) {
        try {
            return IdleSpec.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    /** Every round: each system anew, all its parts, then closed (so no idle poll thread competes with the next). */
    List<Row> run(Settings s) throws Exception {
        Pattern pattern = new Pattern();
        PingPong pp = new PingPong(pattern, new Histogram(1, PingPong.MAX_LATENCY_NS, 3));
        List<Row> rows = new ArrayList<>();
        for (int round = 1; round <= s.rounds; round++) {
            for (String name : s.systems) {
                log.printf(Locale.ROOT, "round %d/%d: %s%n", round, s.rounds, name);
                log.flush();
                try (E2eSystem system = open(name, pattern, s)) {
                    runSystem(system, pp, s, round, rows);
                    String d = system.diagnostics();
                    if (!d.isEmpty()) {
                        log.println("  " + d);
                    }
                }
            }
        }
        return rows;
    }

    private static E2eSystem open(String name, Pattern pattern, Settings s) throws IOException {
        return switch (name) {
            case "kernel" -> new KernelSystem(pattern, s.idle);
            case "bypass-handler" -> new HandlerSystem(pattern, s.idle);
            case "bypass-socket" -> new SocketSystem(pattern, s.socketIdle);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private void runSystem(E2eSystem system, PingPong pp, Settings s, int round, List<Row> rows) throws Exception {
        int cores = Math.min(system.busyThreads(), Runtime.getRuntime().availableProcessors());
        Row closed64 = null;
        if (s.parts.contains(Part.rtt)) {
            for (int size : SIZES) {
                Row closed = latency(system, pp, "rtt", size, s.warmup, s.samples, 0, 0, round);
                if (size == 64) {
                    closed64 = closed;
                }
                rows.add(closed);
                int count = (int) Math.max(10, s.rate * s.openMs / 1000);
                rows.add(latency(system, pp, "rtt-open", size, (int) Math.min(s.warmup, count), count, s.rate, 0, round));
            }
        }
        if (s.parts.contains(Part.load)) {
            if (closed64 == null) {
                closed64 = latency(system, pp, "rtt", 64, s.warmup, s.samples, 0, 0, round); // calibration only
            }
            double maxRate = 1e9 / Math.max(1, closed64.mean());
            for (double load : LOADS) {
                long r = Math.max(1, (long) (maxRate * load));
                int count = (int) Math.max(10, Math.min(50_000_000, r * s.openMs / 1000));
                rows.add(latency(system, pp, "load", 64, (int) Math.min(s.warmup, count), count, r, load, round));
            }
        }
        if (s.parts.contains(Part.bulk)) {
            for (int chunk : CHUNKS) {
                long bytes = chunk >= 16 * 1024 ? s.bulkBytes : Math.max(chunk, s.bulkBytes / 4);
                long allocBefore = allocated();
                double seconds = system.bulk(chunk, bytes);
                double alloc = (allocated() - allocBefore) / (double) Math.max(1, bytes / chunk);
                double gbps = bytes * 8 / seconds / 1e9;
                rows.add(new Row(system.name(), "bulk", chunk, 0, 0, bytes, 0, 0, 0, 0, 0, 0, gbps, gbps / cores, 0, seconds,
                    alloc, round, new long[0]));
                log.printf(Locale.ROOT, "  bulk %6d B writes: %.2f Gbit/s (%.2f per core, %d cores busy), %.2f s%n", chunk,
                    gbps, gbps / cores, cores, seconds);
                log.flush();
            }
        }
        if (s.parts.contains(Part.conn)) {
            long allocBefore = allocated();
            double seconds = system.connections(s.connections);
            double alloc = (allocated() - allocBefore) / (double) s.connections;
            rows.add(new Row(system.name(), "conn", 1, 0, 0, s.connections, 0, 0, 0, 0, 0, 0, 0, 0,
                s.connections / seconds, seconds, alloc, round, new long[0]));
            log.printf(Locale.ROOT, "  conn: %d in %.2f s, %.0f/s%n", s.connections, seconds, s.connections / seconds);
            log.flush();
        }
    }

    private Row latency(E2eSystem system, PingPong pp, String test, int size, int warmup, int count, long rate,
                        double load, int round) throws Exception {
        long allocBefore = allocated();
        system.pingPong(pp, size, warmup, count, rate);
        double alloc = (allocated() - allocBefore) / (double) (warmup + count);
        double seconds = pp.elapsedNs() / 1e9;
        Histogram h = pp.histogram();
        if (h.getTotalCount() != count) {
            throw new IllegalStateException(system.name() + " " + test + " " + size + " B: " + h.getTotalCount()
                + " samples recorded, " + count + " expected");
        }
        long[] curve = new long[Row.CURVE.length];
        for (int i = 0; i < curve.length; i++) {
            curve[i] = Row.CURVE[i] == 0 ? h.getMinValue() : h.getValueAtPercentile(Row.CURVE[i]);
        }
        Row row = new Row(system.name(), test, size, rate, load, count, h.getValueAtPercentile(50),
            h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(),
            h.getMean(), 0, 0, 0, seconds, alloc, round, curve);
        log.printf(Locale.ROOT, "  %-8s %5d B%s: p50 %8.2f us  p99 %8.2f us  p99.9 %8.2f us  max %9.2f us  (n=%d, %.0f B/msg alloc)%n",
            test, size, rate > 0 ? String.format(Locale.ROOT, " @%d/s", rate) : "", row.p50() / 1e3, row.p99() / 1e3,
            row.p999() / 1e3, row.max() / 1e3, count, alloc);
        log.flush();
        return row;
    }

    /** Bytes the JVM's threads have allocated so far (all threads), or 0 where the JVM cannot tell. */
    static long allocated() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t) {
            return t.getTotalThreadAllocatedBytes();
        }
        return 0;
    }

    private Map<String, Object> machine(Settings s, double wall, double[] loadBefore) {
        Map<String, Object> m = new LinkedHashMap<>();
        Runtime rt = Runtime.getRuntime();
        m.put("cores", rt.availableProcessors());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        m.put("epsilon_gc", args.contains("-XX:+UseEpsilonGC"));
        m.put("max_heap_mib", rt.maxMemory() >> 20);
        m.put("heap_used_mib", (rt.totalMemory() - rt.freeMemory()) >> 20);
        m.put("mode", full ? "full" : "quick");
        m.put("rounds", s.rounds);
        m.put("samples", s.samples);
        m.put("open_loop_rate", s.rate);
        m.put("bulk_bytes", s.bulkBytes);
        m.put("connections", s.connections);
        m.put("idle", s.idle.toString());
        m.put("socket_idle", s.socketIdle.toString());
        m.put("load_average_before", loadBefore[0]);
        m.put("load_average_after", loadAverage()[0]);
        m.put("wall_seconds", Math.round(wall * 10) / 10.0);
        m.put("time", java.time.Instant.now().toString());
        return m;
    }

    private static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0])};
        } catch (IOException | RuntimeException e) {
            return new double[] {-1};
        }
    }

    /** Runs the command with {@code args}; returns the exit code (2 for a bad option, with the reason on {@code err}). */
    static int execute(PrintWriter outWriter, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new SideBySide()).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(outWriter);
        cl.setErr(err);
        return cl.execute(args);
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    static Comparator<Row> byRank() {
        return Comparator.comparingDouble(Row::rank);
    }
}
