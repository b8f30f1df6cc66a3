package dev.bypass.bench.e2e;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The end-to-end latency client: TCP ping-pong against an echo service (bypass's or the kernel's), through
 * plain Java NIO on one busy-polling, non-blocking thread, the way a low-latency Java service talks to the
 * kernel today. The same client measures both servers, so the figures differ only by the server's stack.
 *
 * <ul>
 *   <li>Closed loop: send a message, wait for its echo, repeat; each round trip is one sample.</li>
 *   <li>Open loop ({@code rate > 0}): messages leave on a fixed schedule whether or not the echoes came back,
 *       and each echo's latency is measured from when its message was due, not when it left (coordinated
 *       omission corrected: a stall counts for every message it delayed).</li>
 * </ul>
 *
 * Latencies go into an HdrHistogram (1 ns to 10 s, 3 digits); {@link #run} returns it.
 */
public final class PingPongClient {
    private static final long MAX_LATENCY_NS = 10_000_000_000L;

    private final InetSocketAddress server;
    private final int messageBytes;

    public PingPongClient(InetSocketAddress server, int messageBytes) {
        if (messageBytes < 1 || messageBytes > 1 << 20) {
            throw new IllegalArgumentException("message size must be 1..1048576 bytes, got " + messageBytes);
        }
        this.server = server;
        this.messageBytes = messageBytes;
    }

    /** Runs {@code warmup} unrecorded then {@code count} recorded round trips; {@code rate} messages/s, 0 closed loop. */
    public Histogram run(int warmup, int count, long rate) throws IOException {
        try (SocketChannel channel = SocketChannel.open()) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.connect(server);
            channel.configureBlocking(false);
            ByteBuffer out = ByteBuffer.allocateDirect(messageBytes);
            ByteBuffer in = ByteBuffer.allocateDirect(Math.max(messageBytes, 64 * 1024));
            for (int i = 0; i < messageBytes; i++) {
                out.put(i, (byte) (i * 31 + 7));
            }
            Histogram histogram = new Histogram(1, MAX_LATENCY_NS, 3);
            if (rate <= 0) {
                closedLoop(channel, out, in, warmup, null);
                closedLoop(channel, out, in, count, histogram);
            } else {
                openLoop(channel, out, in, warmup, rate, null);
                openLoop(channel, out, in, count, rate, histogram);
            }
            return histogram;
        }
    }

    private void closedLoop(SocketChannel channel, ByteBuffer out, ByteBuffer in, int rounds, Histogram histogram)
        throws IOException {
        for (int r = 0; r < rounds; r++) {
            long start = System.nanoTime();
            out.clear();
            while (out.hasRemaining()) {
                channel.write(out);
            }
            int got = 0;
            while (got < messageBytes) {
                in.clear().limit(messageBytes - got);
                int n = channel.read(in);
                if (n < 0) {
                    throw new IOException("server closed after " + r + " round trips");
                }
                got += n;
            }
            if (histogram != null) {
                histogram.recordValue(Math.min(System.nanoTime() - start, MAX_LATENCY_NS));
            }
        }
    }

    private void openLoop(SocketChannel channel, ByteBuffer out, ByteBuffer in, int messages, long rate,
                          Histogram histogram) throws IOException {
        long intervalNs = Math.max(1, 1_000_000_000L / rate);
        long first = System.nanoTime();
        int sent = 0;
        int received = 0;
        long receivedBytes = 0;
        boolean writing = false;
        while (received < messages) {
            long now = System.nanoTime();
            if (!writing && sent < messages && now - (first + sent * intervalNs) >= 0) {
                out.clear();
                writing = true;
            }
            if (writing) {
                channel.write(out);
                if (!out.hasRemaining()) {
                    writing = false;
                    sent++;
                }
            }
            in.clear();
            int n = channel.read(in);
            if (n < 0) {
                throw new IOException("server closed after " + received + " echoes");
            }
            if (n > 0) {
                receivedBytes += n;
                long done = System.nanoTime();
                while (receivedBytes >= (long) (received + 1) * messageBytes) {
                    // Latency from when the message was due: a late send counts against the system.
                    long due = first + received * intervalNs;
                    if (histogram != null) {
                        histogram.recordValue(Math.min(Math.max(done - due, 1), MAX_LATENCY_NS));
                    }
                    received++;
                }
            }
        }
    }

    /** One line: p50, p99, p99.9 and max in microseconds. */
    public static String summary(Histogram h) {
        return String.format(Locale.ROOT, "p50 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us  (n=%d)",
            h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
            h.getMaxValue() / 1e3, h.getTotalCount());
    }

    /** {@code host port size warmup count [rate]}: prints the summary and a key=value line for scripts. */
    public static void main(String[] args) throws IOException {
        if (args.length < 5) {
            System.err.println("usage: PingPongClient HOST PORT SIZE WARMUP COUNT [RATE_PER_SECOND]");
            System.exit(2);
        }
        PingPongClient client = new PingPongClient(new InetSocketAddress(args[0], Integer.parseInt(args[1])),
            Integer.parseInt(args[2]));
        long rate = args.length > 5 ? Long.parseLong(args[5]) : 0;
        Histogram h = client.run(Integer.parseInt(args[3]), Integer.parseInt(args[4]), rate);
        PrintStream o = System.out;
        o.println(summary(h));
        o.printf(Locale.ROOT, "RESULT pingpong size=%s rate=%d p50_us=%.2f p99_us=%.2f p999_us=%.2f max_us=%.2f n=%d%n",
            args[2], rate, h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
            h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount());
    }
}
