package dev.bypass.query.nio;

import static dev.bypass.stack.query.ConnectQueryMessage.ENTRY_ADDRESS_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.ENTRY_FLAGS_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.ENTRY_HEALTHY;
import static dev.bypass.stack.query.ConnectQueryMessage.ENTRY_LENGTH;
import static dev.bypass.stack.query.ConnectQueryMessage.ENTRY_LOAD_HINT_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.ENTRY_PORT_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.ENTRY_RESOURCE_ID_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.ERROR_CODE_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.ERROR_LENGTH;
import static dev.bypass.stack.query.ConnectQueryMessage.ERROR_PAGE_OUT_OF_RANGE;
import static dev.bypass.stack.query.ConnectQueryMessage.ERROR_PROTOCOL_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.ERROR_PUBLIC_ADDRESS_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.ERROR_PUBLIC_PORT_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.ERROR_UNSUPPORTED_VERSION;
import static dev.bypass.stack.query.ConnectQueryMessage.FLAGS_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.HEADER_LENGTH;
import static dev.bypass.stack.query.ConnectQueryMessage.NONCE_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.PAGE_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.PROTOCOL_TCP;
import static dev.bypass.stack.query.ConnectQueryMessage.PROTOCOL_UDP;
import static dev.bypass.stack.query.ConnectQueryMessage.QUERY_FIXED_LENGTH;
import static dev.bypass.stack.query.ConnectQueryMessage.QUERY_PROTOCOL_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.QUERY_PUBLIC_ADDRESS_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.QUERY_PUBLIC_PORT_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.REPLY_ENTRIES_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.REPLY_ENTRY_COUNT_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.REPLY_PAGE_COUNT_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.REPLY_PROTOCOL_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.REPLY_PUBLIC_ADDRESS_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.REPLY_PUBLIC_PORT_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.REPLY_TABLE_VERSION_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.REPLY_TOTAL_ENTRIES_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.REPLY_TTL_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.TYPE_ERROR;
import static dev.bypass.stack.query.ConnectQueryMessage.TYPE_OFFSET;
import static dev.bypass.stack.query.ConnectQueryMessage.TYPE_QUERY;
import static dev.bypass.stack.query.ConnectQueryMessage.TYPE_REPLY;
import static dev.bypass.stack.query.ConnectQueryMessage.VERSION;
import static dev.bypass.stack.query.ConnectQueryMessage.VERSION_OFFSET;

import dev.bypass.query.BypassTupleTable;
import dev.bypass.query.ConnectQueryClient.Outcome;
import dev.bypass.query.QueryCounter;
import dev.bypass.query.Transport;
import dev.bypass.query.TupleCandidates;
import dev.bypass.query.TuplePolicy;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.query.ConnectQueryMessage;
import dev.bypass.stack.query.QueryCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * The connect query for ordinary JVM clients on kernel networking: asks a bypass host's query service
 * (over a {@link DatagramChannel}) which bypass tuples stand for a public tuple, caches the answer for its
 * TTL, picks one per connection with a {@link TuplePolicy}, and opens a {@link SocketChannel} to it — so
 * plain clients spread their connections across the host's resources as bypass clients do. When no answer
 * comes in time, the answer lists none, or the chosen bypass tuple refuses the connection, it connects to
 * the public tuple itself.
 *
 * <pre>{@code
 * try (NioConnectQuery query = NioConnectQuery.builder().build()) {
 *     SocketChannel channel = query.connect(new InetSocketAddress("198.18.0.11", 80));
 *     ...
 * }
 * }</pre>
 *
 * <p>Same wire protocol and rules as {@link dev.bypass.query.ConnectQueryClient}: a fresh random nonce per
 * query, replies accepted only from the address and port asked, with the nonce, tuple and page asked;
 * paged reads restart when the table version changes. Thread-safe: queries are serialized by one lock (a
 * query costs one round trip per page, at most {@code attempts * timeout} when the service is silent);
 * cache hits only take the lock briefly. IPv4 only.
 *
 * <p>Needs nothing of a bypass process's JVM flags: it reads and writes the protocol through a
 * {@code ByteBuffer} (the layout's constants are {@link ConnectQueryMessage}'s), not through Agrona's
 * buffers, which need {@code jdk.internal.misc} exported.
 */
public final class NioConnectQuery implements AutoCloseable {
    /** What {@link #resolve} found: where to connect, the resource behind it (-1 on fallback), and why. */
    public record Resolution(InetSocketAddress target, int resourceId, Outcome outcome) {
    }

    private static final int MAX_RESTARTS = 3;

    private final int servicePort;
    private final int queryBytes;
    private final long timeoutNs;
    private final int attempts;
    private final long fallbackHoldNs;
    private final long maxTtlNs;
    private final TuplePolicy policy;
    private final LongSupplier clock;
    private final Counters counters = new Counters();
    private final DatagramChannel channel;
    private final Selector selector;
    private final ByteBuffer tx;
    private final ByteBuffer rx = ByteBuffer.allocateDirect(2048); // big-endian, as the protocol
    private final SecureRandom random = new SecureRandom();
    private final Map<Long, Cached> cache = new HashMap<>();

    private NioConnectQuery(Builder b) throws IOException {
        this.servicePort = b.servicePort;
        this.queryBytes = b.queryBytes;
        this.timeoutNs = b.timeout.toNanos();
        this.attempts = b.attempts;
        this.fallbackHoldNs = b.fallbackHold.toNanos();
        this.maxTtlNs = b.maxTtl.toNanos();
        this.policy = b.policy;
        this.clock = b.clock;
        this.tx = ByteBuffer.allocateDirect(queryBytes);
        this.channel = DatagramChannel.open();
        try {
            channel.bind(null);
            channel.configureBlocking(false);
            this.selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings, with the same defaults as {@link dev.bypass.query.ConnectQueryClient.Config#DEFAULT}. */
    public static final class Builder {
        private int servicePort = ConnectQueryMessage.DEFAULT_PORT;
        private int queryBytes = 512;
        private Duration timeout = Duration.ofMillis(200);
        private int attempts = 3;
        private Duration fallbackHold = Duration.ofSeconds(1);
        private Duration maxTtl = Duration.ofSeconds(60);
        private TuplePolicy policy = TuplePolicy.roundRobin();
        private LongSupplier clock = System::nanoTime;

        public Builder servicePort(int port) {
            if (port <= 0 || port > 0xFFFF) {
                throw new IllegalArgumentException("service port must be 1..65535, got " + port);
            }
            this.servicePort = port;
            return this;
        }

        /** Length of each query: 64..1200 bytes; the reply page is never longer (512: 39 tuples a page). */
        public Builder queryBytes(int bytes) {
            if (bytes < ConnectQueryMessage.MIN_QUERY_LENGTH || bytes > ConnectQueryMessage.MAX_PAGE_QUERY_LENGTH) {
                throw new IllegalArgumentException("query length must be " + ConnectQueryMessage.MIN_QUERY_LENGTH + ".."
                    + ConnectQueryMessage.MAX_PAGE_QUERY_LENGTH + " bytes, got " + bytes);
            }
            this.queryBytes = bytes;
            return this;
        }

        /** How long to wait for each reply, and how many times to send a query before using the public tuple. */
        public Builder timeout(Duration perAttempt, int attempts) {
            if (perAttempt.isNegative() || perAttempt.isZero() || attempts <= 0) {
                throw new IllegalArgumentException("timeout and attempts must be positive: " + perAttempt + ", " + attempts);
            }
            this.timeout = perAttempt;
            this.attempts = attempts;
            return this;
        }

        /** How long the public tuple is used, without asking, after a query failed. */
        public Builder fallbackHold(Duration hold) {
            this.fallbackHold = hold;
            return this;
        }

        /** The longest TTL honoured, whatever the service says. */
        public Builder maxTtl(Duration ttl) {
            this.maxTtl = ttl;
            return this;
        }

        public Builder policy(TuplePolicy p) {
            this.policy = p;
            return this;
        }

        /** The clock TTLs are measured on, in nanoseconds (tests); {@link System#nanoTime} by default. */
        public Builder clock(LongSupplier nanoTime) {
            this.clock = nanoTime;
            return this;
        }

        public NioConnectQuery build() throws IOException {
            return new NioConnectQuery(this);
        }
    }

    // ------------------------------------------------------------------------------------ connecting

    /**
     * Opens a TCP connection for the public tuple: to a bypass tuple chosen by the policy (hashing the
     * local port this channel is bound to), or to the public tuple when the query fails or the bypass tuple
     * refuses (then the cached answer is dropped, so the next connection asks again).
     */
    public SocketChannel connect(InetSocketAddress publicTuple) throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.bind(null);
            int localPort = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            Resolution r = resolve(publicTuple, Transport.TCP, localPort);
            try {
                ch.connect(r.target());
                return ch;
            } catch (IOException e) {
                if (r.outcome() == Outcome.FALLBACK) {
                    throw e;
                }
                invalidate(publicTuple, Transport.TCP);
                ch.close();
                ch = SocketChannel.open();
                synchronized (this) {
                    counters.increment(QueryCounter.CLIENT_FALLBACKS);
                }
                ch.connect(publicTuple);
                return ch;
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Where to connect for a public tuple, from the cache or a query; {@code clientPort} feeds the client-hash policy. */
    public Resolution resolve(InetSocketAddress publicTuple, Transport transport, int clientPort) throws IOException {
        int address = v4(publicTuple);
        int port = publicTuple.getPort();
        Cached c;
        synchronized (this) {
            long now = clock.getAsLong();
            long key = key(address, port, transport);
            c = cache.get(key);
            boolean fresh = c != null && now - c.untilNs < 0;
            if (!fresh) {
                c = query(address, port, transport, now);
                cache.put(key, c);
            } else if (c.count > 0) {
                counters.increment(QueryCounter.CLIENT_CACHE_HITS);
            }
            if (c.count == 0) {
                counters.increment(QueryCounter.CLIENT_FALLBACKS);
                return new Resolution(publicTuple, -1, Outcome.FALLBACK);
            }
            int i = policy.choose(c, 0, clientPort);
            Outcome outcome = fresh ? Outcome.CACHED : Outcome.QUERIED;
            if (!fresh) {
                counters.increment(QueryCounter.CLIENT_RESOLVED);
            }
            return new Resolution(new InetSocketAddress(toInet(c.address[i]), c.port[i]), c.resourceId[i], outcome);
        }
    }

    /** Forgets the cached answer for a public tuple. */
    public synchronized void invalidate(InetSocketAddress publicTuple, Transport transport) {
        cache.remove(key(v4(publicTuple), publicTuple.getPort(), transport));
    }

    /**
     * Asks the service now, bypassing the cache, and returns the valid bypass tuples listed (empty if none,
     * or if no reply came): for diagnostics and tests.
     */
    public synchronized List<BypassTupleTable.Entry> query(InetSocketAddress publicTuple, Transport transport)
        throws IOException {
        Cached c = query(v4(publicTuple), publicTuple.getPort(), transport, clock.getAsLong());
        List<BypassTupleTable.Entry> list = new ArrayList<>();
        for (int i = 0; i < c.count; i++) {
            list.add(new BypassTupleTable.Entry(new Endpoint(dev.bypass.stack.addr.IpAddress.ofV4(c.address[i]), c.port[i]),
                c.resourceId[i], c.loadHint[i], true));
        }
        return list;
    }

    /** The client's {@code query_client.*} counters; any thread may read them. */
    public Counters counters() {
        return counters;
    }

    /** {@link QueryCounter} values of this client, in plain atomics (no Agrona: see the class comment). */
    public static final class Counters {
        private final AtomicLongArray values = new AtomicLongArray(QueryCounter.values().length);

        void increment(QueryCounter c) {
            values.incrementAndGet(c.ordinal());
        }

        public long get(QueryCounter c) {
            return values.get(c.ordinal());
        }

        /** Non-zero counters as "label value" lines. */
        public String dumpNonZero() {
            StringBuilder sb = new StringBuilder();
            for (QueryCounter c : QueryCounter.values()) {
                if (get(c) != 0) {
                    sb.append(c.label()).append(' ').append(get(c)).append('\n');
                }
            }
            return sb.toString();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }

    // ------------------------------------------------------------------------------------ the exchange

    /** A full (paged) read; a failed one is an empty answer held for the fallback hold. */
    private Cached query(int address, int port, Transport transport, long now) throws IOException {
        InetSocketAddress service = new InetSocketAddress(toInet(address), servicePort);
        int restarts = 0;
        int page = 0;
        Cached next = null;
        int filled = 0;
        while (true) {
            long nonce = random.nextLong();
            int n = writeQuery(tx, nonce, page, address, port, transport.ipProtocol(), queryBytes);
            boolean answered = false;
            for (int attempt = 0; attempt < attempts && !answered; attempt++) {
                counters.increment(attempt == 0 ? QueryCounter.CLIENT_QUERIES : QueryCounter.CLIENT_RETRIES);
                tx.clear().limit(n);
                channel.send(tx, service);
                answered = awaitReply(nonce, page, address, port, transport, service);
            }
            if (!answered) {
                return failed(now);
            }
            if (u8(rx, TYPE_OFFSET) == TYPE_ERROR) {
                counters.increment(QueryCounter.CLIENT_ERRORS_RECEIVED);
                if (u16(rx, ERROR_CODE_OFFSET) == ERROR_PAGE_OUT_OF_RANGE && ++restarts <= MAX_RESTARTS) {
                    counters.increment(QueryCounter.CLIENT_RESTARTS);
                    page = 0;
                    continue;
                }
                return failed(now);
            }
            counters.increment(QueryCounter.CLIENT_REPLIES_ACCEPTED);
            long version = rx.getLong(REPLY_TABLE_VERSION_OFFSET);
            int total = u16(rx, REPLY_TOTAL_ENTRIES_OFFSET);
            int pages = u16(rx, REPLY_PAGE_COUNT_OFFSET);
            int entries = u16(rx, REPLY_ENTRY_COUNT_OFFSET);
            if (page == 0) {
                long ttlMs = rx.getInt(REPLY_TTL_OFFSET) & 0xFFFF_FFFFL;
                next = new Cached(version, total, pages, now + Math.min(TimeUnit.MILLISECONDS.toNanos(ttlMs), maxTtlNs));
                filled = 0;
            } else if (version != next.version || total != next.address.length || pages != next.pages) {
                if (++restarts > MAX_RESTARTS) {
                    return failed(now);
                }
                counters.increment(QueryCounter.CLIENT_RESTARTS);
                page = 0;
                continue;
            }
            if (filled + entries > next.address.length) {
                counters.increment(QueryCounter.CLIENT_DROP_MALFORMED);
                return failed(now);
            }
            for (int i = 0; i < entries; i++) {
                int at = REPLY_ENTRIES_OFFSET + i * ENTRY_LENGTH;
                if ((u8(rx, at + ENTRY_FLAGS_OFFSET) & ENTRY_HEALTHY) != 0) {
                    next.address[filled] = rx.getInt(at + ENTRY_ADDRESS_OFFSET);
                    next.port[filled] = u16(rx, at + ENTRY_PORT_OFFSET);
                    next.resourceId[filled] = u16(rx, at + ENTRY_RESOURCE_ID_OFFSET);
                    next.loadHint[filled++] = u16(rx, at + ENTRY_LOAD_HINT_OFFSET);
                }
            }
            if (++page == next.pages) {
                next.count = filled;
                return next;
            }
        }
    }

    private Cached failed(long now) {
        Cached c = new Cached(0, 0, 1, now + fallbackHoldNs);
        c.count = 0;
        return c;
    }

    /** Waits up to one timeout for the matching reply or error; leaves it in {@link #rx}. */
    private boolean awaitReply(long nonce, int page, int address, int port, Transport transport,
                               InetSocketAddress service) throws IOException {
        long deadline = System.nanoTime() + timeoutNs;
        while (true) {
            rx.clear();
            SocketAddress from = channel.receive(rx);
            if (from == null) {
                long leftNs = deadline - System.nanoTime();
                if (leftNs <= 0) {
                    return false;
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(leftNs)));
                selector.selectedKeys().clear();
                continue;
            }
            rx.flip();
            if (check(rx) != QueryCheck.VALID) {
                counters.increment(QueryCounter.CLIENT_DROP_MALFORMED);
                continue;
            }
            int type = u8(rx, TYPE_OFFSET);
            if (type == TYPE_QUERY) {
                counters.increment(QueryCounter.CLIENT_DROP_NOT_A_REPLY);
                continue;
            }
            if (rx.getLong(NONCE_OFFSET) != nonce) {
                counters.increment(QueryCounter.CLIENT_DROP_UNMATCHED);
                continue;
            }
            boolean reply = type == TYPE_REPLY;
            boolean sameTuple = reply
                ? rx.getInt(REPLY_PUBLIC_ADDRESS_OFFSET) == address && u16(rx, REPLY_PUBLIC_PORT_OFFSET) == port
                    && u8(rx, REPLY_PROTOCOL_OFFSET) == transport.ipProtocol()
                : u16(rx, ERROR_CODE_OFFSET) == ERROR_UNSUPPORTED_VERSION
                    || (rx.getInt(ERROR_PUBLIC_ADDRESS_OFFSET) == address && u16(rx, ERROR_PUBLIC_PORT_OFFSET) == port
                        && u8(rx, ERROR_PROTOCOL_OFFSET) == transport.ipProtocol());
            if (!service.equals(from) || !sameTuple || u16(rx, PAGE_OFFSET) != page) {
                counters.increment(QueryCounter.CLIENT_DROP_WRONG_SOURCE);
                continue;
            }
            return true;
        }
    }

    // ------------------------------------------------------------------------------------ the codec over a ByteBuffer

    /*
     * ConnectQueryMessage's layout, read and written through a ByteBuffer: the offsets and codes are its
     * compile-time constants, and check() follows ConnectQueryMessage.check rule for rule (the tests run both
     * against the same service). Agrona's buffers need jdk.internal.misc exported to the class path; a plain
     * JVM client should not, so this side of the protocol goes without them.
     */

    /** Writes a query of {@code length} bytes at the start of {@code b}; returns the length. */
    static int writeQuery(ByteBuffer b, long nonce, int page, int address, int port, int protocol, int length) {
        b.clear();
        b.put(0, (byte) 'B').put(1, (byte) 'P').put(2, (byte) 'Q').put(VERSION_OFFSET, (byte) VERSION)
            .put(TYPE_OFFSET, (byte) TYPE_QUERY).put(FLAGS_OFFSET, (byte) 0).putShort(PAGE_OFFSET, (short) page)
            .putLong(NONCE_OFFSET, nonce).putInt(QUERY_PUBLIC_ADDRESS_OFFSET, address)
            .putShort(QUERY_PUBLIC_PORT_OFFSET, (short) port).put(QUERY_PROTOCOL_OFFSET, (byte) protocol);
        for (int i = QUERY_PROTOCOL_OFFSET + 1; i < length; i++) {
            b.put(i, (byte) 0); // reserved, client tuple unknown (0), padding
        }
        return length;
    }

    /** {@link ConnectQueryMessage#check} over the datagram in {@code b} (position 0, limit its length). */
    static QueryCheck check(ByteBuffer b) {
        int length = b.limit();
        if (length < HEADER_LENGTH) {
            return QueryCheck.TRUNCATED;
        }
        if (u8(b, 0) != 'B' || u8(b, 1) != 'P' || u8(b, 2) != 'Q') {
            return QueryCheck.BAD_MAGIC;
        }
        if (u8(b, VERSION_OFFSET) != VERSION) {
            return QueryCheck.UNSUPPORTED_VERSION;
        }
        switch (u8(b, TYPE_OFFSET)) {
            case TYPE_QUERY -> {
                if (length < QUERY_FIXED_LENGTH) {
                    return QueryCheck.TRUNCATED;
                }
                return knownProtocol(u8(b, QUERY_PROTOCOL_OFFSET)) ? QueryCheck.VALID : QueryCheck.BAD_PROTOCOL;
            }
            case TYPE_REPLY -> {
                if (length < REPLY_ENTRIES_OFFSET) {
                    return QueryCheck.TRUNCATED;
                }
                int entries = u16(b, REPLY_ENTRY_COUNT_OFFSET);
                int pages = u16(b, REPLY_PAGE_COUNT_OFFSET);
                if (REPLY_ENTRIES_OFFSET + entries * ENTRY_LENGTH > length || pages == 0 || u16(b, PAGE_OFFSET) >= pages
                    || entries > u16(b, REPLY_TOTAL_ENTRIES_OFFSET)) {
                    return QueryCheck.BAD_LENGTH;
                }
                return knownProtocol(u8(b, REPLY_PROTOCOL_OFFSET)) ? QueryCheck.VALID : QueryCheck.BAD_PROTOCOL;
            }
            case TYPE_ERROR -> {
                return length < ERROR_LENGTH ? QueryCheck.TRUNCATED : QueryCheck.VALID;
            }
            default -> {
                return QueryCheck.UNKNOWN_TYPE;
            }
        }
    }

    private static boolean knownProtocol(int protocol) {
        return protocol == PROTOCOL_TCP || protocol == PROTOCOL_UDP;
    }

    private static int u8(ByteBuffer b, int at) {
        return b.get(at) & 0xFF;
    }

    private static int u16(ByteBuffer b, int at) {
        return b.getShort(at) & 0xFFFF;
    }

    // ------------------------------------------------------------------------------------ helpers

    private static long key(int address, int port, Transport transport) {
        return ((address & 0xFFFF_FFFFL) << 32) | ((long) port << 8) | transport.ipProtocol();
    }

    private static int v4(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        if (!(ip instanceof Inet4Address)) {
            throw new IllegalArgumentException("connect query: IPv4 public tuples only, got " + a);
        }
        byte[] b = ip.getAddress();
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    private static InetAddress toInet(int address) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (address >>> 24), (byte) (address >>> 16),
                (byte) (address >>> 8), (byte) address});
        } catch (IOException e) {
            throw new UncheckedIOException(e); // four bytes are always an address
        }
    }

    /** One answer: the valid tuples and until when they hold. */
    private static final class Cached implements TupleCandidates {
        final long version;
        final int pages;
        final long untilNs;
        final int[] address;
        final int[] port;
        final int[] resourceId;
        final int[] loadHint;
        int count;

        Cached(long version, int total, int pages, long untilNs) {
            this.version = version;
            this.pages = pages;
            this.untilNs = untilNs;
            address = new int[total];
            port = new int[total];
            resourceId = new int[total];
            loadHint = new int[total];
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public int address(int i) {
            return address[i];
        }

        @Override
        public int port(int i) {
            return port[i];
        }

        @Override
        public int resourceId(int i) {
            return resourceId[i];
        }

        @Override
        public int loadHint(int i) {
            return loadHint[i];
        }
    }

    // ------------------------------------------------------------------------------------ command line

    /**
     * {@code java dev.bypass.query.nio.NioConnectQuery PUBLIC_IP:PORT CONNECTIONS [SERVICE_PORT]}: opens that
     * many connections through the query, writes 16 bytes on each and reads them back (an echo server behind
     * the tuples), and prints one summary line: {@code connections N echoed N per-port {port=count,...}
     * outcomes {...}}. For the kernel interop test and by hand.
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: NioConnectQuery PUBLIC_IP:PORT CONNECTIONS [SERVICE_PORT]");
            System.exit(2);
        }
        Endpoint e = Endpoint.parse(args[0]);
        InetSocketAddress publicTuple = new InetSocketAddress(e.address().toString(), e.port());
        int n = Integer.parseInt(args[1]);
        Builder b = builder();
        if (args.length > 2) {
            b.servicePort(Integer.parseInt(args[2]));
        }
        Map<Integer, Integer> perPort = new TreeMap<>();
        int echoed = 0;
        try (NioConnectQuery query = b.build()) {
            List<SocketChannel> open = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SocketChannel ch = query.connect(publicTuple);
                open.add(ch);
                perPort.merge(((InetSocketAddress) ch.getRemoteAddress()).getPort(), 1, Integer::sum);
                ByteBuffer out = ByteBuffer.allocate(16);
                out.putLong(i).putLong(~i).flip();
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                ByteBuffer in = ByteBuffer.allocate(16);
                while (in.hasRemaining() && ch.read(in) >= 0) {
                    // blocking read until the echo is back
                }
                in.flip();
                if (in.remaining() == 16 && in.getLong() == i && in.getLong() == ~i) {
                    echoed++;
                }
            }
            for (SocketChannel ch : open) {
                ch.close();
            }
            System.out.println("connections " + n + " echoed " + echoed + " per-port " + perPort + " counters "
                + query.counters().dumpNonZero().replace('\n', ';'));
        }
    }
}
