package dev.bypass.bench.e2e;

import java.io.IOException;
import org.HdrHistogram.Histogram;

/**
 * The ping-pong state machine every system's client runs, one {@link #step} at a time from its busy loop (an
 * application thread, or a bypass poll thread's duty cycle): no allocation, no blocking.
 *
 * <ul>
 *   <li>Closed loop ({@code intervalNs == 0}): a message leaves when the previous echo is complete; its
 *       latency runs from just before its first byte is written to when the last byte of its echo is read.</li>
 *   <li>Open loop: message {@code k} is due at {@code start + k * intervalNs} and leaves then (or as soon as the
 *       one before it is fully written), whether or not earlier echoes came back; its latency runs from when it
 *       was <em>due</em> to when its echo is complete. A stall therefore counts against every message it
 *       delayed: coordinated omission is corrected by construction, not by back-filling the histogram.</li>
 * </ul>
 *
 * Every echoed byte is compared with what was sent ({@link Pattern#check}). The first {@code warmup}
 * messages are not recorded.
 */
final class PingPong {
    static final long MAX_LATENCY_NS = 10_000_000_000L;

    private final Pattern pattern;
    private final Histogram histogram;
    private ClientIo io;
    private int size;
    private long intervalNs;
    private int warmup;
    private int total;
    private long startNs;
    private long sendStartNs;
    private int sent;
    private int received;
    private boolean writing;
    private int written;
    private long sentBytes;
    private long receivedBytes;
    private long maxNs;
    private boolean progress;

    PingPong(Pattern pattern, Histogram histogram) {
        this.pattern = pattern;
        this.histogram = histogram;
    }

    /** Starts a run of {@code warmup + count} messages of {@code size} bytes at {@code rate} per second (0: closed loop). */
    void begin(ClientIo io, int size, int warmup, int count, long rate) {
        if (size < 1 || size > Pattern.MAX_CHUNK) {
            throw new IllegalArgumentException("message size must be 1.." + Pattern.MAX_CHUNK + ", got " + size);
        }
        this.io = io;
        this.size = size;
        this.intervalNs = rate <= 0 ? 0 : Math.max(1, 1_000_000_000L / rate);
        this.warmup = warmup;
        this.total = warmup + count;
        this.sent = 0;
        this.received = 0;
        this.writing = false;
        this.written = 0;
        this.sentBytes = 0;
        this.receivedBytes = 0;
        this.maxNs = 0;
        histogram.reset();
        startNs = System.nanoTime();
    }

    /** One turn of the loop at time {@code nowNs}: writes what is due, reads what came; true when all echoes are in. */
    boolean step(long nowNs) throws IOException {
        progress = false;
        if (!writing && sent < total && (intervalNs == 0 ? received == sent : nowNs - (startNs + sent * intervalNs) >= 0)) {
            writing = true;
            written = 0;
            sendStartNs = System.nanoTime();
        }
        if (writing) {
            int n = io.write(Pattern.offset(sentBytes), size - written);
            written += n;
            sentBytes += n;
            progress |= n > 0;
            if (written == size) {
                writing = false;
                sent++;
            }
        }
        if (receivedBytes < sentBytes) {
            int max = (int) (size - receivedBytes % size);
            int n = io.read(max);
            if (n < 0) {
                throw new IOException("the server closed after " + received + " echoes of " + total);
            }
            if (n > 0) {
                progress = true;
                pattern.check(io.received(), 0, n, receivedBytes);
                receivedBytes += n;
                if (receivedBytes % size == 0) {
                    long doneNs = System.nanoTime();
                    if (received >= warmup) {
                        long from = intervalNs == 0 ? sendStartNs : startNs + received * intervalNs;
                        long latency = Math.min(Math.max(doneNs - from, 1), MAX_LATENCY_NS);
                        histogram.recordValue(latency);
                        maxNs = Math.max(maxNs, latency);
                    }
                    received++;
                }
            }
        }
        return received == total;
    }

    /** Whether the last {@link #step} moved any bytes (for the caller's idle strategy). */
    boolean progress() {
        return progress;
    }

    /** Nanoseconds since {@link #begin}. */
    long elapsedNs() {
        return System.nanoTime() - startNs;
    }

    int received() {
        return received;
    }

    /** The latencies recorded since {@link #begin}. */
    Histogram histogram() {
        return histogram;
    }
}
