package dev.bypass.bench.e2e;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Locale;

/**
 * The end-to-end throughput client: sends {@code bytes} to a discard service (bypass's or the kernel's)
 * over one connection from one thread with plain Java NIO, half-closes, and waits for the server to
 * close: the time covers delivery of the last byte, not just its copy into the kernel.
 */
public final class BulkClient {
    private BulkClient() {
    }

    /** Seconds taken to deliver {@code bytes} to {@code server}. */
    public static double send(InetSocketAddress server, long bytes) throws IOException {
        try (SocketChannel channel = SocketChannel.open(server)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(256 * 1024);
            for (int i = 0; i < chunk.capacity(); i++) {
                chunk.put(i, (byte) i);
            }
            long start = System.nanoTime();
            long left = bytes;
            while (left > 0) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), left));
                left -= channel.write(chunk);
            }
            channel.shutdownOutput();
            ByteBuffer sink = ByteBuffer.allocate(4096);
            while (channel.read(sink.clear()) >= 0) {
                // the server may answer (a sink that reports) or just close; wait for the close
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /** {@code host port bytes}: prints the rate and a key=value line for scripts. */
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: BulkClient HOST PORT BYTES");
            System.exit(2);
        }
        long bytes = Long.parseLong(args[2]);
        double seconds = send(new InetSocketAddress(args[0], Integer.parseInt(args[1])), bytes);
        double gbits = bytes * 8 / seconds / 1e9;
        System.out.printf(Locale.ROOT, "%d bytes in %.3f s: %.1f MB/s, %.2f Gbit/s%n", bytes, seconds, bytes / seconds / 1e6,
            gbits);
        System.out.printf(Locale.ROOT, "RESULT bulk bytes=%d seconds=%.4f gbit_per_s=%.3f%n", bytes, seconds, gbits);
    }
}
