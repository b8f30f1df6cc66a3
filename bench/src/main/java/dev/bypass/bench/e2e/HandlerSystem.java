package dev.bypass.bench.e2e;

import dev.bypass.apps.DiscardServer;
import dev.bypass.apps.EchoServer;
import dev.bypass.config.IdleSpec;
import dev.bypass.host.PollLoop;
import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpHandler;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.addr.MacAddress;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * bypass with run-to-completion handlers: two stacks (client 198.18.0.1, server 198.18.0.2) on the in-memory
 * switch, each driven by its own {@link PollLoop} thread. The server is {@link EchoServer} on port 7 and
 * {@link DiscardServer} on port 9, handlers on the server's poll thread; the client is a {@link Driver}, a
 * handler and duty-cycle hook on the client's poll thread. No data crosses threads except through the NICs.
 */
final class HandlerSystem implements E2eSystem {
    static final int ECHO_PORT = 7;
    static final int DISCARD_PORT = 9;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);

    private final PollLoop serverLoop;
    private final PollLoop clientLoop;
    private final Driver driver;

    HandlerSystem(Pattern pattern, IdleSpec idle) {
        InMemoryNetwork network = new InMemoryNetwork(2);
        NetworkStack server = stack(network, 2);
        NetworkStack client = stack(network, 1);
        serverLoop = PollLoop.start(server, idle.newStrategy(), "handler-server-poll");
        clientLoop = PollLoop.start(client, idle.newStrategy(), "handler-client-poll");
        serverLoop.call(() -> {
            EchoServer.start(server, ECHO_PORT);
            DiscardServer.startCounting(server, DISCARD_PORT);
            return null;
        });
        driver = new Driver(pattern, client);
        clientLoop.addDutyCycleHook(driver);
    }

    /**
     * A stack on the in-memory switch: 198.18.0.{id}, TCP_NODELAY. Its NIC offers transmit checksum offload for
     * IPv4 and TCP, as every real NIC does (and as kernel loopback, which skips checksums, needs none); frames
     * stay at 1500 bytes (no TSO).
     */
    static NetworkStack stack(InMemoryNetwork network, int id) {
        int offloads = DeviceCapabilities.OFFLOAD_TX_IP_CHECKSUM | DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM;
        return new NetworkStack(StackConfig.builder().name(id == 2 ? "server" : "client").address("198.18.0." + id + "/24")
            .secretSeed(id).tcp(tcp()).build(),
            network.connect(InMemoryNicConfig.builder("nic" + id, MacAddress.local(id)).offloads(offloads).build()));
    }

    /** TCP_NODELAY; room for the connection test's TIME_WAIT connections (the full run's 10000 and more). */
    static TcpConfig tcp() {
        return TcpConfig.builder().noDelay(true).maxConnections(65536).build();
    }

    @Override
    public String name() {
        return "bypass-handler";
    }

    @Override
    public int busyThreads() {
        return 2;
    }

    @Override
    public void pingPong(PingPong pp, int size, int warmup, int count, long rate) throws Exception {
        driver.pingPong = pp;
        driver.size = size;
        driver.warmup = warmup;
        driver.count = count;
        driver.rate = rate;
        run(Driver.PING_PONG, "ping-pong");
    }

    @Override
    public double bulk(int chunk, long bytes) throws Exception {
        driver.chunk = chunk;
        driver.bytes = bytes;
        run(Driver.BULK, "bulk");
        return driver.bulk.seconds();
    }

    @Override
    public double connections(int n) throws Exception {
        driver.count = n;
        run(Driver.CONNECT, "connections");
        return driver.connectSeconds;
    }

    private void run(int mode, String what) throws Exception {
        driver.failure = null;
        driver.done = false;
        driver.mode = mode; // volatile: publishes the job's fields to the poll thread
        E2eSystem.awaitQuietly(() -> driver.done, () -> driver.failure, TIMEOUT_NS, name() + " " + what);
    }

    @Override
    public String diagnostics() {
        return diagnostics(clientLoop) + "; " + diagnostics(serverLoop);
    }

    /** Segments out, retransmitted, frames dropped of the stack {@code loop} drives (asked on its thread). */
    static String diagnostics(PollLoop loop) {
        return loop.call(() -> {
            NetworkStack s = loop.stack();
            return s.config().name() + ": " + s.counters().get(dev.bypass.stack.counters.Counter.TCP_OUT_SEGS)
                + " segments out, " + s.counters().get(dev.bypass.stack.counters.Counter.TCP_RETRANS_SEGS)
                + " retransmitted, " + (s.device().rxDropped() + s.device().txDropped()) + " frames dropped";
        });
    }

    @Override
    public void close() {
        clientLoop.close();
        serverLoop.close();
    }

    /**
     * The client application: runs on the client's poll thread after each duty cycle (and when its
     * connection turns readable), stepping the current job. Allocates only when it opens a connection.
     */
    static final class Driver implements PollLoop.DutyCycleHook, TcpHandler {
        static final int IDLE = 0;
        static final int PING_PONG = 1;
        static final int BULK = 2;
        static final int CONNECT = 3;

        private final NetworkStack stack;
        private final Endpoint echo = Endpoint.parse("198.18.0.2:" + ECHO_PORT);
        private final Endpoint discard = Endpoint.parse("198.18.0.2:" + DISCARD_PORT);
        private final StackIo io;
        private final StackIo bulkIo;
        final Bulk bulk = new Bulk();
        private final UnsafeBuffer one = new UnsafeBuffer(ByteBuffer.allocateDirect(1));
        private TcpConnection echoConnection;

        volatile int mode;
        volatile boolean done;
        volatile Throwable failure;
        PingPong pingPong;
        int size;
        int warmup;
        int count;
        long rate;
        int chunk;
        long bytes;
        double connectSeconds;

        private boolean begun;
        private TcpConnection current;
        private boolean wrote;
        private int connected;
        private long connectStartNs;

        Driver(Pattern pattern, NetworkStack stack) {
            this.stack = stack;
            this.io = new StackIo(pattern);
            this.bulkIo = new StackIo(pattern);
        }

        @Override
        public void onReadable(TcpConnection connection) {
            if (mode == PING_PONG && connection == echoConnection) {
                afterDutyCycle(System.nanoTime(), 1);
            }
        }

        @Override
        public int afterDutyCycle(long nowNs, int work) {
            int m = mode;
            if (m == IDLE) {
                return 0;
            }
            try {
                boolean finished = switch (m) {
                    case PING_PONG -> pingPongStep(nowNs);
                    case BULK -> bulkStep();
                    case CONNECT -> connectStep();
                    default -> throw new IllegalStateException("mode " + m);
                };
                if (finished) {
                    begun = false;
                    mode = IDLE;
                    done = true;
                }
            } catch (Throwable t) {
                begun = false;
                mode = IDLE;
                failure = t;
            }
            return 1;
        }

        private boolean pingPongStep(long nowNs) throws IOException {
            if (echoConnection == null) {
                echoConnection = stack.tcp().connect(echo);
                echoConnection.handler(this);
            }
            if (echoConnection.state() != TcpState.ESTABLISHED) {
                if (echoConnection.state() == TcpState.CLOSED) {
                    throw new IOException("echo connection closed: " + echoConnection.error());
                }
                return false;
            }
            if (!begun) {
                io.connection = echoConnection;
                pingPong.begin(io, size, warmup, count, rate);
                begun = true;
            }
            return pingPong.step(nowNs);
        }

        private boolean bulkStep() throws IOException {
            if (!begun) {
                if (current == null) {
                    current = stack.tcp().connect(discard);
                }
                if (current.state() == TcpState.CLOSED) {
                    throw new IOException("bulk connection closed: " + current.error());
                }
                if (current.state() != TcpState.ESTABLISHED) {
                    return false;
                }
                bulkIo.connection = current;
                bulk.begin(bulkIo, chunk, bytes);
                begun = true;
            }
            for (int i = 0; i < 64; i++) {
                if (bulk.step()) {
                    current.close();
                    current = null;
                    return true;
                }
                if (current.writableBytes() == 0 && current.readableBytes() == 0) {
                    return false; // the send buffer is full: the next poll moves it on
                }
            }
            return false;
        }

        private boolean connectStep() throws IOException {
            if (!begun) {
                begun = true;
                connected = 0;
                connectStartNs = System.nanoTime();
            }
            if (current == null) {
                current = stack.tcp().connect(echo);
                wrote = false;
            }
            TcpState state = current.state();
            if (state == TcpState.CLOSED) {
                throw new IOException("connection " + connected + " closed: " + current.error());
            }
            if (state != TcpState.ESTABLISHED) {
                return false;
            }
            if (!wrote) {
                one.putByte(0, (byte) connected);
                wrote = current.write(one, 0, 1) == 1;
                return false;
            }
            int n = current.read(one, 0, 1);
            if (n < 0) {
                throw new IOException("connection " + connected + ": no echo before the end of stream");
            }
            if (n == 0) {
                return false;
            }
            if (one.getByte(0) != (byte) connected) {
                throw new IOException("connection " + connected + ": echo of " + one.getByte(0));
            }
            current.close();
            current = null;
            connected++;
            if (connected == count) {
                connectSeconds = (System.nanoTime() - connectStartNs) / 1e9;
                return true;
            }
            return false;
        }
    }

    /** A bypass connection as a {@link ClientIo}, used on its poll thread. */
    static final class StackIo implements ClientIo {
        private final Pattern pattern;
        private final ByteBuffer inBuffer = ByteBuffer.allocateDirect(Pattern.MAX_CHUNK);
        private final UnsafeBuffer in = new UnsafeBuffer(inBuffer);
        private final MemorySegment inSegment = MemorySegment.ofBuffer(inBuffer);
        TcpConnection connection;

        StackIo(Pattern pattern) {
            this.pattern = pattern;
        }

        @Override
        public int write(int patternOffset, int length) {
            return connection.write(pattern.unsafe, patternOffset, length);
        }

        @Override
        public int read(int max) {
            return connection.read(in, 0, max);
        }

        @Override
        public MemorySegment received() {
            return inSegment;
        }

        @Override
        public void shutdownOutput() {
            connection.shutdownOutput();
        }
    }
}
