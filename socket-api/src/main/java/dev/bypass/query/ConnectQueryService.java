package dev.bypass.query;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.UdpSocket;
import dev.bypass.stack.query.ConnectQueryMessage;
import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The connect query service: a UDP socket on a stack (the resource that answers for the public IP),
 * answering each query from the {@link BypassTupleTable} its supplier returns at that moment. The control
 * path swaps tables (an {@code AtomicReference::get} as the supplier); the poll thread never locks and, in
 * steady state, never allocates. Runs on the stack's poll thread: {@link #start} there too.
 */
public final class ConnectQueryService implements UdpSocket.Handler, AutoCloseable {
    /**
     * Settings: the UDP port, the TTL replies carry, and the per-source rate limit (answers per second
     * after a burst, and how many sources the limiter remembers).
     */
    public record Config(int port, long ttlMs, int ratePerSecond, int burst, int rateLimitSources) {
        public static final Config DEFAULT = new Config(ConnectQueryMessage.DEFAULT_PORT, 2_000, 100, 20, 4096);

        public Config {
            if (port <= 0 || port > 0xFFFF) {
                throw new IllegalArgumentException("connect query port must be 1..65535, got " + port);
            }
        }

        public Config withPort(int newPort) {
            return new Config(newPort, ttlMs, ratePerSecond, burst, rateLimitSources);
        }

        public Config withTtlMs(long newTtlMs) {
            return new Config(port, newTtlMs, ratePerSecond, burst, rateLimitSources);
        }

        public Config withRateLimit(int newRatePerSecond, int newBurst) {
            return new Config(port, ttlMs, newRatePerSecond, newBurst, rateLimitSources);
        }
    }

    /** Reads at most this much of a datagram: queries past 1200 bytes buy nothing (and a reply is never longer). */
    private static final int RECEIVE_BYTES = 2048;

    private final NetworkStack stack;
    private final UdpSocket socket;
    private final ConnectQueryResponder responder;
    private final QueryCounters counters;
    private final UnsafeBuffer rx = new UnsafeBuffer(ByteBuffer.allocateDirect(RECEIVE_BYTES));
    private final UnsafeBuffer tx = new UnsafeBuffer(ByteBuffer.allocateDirect(RECEIVE_BYTES));

    private ConnectQueryService(NetworkStack stack, Config config, Supplier<BypassTupleTable> tables,
                                QueryCounters counters) {
        this.stack = stack;
        this.counters = counters;
        this.responder = new ConnectQueryResponder(tables, config.ttlMs(),
            new SourceRateLimiter(config.rateLimitSources(), config.ratePerSecond(), config.burst()), counters);
        this.socket = stack.udp().open(config.port());
        socket.handler(this);
    }

    /** Opens the service's UDP port on {@code stack}; call on the stack's poll thread. */
    public static ConnectQueryService start(NetworkStack stack, Config config, Supplier<BypassTupleTable> tables,
                                            QueryCounters counters) {
        return new ConnectQueryService(stack, config, tables, counters);
    }

    /** As {@link #start(NetworkStack, Config, Supplier, QueryCounters)} with counters of its own. */
    public static ConnectQueryService start(NetworkStack stack, Config config, Supplier<BypassTupleTable> tables) {
        return start(stack, config, tables, new QueryCounters(stack.config().name() + " query"));
    }

    @Override
    public void onReadable(UdpSocket s) {
        int n;
        while ((n = s.receive(rx, 0, RECEIVE_BYTES)) >= 0) {
            int answer = responder.answer(rx, 0, n, s.lastSourceAddress(), s.lastSourcePort(), stack.nowNs(), tx, 0);
            // From the address the query was sent to: the public IP, which may be the public resource's second
            // address; a client takes a reply only from where it asked.
            if (answer > 0 && !s.reply(tx, 0, answer)) {
                counters.increment(QueryCounter.SEND_FAILED);
            }
        }
    }

    public QueryCounters counters() {
        return counters;
    }

    public int port() {
        return socket.port();
    }

    @Override
    public void close() {
        socket.close();
    }
}
