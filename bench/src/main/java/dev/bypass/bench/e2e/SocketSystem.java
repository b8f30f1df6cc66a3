package dev.bypass.bench.e2e;

import dev.bypass.config.IdleSpec;
import dev.bypass.host.PollLoop;
import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.socket.BypassServerSocketChannel;
import dev.bypass.socket.BypassSocketChannel;
import dev.bypass.socket.BypassSockets;
import dev.bypass.socket.ResourceSet;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.addr.Endpoint;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * bypass through the ring-handoff socket API: the same two stacks and switch as {@link HandlerSystem}, each on
 * its own {@link PollLoop} thread with {@link BypassSockets} over it; the server application (echo on 7,
 * discard on 9) on a thread of its own, the client application on the harness thread, both busy-polling
 * non-blocking {@link BypassSocketChannel}s. Bytes cross between application and poll thread through the
 * sockets' SPSC rings.
 *
 * <p>Four threads want the CPU (two applications, two poll threads): on a 2-core machine the poll threads
 * share the cores with the applications, so the idle strategy decides much. All four threads idle (a turn
 * with nothing to do) with the harness's {@code --socket-idle} strategy, yield by default: an idle thread gives
 * its core to one that has work.
 */
final class SocketSystem implements E2eSystem {
    static final int MAX_SOCKETS = 16384;

    private final PollLoop serverLoop;
    private final PollLoop clientLoop;
    private final BypassSockets serverSockets;
    private final BypassSockets client;
    private final Pattern pattern;
    private final Thread serverThread;
    private final Server server;
    private final Endpoint echo = Endpoint.parse("198.18.0.2:" + HandlerSystem.ECHO_PORT);
    private final Endpoint discard = Endpoint.parse("198.18.0.2:" + HandlerSystem.DISCARD_PORT);
    private final BypassSocketChannel echoChannel;
    private final SocketIo io;
    private final Bulk bulk = new Bulk();

    private final IdleStrategy idle;

    SocketSystem(Pattern pattern, IdleSpec pollIdle) throws IOException {
        this.pattern = pattern;
        this.idle = pollIdle.newStrategy();
        InMemoryNetwork network = new InMemoryNetwork(2);
        NetworkStack s = HandlerSystem.stack(network, 2);
        NetworkStack c = HandlerSystem.stack(network, 1);
        serverLoop = PollLoop.start(s, pollIdle.newStrategy(), "socket-server-poll");
        clientLoop = PollLoop.start(c, pollIdle.newStrategy(), "socket-client-poll");
        // Room for the connection test's sockets, not the default 131072 (slot tables sized up front: heap under Epsilon).
        serverSockets = BypassSockets.open(ResourceSet.single(s, serverLoop), MAX_SOCKETS);
        client = BypassSockets.open(ResourceSet.single(c, clientLoop), MAX_SOCKETS);
        server = new Server(serverSockets, pollIdle.newStrategy());
        serverThread = Thread.ofPlatform().name("socket-server-app").daemon().start(server);
        echoChannel = open(echo);
        io = new SocketIo(pattern, echoChannel);
    }

    private BypassSocketChannel open(Endpoint to) throws IOException {
        BypassSocketChannel ch = client.openSocketChannel();
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.configureBlocking(false);
        if (!ch.connect(to)) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!ch.finishConnect()) {
                checkServer();
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("connect to " + to + " did not finish in 10 s");
                }
                idle.idle(0);
            }
        }
        return ch;
    }

    @Override
    public String name() {
        return "bypass-socket";
    }

    @Override
    public int busyThreads() {
        return 4;
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
        BypassSocketChannel ch = open(discard);
        try {
            bulk.begin(new SocketIo(pattern, ch), chunk, bytes);
            idle.reset();
            while (!bulk.step()) {
                idle.idle(bulk.progress() ? 1 : 0);
                checkServer();
            }
            return bulk.seconds();
        } finally {
            ch.close();
        }
    }

    @Override
    public double connections(int n) throws IOException {
        UnsafeBuffer one = new UnsafeBuffer(ByteBuffer.allocateDirect(1));
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            BypassSocketChannel ch = client.openSocketChannel();
            try {
                ch.configureBlocking(false);
                if (!ch.connect(echo)) {
                    while (!ch.finishConnect()) {
                        idle.idle(0);
                        checkServer();
                    }
                }
                one.putByte(0, (byte) i);
                while (ch.write(one, 0, 1) == 0) {
                    Thread.onSpinWait();
                }
                int r;
                while ((r = ch.read(one, 0, 1)) == 0) {
                    idle.idle(0);
                    checkServer();
                }
                if (r < 0 || one.getByte(0) != (byte) i) {
                    throw new IOException("connection " + i + ": echo " + (r < 0 ? "missing" : "of " + one.getByte(0)));
                }
            } finally {
                ch.close();
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private void checkServer() throws IOException {
        Throwable t = server.failure;
        if (t != null) {
            throw new IOException("socket-API server failed: " + t, t);
        }
    }

    @Override
    public String diagnostics() {
        return HandlerSystem.diagnostics(clientLoop) + "; " + HandlerSystem.diagnostics(serverLoop);
    }

    @Override
    public void close() {
        server.running = false;
        try {
            serverThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        echoChannel.close();
        client.close();
        serverSockets.close();
        clientLoop.close();
        serverLoop.close();
    }

    /** The server application: echo and discard over non-blocking channels, one busy-polling thread. */
    static final class Server implements Runnable {
        private static final int MAX = 1024;
        private final BypassServerSocketChannel echo;
        private final BypassServerSocketChannel discard;
        private final BypassSocketChannel[] channels = new BypassSocketChannel[MAX];
        private final boolean[] echoes = new boolean[MAX];
        private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(256 * 1024));
        private int count;
        volatile boolean running = true;
        volatile Throwable failure;
        private final IdleStrategy idle;

        Server(BypassSockets sockets, IdleStrategy idle) throws IOException {
            this.idle = idle;
            echo = listen(sockets, HandlerSystem.ECHO_PORT);
            discard = listen(sockets, HandlerSystem.DISCARD_PORT);
        }

        private static BypassServerSocketChannel listen(BypassSockets sockets, int port) throws IOException {
            BypassServerSocketChannel s = sockets.openServerSocketChannel();
            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
            s.bind(port, 128);
            s.configureBlocking(false);
            return s;
        }

        @Override
        public void run() {
            try {
                while (running) {
                    boolean work = accept(echo, true) | accept(discard, false);
                    for (int i = 0; i < count; i++) {
                        work |= serve(i);
                    }
                    idle.idle(work ? 1 : 0);
                }
            } catch (Throwable t) {
                failure = t;
            } finally {
                for (int i = 0; i < count; i++) {
                    channels[i].close();
                }
                echo.close();
                discard.close();
            }
        }

        private boolean accept(BypassServerSocketChannel listener, boolean isEcho) throws IOException {
            BypassSocketChannel c = listener.accept();
            if (c == null) {
                return false;
            }
            if (count == MAX) {
                c.close();
                throw new IOException("more than " + MAX + " connections at once");
            }
            c.configureBlocking(false);
            channels[count] = c;
            echoes[count] = isEcho;
            count++;
            return true;
        }

        private boolean serve(int i) throws IOException {
            BypassSocketChannel c = channels[i];
            int n = c.read(buffer, 0, buffer.capacity());
            if (n < 0) {
                c.close();
                count--;
                channels[i] = channels[count];
                echoes[i] = echoes[count];
                channels[count] = null;
                return true;
            }
            if (n > 0 && echoes[i]) {
                int done = 0;
                while (done < n && running) {
                    done += c.write(buffer, done, n - done);
                }
            }
            return n > 0;
        }
    }

    /** A non-blocking ring-handoff socket as a {@link ClientIo}. */
    static final class SocketIo implements ClientIo {
        private final Pattern pattern;
        private final BypassSocketChannel channel;
        private final ByteBuffer inBuffer = ByteBuffer.allocateDirect(Pattern.MAX_CHUNK);
        private final UnsafeBuffer in = new UnsafeBuffer(inBuffer);
        private final MemorySegment inSegment = MemorySegment.ofBuffer(inBuffer);

        SocketIo(Pattern pattern, BypassSocketChannel channel) {
            this.pattern = pattern;
            this.channel = channel;
        }

        @Override
        public int write(int patternOffset, int length) throws IOException {
            return channel.write(pattern.unsafe, patternOffset, length);
        }

        @Override
        public int read(int max) throws IOException {
            return channel.read(in, 0, max);
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
