package dev.bypass.cli;

import dev.bypass.demo.Demo;
import dev.bypass.demo.HostsDemo;
import dev.bypass.stack.counters.Counter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

/** {@code bypass demo}: a multi-resource server host and a client host exchange checked data; prints what happened. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"A 4-resource server host and a 2-resource client host exchange checked data; prints the figures.", "",
        "Two bypass hosts on an in-memory switch, in real time: the client opens its TCP connections by the server's",
        "public tuple through the connect query, so they spread over every resource of both hosts, and both ends",
        "stream a checked byte pattern through the ring socket API; UDP datagrams go to an echo service. Prints, while",
        "it runs and at the end, the connections per resource, the query figures and the ring occupancy.",
        "--virtual runs the older demo instead: two single-NIC hosts in deterministic virtual time.",
        "Exits 1 if any byte arrived wrong or the transfer did not finish."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--bytes", converter = Sizes.Bytes.class, defaultValue = "4M", paramLabel = "SIZE",
        description = "bytes each way per connection (default ${DEFAULT-VALUE})")
    long bytes;

    @Option(names = "--connections", defaultValue = "8", description = "TCP connections (default ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--server-resources", defaultValue = "4", paramLabel = "N",
        description = "resources (NICs, stacks, poll threads) of the server host (default ${DEFAULT-VALUE})")
    int serverResources;

    @Option(names = "--client-resources", defaultValue = "2", paramLabel = "N",
        description = "resources of the client host (default ${DEFAULT-VALUE})")
    int clientResources;

    @Option(names = "--datagrams", defaultValue = "1000", description = "UDP datagrams echoed (default ${DEFAULT-VALUE})")
    int datagrams;

    @Option(names = "--loss", defaultValue = "0", paramLabel = "PERCENT", description = "frames lost, each way")
    double loss;

    @Option(names = "--reorder", defaultValue = "0", paramLabel = "PERCENT", description = "frames held back and sent late")
    double reorder;

    @Option(names = "--duplicate", defaultValue = "0", paramLabel = "PERCENT", description = "frames sent twice")
    double duplicate;

    @Option(names = "--corrupt", defaultValue = "0", paramLabel = "PERCENT", description = "frames with one bit flipped")
    double corrupt;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the faults and the data (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--rate", converter = Sizes.Rate.class, defaultValue = "10g", paramLabel = "BITS/S",
        description = "link rate of each NIC (default ${DEFAULT-VALUE}; 0 for unlimited)")
    long rate;

    @Option(names = "--delay-us", defaultValue = "20", description = "one-way link delay in microseconds (default ${DEFAULT-VALUE})")
    long delayUs;

    @Option(names = "--no-offload", description = "NICs offer no checksum offload and no TSO")
    boolean noOffload;

    @Option(names = "--pcap", paramLabel = "FILE",
        description = "capture a NIC to a pcap file (the client's first resource; with --virtual, host A's)")
    Path pcap;

    @Option(names = "--timeout", converter = Durations.class, defaultValue = "60s", paramLabel = "DURATION",
        description = "give up (exit 1) if the transfer has not finished by then (default ${DEFAULT-VALUE}; real time only)")
    java.time.Duration timeout;

    @Option(names = "--virtual", description = "two single-NIC hosts in deterministic virtual time (the older demo)")
    boolean virtual;

    @Option(names = "--json", description = "print the summary as one JSON object (and no progress lines)")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws java.io.IOException {
        if (virtual) {
            return callVirtual();
        }
        HostsDemo.Options options;
        try {
            options = new HostsDemo.Options(bytes, connections, datagrams, loss, reorder, duplicate, corrupt, seed, rate,
                delayUs * 1000, !noOffload, pcap, serverResources, clientResources, Math.max(1, timeout.toMillis()));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!json) {
            System.out.print(HostsDemoText.header(options));
            System.out.flush();
        }
        HostsDemo.Result r = HostsDemo.run(options, json ? null : p -> {
            System.out.println(HostsDemoText.progress(p));
            System.out.flush();
        });
        System.out.println(json ? HostsDemoText.json(options, r) : HostsDemoText.table(options, r));
        return r.ok() ? 0 : 1;
    }

    private int callVirtual() throws java.io.IOException {
        Demo.Options options;
        try {
            options = new Demo.Options(bytes, connections, datagrams, loss, reorder, duplicate, corrupt, seed, rate,
                delayUs * 1000, !noOffload, pcap);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Demo.Result r = Demo.run(options);
        System.out.println(json ? json(options, r) : table(options, r));
        return r.ok() ? 0 : 1;
    }

    static String table(Demo.Options o, Demo.Result r) {
        StringBuilder sb = new StringBuilder();
        Demo.HostReport a = r.hosts().get(0);
        Demo.HostReport b = r.hosts().get(1);
        sb.append(String.format(Locale.ROOT, "bypass demo: 2 hosts on an in-memory switch, %s, %d us one-way, virtual time%n",
            o.linkBitsPerSecond() == 0 ? "unlimited rate" : gbit(o.linkBitsPerSecond()), o.oneWayDelayNs() / 1000));
        sb.append(String.format(Locale.ROOT, "faults each way: loss %s%%, reorder %s%%, duplicate %s%%, corrupt %s%% (seed %d)"
            + "; offloads %s%n%n", pct(o.lossPercent()), pct(o.reorderPercent()), pct(o.duplicatePercent()),
            pct(o.corruptPercent()), o.seed(), o.offloads() ? "checksum + TSO" : "off"));
        String fmt = "%-34s %22s %22s%n";
        sb.append(String.format(Locale.ROOT, fmt, "", a.name() + " " + a.address(), b.name() + " " + b.address()));
        row(sb, fmt, "tcp bytes sent", a.tcpBytesSent(), b.tcpBytesSent());
        row(sb, fmt, "tcp bytes received, checked", a.tcpBytesReceived(), b.tcpBytesReceived());
        row(sb, fmt, "tcp bytes wrong", a.tcpMismatches(), b.tcpMismatches());
        sb.append(String.format(Locale.ROOT, fmt, "tcp segments out / in", a.segmentsOut() + " / " + a.segmentsIn(),
            b.segmentsOut() + " / " + b.segmentsIn()));
        sb.append(String.format(Locale.ROOT, fmt, "retransmitted (rto expiries / fast)", a.retransmissions() + " ("
            + a.rtoExpiries() + " / " + a.fastRetransmits() + ")", b.retransmissions() + " (" + b.rtoExpiries() + " / "
            + b.fastRetransmits() + ")"));
        sb.append(String.format(Locale.ROOT, fmt, "mean smoothed RTT", String.format(Locale.ROOT, "%.1f us", a.meanSrttUs()),
            String.format(Locale.ROOT, "%.1f us", b.meanSrttUs())));
        sb.append(String.format(Locale.ROOT, fmt, "udp datagrams sent / received", a.udpSent() + " / " + a.udpReceived(),
            "echoed " + b.udpSent()));
        sb.append(String.format(Locale.ROOT, fmt, "faults injected (lost/dup/reord/corrupt)", faults(a.faults()),
            faults(b.faults())));
        sb.append(String.format(Locale.ROOT, "%nper-protocol counters (non-zero):%n"));
        for (Counter c : Counter.values()) {
            String label = c.label();
            if (!a.counters().containsKey(label) && !b.counters().containsKey(label)) {
                continue;
            }
            row(sb, fmt, "  " + label, a.counters().getOrDefault(label, 0L), b.counters().getOrDefault(label, 0L));
        }
        long total = r.bytesPerDirection() * r.connections();
        double seconds = r.virtualNs() / 1e9;
        sb.append(String.format(Locale.ROOT, "%n%s: %s each way over %d connections checked byte by byte, in %.3f s of virtual"
                + " time (%.2f Gbit/s each way), %.2f s wall; %d frames captured%s",
            r.ok() ? "OK" : "FAILED", human(total), r.connections(), seconds, seconds > 0 ? total * 8 / seconds / 1e9 : 0,
            r.wallNs() / 1e9, r.capturedFrames(), r.ok() ? "" : "\n" + r.problem()));
        return sb.toString();
    }

    static String json(Demo.Options o, Demo.Result r) {
        StringBuilder sb = new StringBuilder("{");
        sb.append("\"ok\":").append(r.ok());
        sb.append(",\"problem\":").append(r.problem() == null ? "null" : quote(r.problem()));
        sb.append(",\"virtual_ns\":").append(r.virtualNs()).append(",\"wall_ns\":").append(r.wallNs());
        sb.append(",\"bytes_per_direction\":").append(r.bytesPerDirection()).append(",\"connections\":").append(r.connections());
        sb.append(",\"faults_percent\":{\"loss\":").append(o.lossPercent()).append(",\"reorder\":").append(o.reorderPercent())
            .append(",\"duplicate\":").append(o.duplicatePercent()).append(",\"corrupt\":").append(o.corruptPercent())
            .append("},\"seed\":").append(o.seed()).append(",\"captured_frames\":").append(r.capturedFrames());
        sb.append(",\"hosts\":[");
        for (int i = 0; i < r.hosts().size(); i++) {
            Demo.HostReport h = r.hosts().get(i);
            sb.append(i == 0 ? "" : ",").append("{\"name\":").append(quote(h.name())).append(",\"address\":")
                .append(quote(h.address())).append(",\"tcp_bytes_sent\":").append(h.tcpBytesSent())
                .append(",\"tcp_bytes_received\":").append(h.tcpBytesReceived()).append(",\"tcp_bytes_wrong\":")
                .append(h.tcpMismatches()).append(",\"tcp_segments_out\":").append(h.segmentsOut())
                .append(",\"tcp_segments_in\":").append(h.segmentsIn()).append(",\"retransmissions\":")
                .append(h.retransmissions()).append(",\"rto_expiries\":").append(h.rtoExpiries())
                .append(",\"fast_retransmits\":").append(h.fastRetransmits()).append(",\"mean_srtt_us\":")
                .append(String.format(Locale.ROOT, "%.3f", h.meanSrttUs())).append(",\"udp_sent\":").append(h.udpSent())
                .append(",\"udp_received\":").append(h.udpReceived()).append(",\"udp_wrong\":").append(h.udpMismatches())
                .append(",\"faults\":").append(map(h.faults())).append(",\"counters\":").append(map(h.counters())).append('}');
        }
        return sb.append("]}").toString();
    }

    static String map(Map<String, Long> m) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Long> e : m.entrySet()) {
            sb.append(sb.length() == 1 ? "" : ",").append(quote(e.getKey())).append(':').append(e.getValue());
        }
        return sb.append('}').toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static void row(StringBuilder sb, String fmt, String label, long a, long b) {
        sb.append(String.format(Locale.ROOT, fmt, label, a, b));
    }

    private static String faults(Map<String, Long> f) {
        return f.get("lost") + "/" + f.get("duplicated") + "/" + f.get("reordered") + "/" + f.get("corrupted");
    }

    static String pct(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    static String gbit(long bps) {
        return bps >= 1_000_000_000L ? String.format(Locale.ROOT, "%.3g Gbit/s", bps / 1e9)
            : String.format(Locale.ROOT, "%.3g Mbit/s", bps / 1e6);
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return bytes + " bytes";
    }
}
