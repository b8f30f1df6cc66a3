package dev.bypass.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Lets tshark judge a capture, as the tests need it: how many frames, how many Wireshark marks malformed
 * or as expert errors (bad IPv4/TCP/UDP checksums included), and how many TCP anomalies its analysis finds
 * (retransmissions, out-of-order and lost segments, duplicate ACKs) — none of which a clean link has.
 */
public final class CaptureCheck {
    /** The verdict. */
    public record Verdict(int frames, int errors, int tcpAnomalies, List<String> firstErrors) {
        public boolean cleanLink() {
            return frames > 0 && errors == 0 && tcpAnomalies == 0;
        }

        @Override
        public String toString() {
            return "frames=" + frames + " malformed_or_errors=" + errors + " tcp_anomalies=" + tcpAnomalies
                + (firstErrors.isEmpty() ? "" : " first errors: " + firstErrors);
        }
    }

    private static final String ERRORS = "_ws.malformed || _ws.expert.severity == error";
    private static final String ANOMALIES = "tcp.analysis.retransmission || tcp.analysis.out_of_order"
        + " || tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment || tcp.analysis.duplicate_ack";

    private CaptureCheck() {
    }

    /** Runs tshark over {@code pcap} (it must be installed: see {@link Environment#requireCommands}). */
    public static Verdict check(Path pcap) {
        List<String> all = tshark(pcap, "frame");
        List<String> errors = tshark(pcap, ERRORS);
        List<String> anomalies = tshark(pcap, ANOMALIES);
        return new Verdict(all.size(), errors.size(), anomalies.size(), errors.subList(0, Math.min(5, errors.size())));
    }

    private static List<String> tshark(Path pcap, String filter) {
        ProcessBuilder pb = new ProcessBuilder("tshark", "-r", pcap.toString(), "-o", "tcp.check_checksum:TRUE",
            "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-Y", filter)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
        try {
            Process p = pb.start();
            List<String> lines = new ArrayList<>();
            try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                }
            }
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("tshark did not finish reading " + pcap);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("tshark exited " + p.exitValue() + " reading " + pcap);
            }
            return lines;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run tshark on " + pcap + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
