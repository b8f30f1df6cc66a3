package dev.bypass.bench.lfn;

import dev.bypass.demo.LongFatPipeSimulation;
import dev.bypass.demo.LongFatPipeSimulation.Options;
import dev.bypass.demo.LongFatPipeSimulation.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The long fat pipe benchmark: {@link LongFatPipeSimulation} (two bypass stacks in virtual time over a wire
 * with a fixed one-way delay and a rate-limited drop-tail bottleneck each way, CUBIC, buffers from the BDP)
 * from the command line, writing its figures where a plot can find them.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.bypass.bench.lfn.LongFatPipe [--delay-ms 50] [--rate 1g] [--bytes 1g]
 *     [--queue-bdp 1.0] [--buffer-bdp 2.0] [--cc cubic] [--sample-ms 10] [--out bench/results]
 * </pre>
 *
 * Appends one row to {@code OUT/lfn.csv} (header written when the file is new) and rewrites
 * {@code OUT/lfn.json} from every row of it; writes the run's time series (virtual time, cwnd, ssthresh,
 * bytes acknowledged, bytes received) to {@code OUT/lfn-series-RATE-DELAY.csv}. Rates and sizes take k, m, g
 * suffixes (rates decimal: 1g = 10^9 bit/s; sizes binary: 1g = 2^30 bytes). Exit 0 if the transfer
 * finished byte-exact, 1 otherwise.
 */
public final class LongFatPipe {
    static final String CSV_HEADER = "rate_bps,delay_ms,rtt_ms,bytes,queue_bytes,buffer_bytes,cc,virtual_s,goodput_bps,"
        + "percent_of_limit,slow_start_end_s,goodput_after_slow_start_bps,percent_after_slow_start,retransmits,"
        + "bottleneck_drops,timeouts,max_cwnd_bytes,wscale,finished,byte_exact,wall_s";

    private LongFatPipe() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (!Object.class.getModule().isExported("jdk.internal.misc", LongFatPipe.class.getModule())) {
            // Agrona needs jdk.internal.misc (the bypass launcher passes the flag); a plain java -cp run gets it by
            // running again in a child JVM with the flag.
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Dagrona.disable.bounds.checks=true",
                "-cp", System.getProperty("java.class.path"), LongFatPipe.class.getName()));
            command.addAll(List.of(args));
            System.exit(new ProcessBuilder(command).inheritIO().start().waitFor());
        }
        System.exit(run(args));
    }

    /** Runs with {@code args} as on the command line; returns the exit code (0 done byte-exact, 1 not, 2 usage). */
    public static int run(String... args) throws IOException {
        long delayMs = 50;
        long rate = 1_000_000_000L;
        long bytes = 1L << 30;
        double queueBdp = 1.0;
        double bufferBdp = 2.0;
        String cc = "cubic";
        long sampleMs = 10;
        Path out = Files.isDirectory(Path.of("bench")) ? Path.of("bench", "results") : Path.of("results");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println("usage: LongFatPipe [--delay-ms MS] [--rate BITS_PER_S] [--bytes N] [--queue-bdp F]"
                    + " [--buffer-bdp F] [--cc cubic|reno] [--sample-ms MS] [--out DIR]");
                return 0;
            }
            if (i + 1 >= args.length) {
                return usage("missing value after " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--delay-ms" -> delayMs = Long.parseLong(v);
                case "--rate" -> rate = parse(v, 1000);
                case "--bytes" -> bytes = parse(v, 1024);
                case "--queue-bdp" -> queueBdp = Double.parseDouble(v);
                case "--buffer-bdp" -> bufferBdp = Double.parseDouble(v);
                case "--cc" -> cc = v;
                case "--sample-ms" -> sampleMs = Long.parseLong(v);
                case "--out" -> out = Path.of(v);
                default -> {
                    return usage("unknown option " + a);
                }
            }
        }
        if (delayMs <= 0 || rate <= 0 || bytes <= 0 || sampleMs <= 0) {
            return usage("--delay-ms, --rate, --bytes and --sample-ms must be positive");
        }
        Options o = Options.of(rate, delayMs * 1_000_000L, bytes).withQueue(queueBdp).withBuffers(bufferBdp)
            .withCongestionControl(cc).withSampleNs(sampleMs * 1_000_000L);
        Result r = LongFatPipeSimulation.run(o);
        System.out.println(r.summary());
        Files.createDirectories(out);
        Path csv = out.resolve("lfn.csv");
        if (!Files.exists(csv)) {
            Files.writeString(csv, CSV_HEADER + "\n", StandardCharsets.UTF_8);
        }
        Files.writeString(csv, csvRow(r) + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(out.resolve("lfn.json"), json(Files.readAllLines(csv, StandardCharsets.UTF_8)),
            StandardCharsets.UTF_8);
        Path series = out.resolve(String.format(Locale.ROOT, "lfn-series-%s-%dms.csv", label(rate), delayMs));
        StringBuilder s = new StringBuilder("virtual_s,cwnd_bytes,ssthresh_bytes,bytes_acked,bytes_received\n");
        for (long[] row : r.series()) {
            s.append(String.format(Locale.ROOT, "%.4f,%d,%s,%d,%d%n", row[0] / 1e9, row[1],
                row[2] >= Integer.MAX_VALUE ? "" : Long.toString(row[2]), row[3], row[4]));
        }
        Files.writeString(series, s, StandardCharsets.UTF_8);
        System.out.println("wrote " + csv + ", " + out.resolve("lfn.json") + ", " + series);
        return r.finished() && r.mismatches() == 0 ? 0 : 1;
    }

    static String csvRow(Result r) {
        Options o = r.options();
        return String.format(Locale.ROOT, "%d,%d,%d,%d,%d,%d,%s,%.6f,%.0f,%.2f,%.6f,%.0f,%.2f,%d,%d,%d,%d,%d,%b,%b,%.2f",
            o.rateBitsPerSecond(), o.oneWayDelayNs() / 1_000_000, 2 * o.oneWayDelayNs() / 1_000_000, o.bytes(),
            o.queueBytes(), o.bufferBytes(), r.congestionControl(), r.virtualNs() / 1e9, r.goodputBitsPerSecond(),
            r.percentOfLimit(), r.slowStartEndNs() / 1e9, r.goodputAfterSlowStartBitsPerSecond(),
            r.percentOfLimitAfterSlowStart(), r.retransmits(), r.rateDropped(), r.timeouts(), r.maxCwndBytes(),
            r.receiveWindowScale(), r.finished(), r.finished() && r.mismatches() == 0 && r.received() == o.bytes(),
            r.wallNs() / 1e9);
    }

    /** The CSV's rows as a JSON array of objects; numbers stay numbers, the rest strings. */
    static String json(List<String> lines) {
        String[] names = lines.get(0).split(",");
        List<String> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] values = line.split(",", -1);
            StringBuilder b = new StringBuilder("  {");
            for (int i = 0; i < names.length && i < values.length; i++) {
                String v = values[i];
                boolean plain = v.matches("-?\\d+(\\.\\d+)?") || v.equals("true") || v.equals("false");
                b.append(i == 0 ? "" : ", ").append('"').append(names[i]).append("\": ")
                    .append(plain ? v : v.equals("NaN") ? "null" : '"' + v + '"');
            }
            rows.add(b.append('}').toString());
        }
        return "[\n" + String.join(",\n", rows) + "\n]\n";
    }

    static long parse(String text, long unit) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long m = switch (t.charAt(t.length() - 1)) {
            case 'k' -> unit;
            case 'm' -> unit * unit;
            case 'g' -> unit * unit * unit;
            default -> 1;
        };
        String number = m == 1 ? t : t.substring(0, t.length() - 1);
        return Math.round(Double.parseDouble(number) * m);
    }

    private static String label(long rate) {
        return rate % 1_000_000_000L == 0 ? rate / 1_000_000_000L + "g"
            : rate % 1_000_000 == 0 ? rate / 1_000_000 + "m" : Long.toString(rate);
    }

    private static int usage(String why) {
        System.err.println("LongFatPipe: " + why + " (see --help)");
        return 2;
    }
}
