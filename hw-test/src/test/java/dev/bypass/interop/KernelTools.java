package dev.bypass.interop;

import dev.bypass.apps.BytePattern;
import dev.bypass.testing.Environment;
import dev.bypass.testing.netns.NetNs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.concurrent.UnsafeBuffer;

/** What the interop tests do on the kernel's side: files, listening sockets, captures, ping output. */
final class KernelTools {
    /** An Ethernet frame at MTU 1500 with a VLAN tag, and some room. */
    private static final int SNAPSHOT_BYTES = 1600;
    private static final Pattern NOTHING_DROPPED = Pattern.compile("(?m)^0 packets dropped by kernel$");
    private static final Pattern RTT = Pattern.compile("rtt min/avg/max/mdev = [\\d.]+/[\\d.]+/[\\d.]+/[\\d.]+ ms");

    private KernelTools() {
    }

    /** Writes the first {@code length} bytes of {@link BytePattern} to {@code file}. */
    static Path writePattern(Path file, long length) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        UnsafeBuffer view = new UnsafeBuffer(chunk);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long done = 0; done < length; ) {
                int n = (int) Math.min(chunk.length, length - done);
                BytePattern.fill(view, 0, done, n);
                out.write(chunk, 0, n);
                done += n;
            }
        }
        return file;
    }

    static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Waits until a TCP socket in {@code ns} listens on {@code port} (as {@code ss -ltn} shows it). */
    static void awaitListening(NetNs ns, int port) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() - deadline < 0) {
            NetNs.Result ss = ns.exec("ss", "-Hltn", "sport = :" + port);
            if (ss.ok() && !ss.stdout().isBlank()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("nothing listens on port " + port + " in " + ns + " after 10 s");
    }

    /**
     * Starts tcpdump on {@code link} in {@code ns}, writing every frame to {@code file} as it comes, and
     * returns once the capture is running: tcpdump opens the file only after the capture is active.
     * {@code --immediate-mode} matters for a quiet capture (otherwise the kernel hands frames over a block
     * at a time, and the last ones are still in its ring when tcpdump is stopped); a deep ring for a busy
     * one (tcpdump, on a busy machine, falls behind a transfer and the kernel drops what it has no room for:
     * gaps that tshark reports as lost segments). In immediate mode each slot of the ring holds a whole
     * snapshot, so the snapshot length is cut to a full frame at the TAP's MTU, not the default 256 KiB:
     * 64 MiB then hold some 40,000 frames instead of 256.
     */
    static NetNs.Background startCapture(NetNs ns, String link, Path file, String filter)
        throws InterruptedException {
        NetNs.Background tcpdump = ns.start("tcpdump", "-i", link, "-n", "--immediate-mode", "-B", "65536",
            "-s", Integer.toString(SNAPSHOT_BYTES), "-U", "-w", file.toString(), filter);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.exists(file)) {
            if (tcpdump.hasExited() || System.nanoTime() - deadline > 0) {
                throw new AssertionError("tcpdump did not start: " + tcpdump.stop());
            }
            Thread.sleep(10);
        }
        Thread.sleep(100); // the file exists a moment before the first packet can be written
        return tcpdump;
    }

    /**
     * Stops a capture once tcpdump has written what it was given (the file stopped growing), and checks
     * that the kernel dropped none of it: a gap in a capture is not a gap on the wire.
     */
    static NetNs.Result stopCapture(NetNs.Background tcpdump, Path file) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        long size = -1;
        while (Files.size(file) != size && System.nanoTime() - deadline < 0) {
            size = Files.size(file);
            Thread.sleep(200);
        }
        NetNs.Result stopped = tcpdump.stop();
        if (!NOTHING_DROPPED.matcher(stopped.stderr()).find()) {
            throw new AssertionError("the capture is incomplete (tcpdump fell behind): " + stopped);
        }
        return stopped;
    }

    /** The {@code rtt min/avg/max/mdev} line of ping's output, or a note that it is missing. */
    static String rttLine(NetNs.Result ping) {
        Matcher m = RTT.matcher(ping.stdout());
        return m.find() ? m.group() : "(no rtt line)";
    }
}
