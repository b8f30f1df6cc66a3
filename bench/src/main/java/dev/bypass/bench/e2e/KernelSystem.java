package dev.bypass.bench.e2e;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import dev.bypass.config.IdleSpec;
import org.agrona.concurrent.IdleStrategy;

/**
 * The kernel: {@link NioServer} (echo and discard, one busy {@code selectNow} thread) on 127.0.0.1, and a
 * client on the harness thread through non-blocking, busy-polled NIO {@link SocketChannel}s with TCP_NODELAY.
 * Both threads idle (a turn that moved no byte) with the harness's {@code --idle} strategy.
 */
final class KernelSystem implements E2eSystem {
    private final Pattern pattern;
    private final NioServer server;
    private final Thread serverThread;
    private final InetSocketAddress echo;
    private final InetSocketAddress discard;
    private final NioIo io;
    private final SocketChannel echoChannel;
    private final Bulk bulk = new Bulk();
    private volatile Throwable serverFailure;

    private final IdleStrategy idle;

    KernelSystem(Pattern pattern, IdleSpec idleSpec) throws IOException {
        this.pattern = pattern;
        this.idle = idleSpec.newStrategy();
        IdleStrategy serverIdle = idleSpec.newStrategy();
        server = new NioServer("127.0.0.1", 0, 0);
        echo = new InetSocketAddress("127.0.0.1", server.echoPort());
        discard = new InetSocketAddress("127.0.0.1", server.discardPort());
        serverThread = Thread.ofPlatform().name("kernel-server").daemon().start(() -> {
            try {
                server.serve(serverIdle);
            } catch (Throwable t) {
                serverFailure = t;
            }
        });
        echoChannel = open(echo);
        io = new NioIo(pattern, echoChannel);
    }

    private static SocketChannel open(InetSocketAddress to) throws IOException {
        SocketChannel c = SocketChannel.open();
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        c.configureBlocking(false);
        if (!c.connect(to)) {
            while (!c.finishConnect()) {
                Thread.yield(); // setup (and the conn test): the kernel's handshake needs the server thread
            }
        }
        return c;
    }

    @Override
    public String name() {
        return "kernel";
    }

    @Override
    public int busyThreads() {
        return 2;
    }

    @Override
    public void pingPong(PingPong pp, int size, int warmup, int count, long rate) throws IOException {
        pp.begin(io, size, warmup, count, rate);
        idle.reset();
        while (!pp.step(System.nanoTime())) {
            idle.idle(pp.progress() ? 1 : 0);
            checkServer();
        }
    }

    @Override
    public double bulk(int chunk, long bytes) throws IOException {
        try (SocketChannel c = open(discard)) {
            NioIo bulkIo = new NioIo(pattern, c);
            bulk.begin(bulkIo, chunk, bytes);
            idle.reset();
            while (!bulk.step()) {
                idle.idle(bulk.progress() ? 1 : 0);
                checkServer();
            }
            return bulk.seconds();
        }
    }

    @Override
    public double connections(int n) throws IOException {
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (SocketChannel c = open(echo)) {
                one.clear().put(0, (byte) i);
                while (c.write(one) == 0) {
                    Thread.onSpinWait();
                }
                one.clear();
                int r;
                idle.reset();
                while ((r = c.read(one)) == 0) {
                    idle.idle(0);
                    checkServer();
                }
                if (r < 0 || one.get(0) != (byte) i) {
                    throw new IOException("connection " + i + ": echo " + (r < 0 ? "missing" : "of " + one.get(0)));
                }
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private void checkServer() throws IOException {
        Throwable t = serverFailure;
        if (t != null) {
            throw new IOException("kernel NIO server failed: " + t, t);
        }
    }

    @Override
    public void close() {
        try {
            echoChannel.close();
            server.close();
            serverThread.join(5000);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A non-blocking NIO channel as a {@link ClientIo}: direct buffers, no allocation per call. */
    static final class NioIo implements ClientIo {
        private final SocketChannel channel;
        private final ByteBuffer out;
        private final ByteBuffer in = ByteBuffer.allocateDirect(Pattern.MAX_CHUNK);
        private final MemorySegment inSegment = MemorySegment.ofBuffer(in);

        NioIo(Pattern pattern, SocketChannel channel) {
            this.channel = channel;
            this.out = pattern.buffer.duplicate();
        }

        @Override
        public int write(int patternOffset, int length) throws IOException {
            out.limit(patternOffset + length).position(patternOffset);
            return channel.write(out);
        }

        @Override
        public int read(int max) throws IOException {
            in.clear().limit(max);
            return channel.read(in);
        }

        @Override
        public MemorySegment received() {
            return inSegment;
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }
    }
}
