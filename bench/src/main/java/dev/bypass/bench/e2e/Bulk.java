package dev.bypass.bench.e2e;

import java.io.IOException;

/**
 * The bulk state machine: writes {@code bytes} in chunks of {@code chunk} bytes to a discard server, half-closes,
 * and waits for the server's close (end of stream), so the time covers delivery of the last byte. Stepped
 * from a busy loop like {@link PingPong}; no allocation.
 */
final class Bulk {
    private ClientIo io;
    private int chunk;
    private long bytes;
    private long sent;
    private boolean shut;
    private long startNs;
    private long endNs;
    private boolean progress;

    /** Whether the last {@link #step} wrote anything. */
    boolean progress() {
        return progress;
    }

    void begin(ClientIo io, int chunk, long bytes) {
        if (chunk < 1 || chunk > Pattern.MAX_CHUNK) {
            throw new IllegalArgumentException("chunk must be 1.." + Pattern.MAX_CHUNK + " bytes, got " + chunk);
        }
        this.io = io;
        this.chunk = chunk;
        this.bytes = bytes;
        this.sent = 0;
        this.shut = false;
        this.endNs = 0;
        this.startNs = System.nanoTime();
    }

    /** One turn; true once the server has closed after the last byte. */
    boolean step() throws IOException {
        if (sent < bytes) {
            int n = io.write(Pattern.offset(sent), (int) Math.min(chunk, bytes - sent));
            sent += n;
            progress = n > 0;
            return false;
        }
        progress = false;
        if (!shut) {
            io.shutdownOutput();
            shut = true;
        }
        if (io.read(Pattern.MAX_CHUNK) < 0) {
            endNs = System.nanoTime();
            return true;
        }
        return false;
    }

    /** Seconds from {@link #begin} to the server's close. */
    double seconds() {
        return (endNs - startNs) / 1e9;
    }
}
