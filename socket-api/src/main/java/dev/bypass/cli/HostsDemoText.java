package dev.bypass.cli;

import dev.bypass.demo.HostsDemo;
import dev.bypass.stack.counters.Counter;
import java.util.Locale;

/** What {@code bypass demo} prints for {@link HostsDemo}: a header, progress lines, the final table, or JSON. */
final class HostsDemoText {
    private HostsDemoText() {
    }

    static String header(HostsDemo.Options o) {
        return String.format(Locale.ROOT, "bypass demo: server host 198.18.0.100 (%d resources) and client host 198.18.0.101"
                + " (%d resources) on an in-memory switch, real time%n"
                + "links: %s, %d us one-way per NIC; faults each way: loss %s%%, reorder %s%%, duplicate %s%%,"
                + " corrupt %s%% (seed %d); offloads %s%n"
                + "client: %d connections to the public tuple 198.18.0.100:7 through the connect query (round-robin"
                + " client resources, round-robin bypass tuples), %s each way on each%n%n",
            o.serverResources(), o.clientResources(),
            o.linkBitsPerSecond() == 0 ? "unlimited rate" : DemoCommand.gbit(o.linkBitsPerSecond()),
            o.oneWayDelayNs() / 1000, DemoCommand.pct(o.lossPercent()), DemoCommand.pct(o.reorderPercent()),
            DemoCommand.pct(o.duplicatePercent()), DemoCommand.pct(o.corruptPercent()), o.seed(),
            o.offloads() ? "checksum + TSO" : "off", o.connections(), DemoCommand.human(o.bytesPerConnection()));
    }

    static String progress(HostsDemo.Progress p) {
        HostsDemo.RingSample r = p.rings();
        HostsDemo.QueryFigures q = p.query();
        return String.format(Locale.ROOT, "%5.1f s  checked %9s of %9s  conns server %s client %s  query %d/%d hits %d"
                + " fallbacks %d  rings: send %s recv %s accept %d cmd %s",
            p.elapsedNs() / 1e9, DemoCommand.human(p.bytesChecked()), DemoCommand.human(p.bytesExpected()),
            slashes(p.serverConnections()), slashes(p.clientConnections()), q.queries(), q.replies(), q.cacheHits(),
            q.fallbacks(), percent(r.clientSendUsed() + r.serverSendUsed(), r.clientSendCapacity() + r.serverSendCapacity()),
            percent(r.clientReceiveUsed() + r.serverReceiveUsed(),
                r.clientReceiveCapacity() + r.serverReceiveCapacity()),
            r.acceptWaiting(), percent(r.commandUsed(), r.commandCapacity()));
    }

    static String table(HostsDemo.Options o, HostsDemo.Result r) {
        StringBuilder sb = new StringBuilder();
        String fmt = "%-10s %-14s %11s %16s %16s %12s %12s%n";
        sb.append(String.format(Locale.ROOT, "%n" + fmt, "resource", "private IP", "connections", "bytes sent",
            "bytes checked", "segs out", "retransmits"));
        for (HostsDemo.HostReport h : new HostsDemo.HostReport[] {r.server(), r.client()}) {
            for (HostsDemo.ResourceReport x : h.resources()) {
                sb.append(String.format(Locale.ROOT, fmt, x.name(), x.privateAddress(), x.connections(), x.tcpBytesSent(),
                    x.tcpBytesReceived(), x.segmentsOut(), x.retransmissions()));
            }
        }
        HostsDemo.QueryFigures q = r.query();
        sb.append(String.format(Locale.ROOT, "%nconnect query: the client sent %d queries (%d retried), took %d replies;"
                + " %d connects resolved by a reply, %d from the cache, %d fell back to the public tuple%n"
                + "               the server's query service read %d queries and sent %d replies%n",
            q.queries(), q.retries(), q.replies(), q.resolved(), q.cacheHits(), q.fallbacks(), q.serviceQueries(),
            q.serviceReplies()));
        sb.append(String.format(Locale.ROOT, "%nring occupancy (%d samples while connections were open):%n",
            r.ringSamples()));
        for (HostsDemo.RingStat s : r.rings()) {
            sb.append(String.format(Locale.ROOT, "  %-22s %3d x %-9s mean %5.1f%%  peak %5.1f%%%n", s.name(), s.rings(),
                s.name().startsWith("accept") ? s.capacityBytes() + " conns" : s.capacityBytes() / 1024 + " KiB",
                s.meanPercent(), s.peakPercent()));
        }
        sb.append(String.format(Locale.ROOT, "%nudp: %d datagrams sent to 198.18.0.100:7, %d echoed back, %d wrong, %d dropped"
            + " by a full receive ring%n", r.udpSent(), r.udpReceived(), r.udpMismatches(), r.udpRingDrops()));
        HostsDemo.SteadyState st = r.steadyState();
        if (st.bytesMoved() >= 0) {
            sb.append(String.format(Locale.ROOT, "steady state: while %s were checked, the poll threads allocated %d"
                    + " bytes, the application threads %d; the heap grew %s%n", DemoCommand.human(st.bytesMoved()),
                st.pollThreadBytes(), st.appThreadBytes(), DemoCommand.human(Math.max(0, st.heapGrowthBytes()))));
        }
        sb.append(String.format(Locale.ROOT, "faults injected (lost/dup/reord/corrupt): server NICs %s, client NICs %s%n",
            faults(r.server()), faults(r.client())));
        if (o.pcap() != null) {
            sb.append(String.format(Locale.ROOT, "captured client-0: %d frames to %s (%d lost)%n", r.capturedFrames(),
                o.pcap(), r.captureLost()));
        }
        sb.append(String.format(Locale.ROOT, "%nper-protocol counters (non-zero, summed over each host's resources):%n"));
        String cfmt = "%-34s %16s %16s%n";
        sb.append(String.format(Locale.ROOT, cfmt, "", "server", "client"));
        for (Counter c : Counter.values()) {
            String label = c.label();
            if (!r.server().counters().containsKey(label) && !r.client().counters().containsKey(label)) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, cfmt, "  " + label, r.server().counters().getOrDefault(label, 0L),
                r.client().counters().getOrDefault(label, 0L)));
        }
        long each = r.bytesPerConnection() * r.connections();
        double seconds = r.transferNs() / 1e9;
        sb.append(String.format(Locale.ROOT, "%n%s: %s each way over %d connections checked byte by byte (%d bytes),"
                + " server resources %s, client resources %s, %d fallbacks; %.2f s (%.2f Gbit/s each way), %.2f s wall%s",
            r.ok() ? "OK" : "FAILED", DemoCommand.human(each), r.connections(), r.bytesChecked(),
            slashes(r.server().connectionsPerResource()), slashes(r.client().connectionsPerResource()), q.fallbacks(),
            seconds, seconds > 0 ? each * 8 / seconds / 1e9 : 0, r.wallNs() / 1e9,
            r.ok() ? "" : "\n" + r.problem()));
        return sb.toString();
    }

    static String json(HostsDemo.Options o, HostsDemo.Result r) {
        StringBuilder sb = new StringBuilder("{");
        sb.append("\"ok\":").append(r.ok());
        sb.append(",\"problem\":").append(r.problem() == null ? "null" : DemoCommand.quote(r.problem()));
        sb.append(",\"mode\":\"hosts\",\"wall_ns\":").append(r.wallNs()).append(",\"transfer_ns\":").append(r.transferNs());
        sb.append(",\"bytes_per_direction\":").append(r.bytesPerConnection() * r.connections());
        sb.append(",\"bytes_per_connection\":").append(r.bytesPerConnection());
        sb.append(",\"connections\":").append(r.connections());
        sb.append(",\"bytes_checked\":").append(r.bytesChecked()).append(",\"bytes_expected\":").append(r.bytesExpected());
        sb.append(",\"public_tuple\":").append(DemoCommand.quote(r.publicTuple()));
        HostsDemo.QueryFigures q = r.query();
        sb.append(",\"query\":{\"queries\":").append(q.queries()).append(",\"retries\":").append(q.retries())
            .append(",\"replies\":").append(q.replies()).append(",\"cache_hits\":").append(q.cacheHits())
            .append(",\"resolved\":").append(q.resolved()).append(",\"fallbacks\":").append(q.fallbacks())
            .append(",\"service_queries\":").append(q.serviceQueries()).append(",\"service_replies\":")
            .append(q.serviceReplies()).append('}');
        sb.append(",\"faults_percent\":{\"loss\":").append(o.lossPercent()).append(",\"reorder\":").append(o.reorderPercent())
            .append(",\"duplicate\":").append(o.duplicatePercent()).append(",\"corrupt\":").append(o.corruptPercent())
            .append("},\"seed\":").append(o.seed());
        sb.append(",\"hosts\":[");
        HostsDemo.HostReport[] hosts = {r.server(), r.client()};
        for (int i = 0; i < hosts.length; i++) {
            HostsDemo.HostReport h = hosts[i];
            sb.append(i == 0 ? "" : ",").append("{\"name\":").append(DemoCommand.quote(h.name()))
                .append(",\"public_address\":").append(DemoCommand.quote(h.publicAddress()))
                .append(",\"connections_per_resource\":[");
            int[] per = h.connectionsPerResource();
            for (int k = 0; k < per.length; k++) {
                sb.append(k == 0 ? "" : ",").append(per[k]);
            }
            sb.append("],\"tcp_bytes_received\":").append(h.tcpBytesReceived()).append(",\"tcp_bytes_wrong\":")
                .append(h.tcpMismatches()).append(",\"retransmissions\":").append(h.retransmissions())
                .append(",\"resources\":[");
            for (int k = 0; k < h.resources().size(); k++) {
                HostsDemo.ResourceReport x = h.resources().get(k);
                sb.append(k == 0 ? "" : ",").append("{\"name\":").append(DemoCommand.quote(x.name()))
                    .append(",\"private_address\":").append(DemoCommand.quote(x.privateAddress()))
                    .append(",\"connections\":").append(x.connections()).append(",\"tcp_bytes_sent\":")
                    .append(x.tcpBytesSent()).append(",\"tcp_bytes_received\":").append(x.tcpBytesReceived())
                    .append(",\"tcp_segments_out\":").append(x.segmentsOut()).append(",\"tcp_segments_in\":")
                    .append(x.segmentsIn()).append(",\"retransmissions\":").append(x.retransmissions()).append('}');
            }
            sb.append("],\"faults\":").append(DemoCommand.map(h.faults())).append(",\"counters\":")
                .append(DemoCommand.map(h.counters())).append('}');
        }
        sb.append("],\"rings\":[");
        for (int i = 0; i < r.rings().size(); i++) {
            HostsDemo.RingStat s = r.rings().get(i);
            sb.append(i == 0 ? "" : ",").append("{\"name\":").append(DemoCommand.quote(s.name())).append(",\"rings\":")
                .append(s.rings()).append(",\"capacity\":").append(s.capacityBytes()).append(",\"mean_percent\":")
                .append(String.format(Locale.ROOT, "%.2f", s.meanPercent())).append(",\"peak_percent\":")
                .append(String.format(Locale.ROOT, "%.2f", s.peakPercent())).append('}');
        }
        sb.append("],\"ring_samples\":").append(r.ringSamples());
        sb.append(",\"udp\":{\"sent\":").append(r.udpSent()).append(",\"received\":").append(r.udpReceived())
            .append(",\"wrong\":").append(r.udpMismatches()).append(",\"receive_ring_drops\":").append(r.udpRingDrops())
            .append('}');
        HostsDemo.SteadyState st = r.steadyState();
        sb.append(",\"steady_state\":{\"bytes_checked\":").append(st.bytesMoved()).append(",\"poll_thread_allocated\":")
            .append(st.pollThreadBytes()).append(",\"app_thread_allocated\":").append(st.appThreadBytes())
            .append(",\"heap_growth\":").append(st.heapGrowthBytes()).append('}');
        sb.append(",\"captured_frames\":").append(r.capturedFrames()).append(",\"capture_lost\":").append(r.captureLost());
        return sb.append('}').toString();
    }

    private static String slashes(int[] values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : "/").append(values[i]);
        }
        return sb.toString();
    }

    private static String percent(long used, long capacity) {
        return capacity == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", 100.0 * used / capacity);
    }

    private static String faults(HostsDemo.HostReport h) {
        return h.faults().get("lost") + "/" + h.faults().get("duplicated") + "/" + h.faults().get("reordered") + "/"
            + h.faults().get("corrupted");
    }
}
