package dev.bypass.query;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.UdpSocket;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.query.ConnectQueryMessage;
import dev.bypass.stack.query.QueryCheck;
import dev.bypass.stack.time.Deadlines;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The client side of the connect query on a bypass stack: asks the service at a public IP which bypass
 * tuples stand for a public tuple, caches the answer for its TTL, chooses one per connection with a
 * {@link TuplePolicy}, and falls back to the public tuple itself when no answer comes in time (or the
 * answer lists none). Runs on the client stack's poll thread: {@link #resolve} there, and {@link #poll}
 * once per duty cycle (from a {@code PollLoop.DutyCycleHook} or a simulation step) for retries and
 * timeouts.
 *
 * <p>Each query carries a fresh random nonce; a reply counts only if it echoes the nonce of a query in
 * flight, comes from the address and port asked, and names the tuple and page asked — anything else is
 * counted and dropped. A tuple list longer than one reply page is read page by page (one query each); if
 * the table version changes between pages the read starts again. Steady state (cache hits, queries of
 * known tuples) allocates nothing.
 */
public final class ConnectQueryClient implements UdpSocket.Handler, AutoCloseable {
    /**
     * Settings: the service's UDP port; how long each query is (padding buys reply room: 512 bytes is 39
     * tuples a page); how long to wait for an answer and how many times to ask; how long to use the public
     * tuple after a query failed before asking again; the longest TTL honoured; and the bounds of the
     * cache, of the queries in flight and of the connections waiting on one tuple.
     */
    public record Config(int servicePort, int queryBytes, long timeoutNs, int attempts, long fallbackHoldNs,
                         long maxTtlNs, int maxTuples, int maxInFlight, int maxWaitingPerTuple) {
        public static final Config DEFAULT = new Config(ConnectQueryMessage.DEFAULT_PORT, 512,
            TimeUnit.MILLISECONDS.toNanos(200), 3, TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(60), 1024, 64,
            256);

        public Config {
            if (servicePort <= 0 || servicePort > 0xFFFF) {
                throw new IllegalArgumentException("service port must be 1..65535, got " + servicePort);
            }
            if (queryBytes < ConnectQueryMessage.MIN_QUERY_LENGTH || queryBytes > ConnectQueryMessage.MAX_PAGE_QUERY_LENGTH) {
                throw new IllegalArgumentException("query length must be " + ConnectQueryMessage.MIN_QUERY_LENGTH + ".."
                    + ConnectQueryMessage.MAX_PAGE_QUERY_LENGTH + " bytes, got " + queryBytes);
            }
            if (timeoutNs <= 0 || attempts <= 0 || fallbackHoldNs < 0 || maxTtlNs <= 0 || maxTuples <= 0
                || maxInFlight <= 0 || maxWaitingPerTuple <= 0) {
                throw new IllegalArgumentException("connect query client: timeout, attempts, max TTL and bounds must be"
                    + " positive, fallback hold >= 0: " + this);
            }
        }

        public Config withServicePort(int port) {
            return new Config(port, queryBytes, timeoutNs, attempts, fallbackHoldNs, maxTtlNs, maxTuples, maxInFlight,
                maxWaitingPerTuple);
        }

        public Config withQueryBytes(int bytes) {
            return new Config(servicePort, bytes, timeoutNs, attempts, fallbackHoldNs, maxTtlNs, maxTuples, maxInFlight,
                maxWaitingPerTuple);
        }

        public Config withTimeout(long newTimeoutNs, int newAttempts) {
            return new Config(servicePort, queryBytes, newTimeoutNs, newAttempts, fallbackHoldNs, maxTtlNs, maxTuples,
                maxInFlight, maxWaitingPerTuple);
        }
    }

    /** Where a resolution came from. */
    public enum Outcome {
        /** A bypass tuple from a cached reply. */
        CACHED,
        /** A bypass tuple from a reply that just came. */
        QUERIED,
        /** The public tuple itself: no reply in time, an error, no valid bypass tuple, or no room to wait. */
        FALLBACK
    }

    /** Told where to connect; on the poll thread. On {@link Outcome#FALLBACK} the tuple is the public one and the resource -1. */
    @FunctionalInterface
    public interface Resolution {
        void onResolved(int publicAddress, int publicPort, int address, int port, int resourceId, Outcome outcome);
    }

    private static final int NEW = 0;
    private static final int QUERYING = 1;
    private static final int READY = 2;
    private static final int HOLD = 3;
    /** Restarts of one paged read (table changed, page out of range) before giving up. */
    private static final int MAX_RESTARTS = 3;

    private final NetworkStack stack;
    private final Config config;
    private final TuplePolicy policy;
    private final QueryCounters counters;
    private final UdpSocket socket;
    private final NonceSource nonces;
    private final Long2ObjectHashMap<Tuple> cache;
    private final Tuple[] inFlight;
    private int inFlightCount;
    private final ConnectQueryMessage message = new ConnectQueryMessage();
    private final UnsafeBuffer rx = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
    private final UnsafeBuffer tx;
    private final int perPage;

    private ConnectQueryClient(NetworkStack stack, Config config, TuplePolicy policy, QueryCounters counters,
                               NonceSource nonces) {
        this.stack = stack;
        this.config = config;
        this.policy = policy;
        this.counters = counters;
        this.nonces = nonces;
        this.cache = new Long2ObjectHashMap<>(Math.max(16, config.maxTuples() * 2), 0.65f);
        this.inFlight = new Tuple[config.maxInFlight()];
        this.tx = new UnsafeBuffer(ByteBuffer.allocateDirect(config.queryBytes()));
        this.perPage = ConnectQueryMessage.entriesPerPage(config.queryBytes());
        this.socket = stack.udp().open(0);
        socket.handler(this);
    }

    /** Opens the client's UDP socket (an ephemeral port) on {@code stack}; call on the stack's poll thread. */
    public static ConnectQueryClient open(NetworkStack stack, Config config, TuplePolicy policy, QueryCounters counters) {
        return new ConnectQueryClient(stack, config, policy, counters, new NonceSource());
    }

    /** With nonces from {@code nonces}: a test that plays a spoofer who knows them. */
    static ConnectQueryClient open(NetworkStack stack, Config config, TuplePolicy policy, QueryCounters counters,
                                   NonceSource nonces) {
        return new ConnectQueryClient(stack, config, policy, counters, nonces);
    }

    public static ConnectQueryClient open(NetworkStack stack, Config config, TuplePolicy policy) {
        return open(stack, config, policy, new QueryCounters(stack.config().name() + " query client"));
    }

    // ------------------------------------------------------------------------------------ resolving

    /** As {@link #resolve(int, int, Transport, int, Resolution)} for a public tuple endpoint. */
    public void resolve(Endpoint publicTuple, Transport transport, int clientPort, Resolution then) {
        resolve(publicTuple.address().v4(), publicTuple.port(), transport, clientPort, then);
    }

    /**
     * Finds where to connect for the public tuple (publicAddress, publicPort, transport): at once from the
     * cache, else after a query (or its timeout). {@code clientPort} is the local port the connection will
     * use if known (0 if not), for {@link TuplePolicy#clientHash}. {@code then} is told exactly once, on this
     * thread, possibly before this method returns.
     */
    public void resolve(int publicAddress, int publicPort, Transport transport, int clientPort, Resolution then) {
        long nowNs = stack.nowNs();
        long key = BypassTupleTable.key(publicAddress, publicPort, transport.ipProtocol());
        Tuple t = cache.get(key);
        if (t == null) {
            t = admit(key, publicAddress, publicPort, transport.ipProtocol(), nowNs);
            if (t == null) {
                fallback(publicAddress, publicPort, then);
                return;
            }
        }
        if (t.state == READY && nowNs - t.expiresAtNs < 0) {
            if (t.count == 0) {
                fallback(publicAddress, publicPort, then);
            } else {
                counters.increment(QueryCounter.CLIENT_CACHE_HITS);
                deliver(t, clientPort, then, Outcome.CACHED);
            }
            return;
        }
        if (t.state == HOLD && nowNs - t.holdUntilNs < 0) {
            fallback(publicAddress, publicPort, then);
            return;
        }
        if (t.state != QUERYING && !startQuery(t, nowNs)) {
            fallback(publicAddress, publicPort, then);
            return;
        }
        if (t.waiting == t.waiters.length) {
            if (t.waiting == config.maxWaitingPerTuple()) {
                fallback(publicAddress, publicPort, then);
                return;
            }
            int n = Math.min(config.maxWaitingPerTuple(), t.waiting * 2);
            t.waiters = Arrays.copyOf(t.waiters, n);
            t.waiterPorts = Arrays.copyOf(t.waiterPorts, n);
        }
        t.waiters[t.waiting] = then;
        t.waiterPorts[t.waiting++] = clientPort;
    }

    /** Forgets what the cache holds for a public tuple (say, a connect to one of its bypass tuples failed). */
    public void invalidate(int publicAddress, int publicPort, Transport transport) {
        Tuple t = cache.get(BypassTupleTable.key(publicAddress, publicPort, transport.ipProtocol()));
        if (t != null && t.state != QUERYING) {
            t.state = NEW;
        }
    }

    /** The valid bypass tuples cached for a public tuple (fresh or not), or null: for tests and diagnostics. */
    public TupleCandidates cached(int publicAddress, int publicPort, Transport transport) {
        Tuple t = cache.get(BypassTupleTable.key(publicAddress, publicPort, transport.ipProtocol()));
        return t == null || t.state != READY ? null : t;
    }

    /** When the cached answer for a public tuple expires, or {@link Deadlines#NONE}: for tests and diagnostics. */
    public long expiresAtNs(int publicAddress, int publicPort, Transport transport) {
        Tuple t = cache.get(BypassTupleTable.key(publicAddress, publicPort, transport.ipProtocol()));
        return t == null || t.state != READY ? Deadlines.NONE : t.expiresAtNs;
    }

    private Tuple admit(long key, int publicAddress, int publicPort, int protocol, long nowNs) {
        if (cache.size() >= config.maxTuples()) {
            // Make room: an expired or held entry first, else the one expiring soonest; never one in flight.
            Tuple victim = null;
            for (Tuple c : cache.values()) {
                if (c.state == QUERYING) {
                    continue;
                }
                if (victim == null || c.expiresAtNs - victim.expiresAtNs < 0) {
                    victim = c;
                }
            }
            if (victim == null) {
                return null;
            }
            cache.remove(victim.key);
        }
        Tuple t = new Tuple(key, publicAddress, publicPort, protocol);
        cache.put(key, t);
        return t;
    }

    private void fallback(int publicAddress, int publicPort, Resolution then) {
        counters.increment(QueryCounter.CLIENT_FALLBACKS);
        then.onResolved(publicAddress, publicPort, publicAddress, publicPort, -1, Outcome.FALLBACK);
    }

    private void deliver(Tuple t, int clientPort, Resolution then, Outcome outcome) {
        int i = policy.choose(t, stack.config().address(), clientPort);
        then.onResolved(t.publicAddress, t.publicPort, t.address[i], t.port[i], t.resourceId[i], outcome);
    }

    // ------------------------------------------------------------------------------------ querying

    private boolean startQuery(Tuple t, long nowNs) {
        if (inFlightCount == inFlight.length) {
            return false;
        }
        inFlight[inFlightCount++] = t;
        t.state = QUERYING;
        t.restarts = 0;
        askPage(t, 0, nowNs);
        return true;
    }

    private void askPage(Tuple t, int page, long nowNs) {
        t.page = page;
        t.nonce = nonces.next();
        t.attemptsLeft = config.attempts() - 1;
        t.deadlineNs = nowNs + config.timeoutNs();
        counters.increment(QueryCounter.CLIENT_QUERIES);
        send(t);
    }

    private void send(Tuple t) {
        message.wrapForWrite(tx, 0);
        int n = message.writeQuery(t.nonce, t.page, t.publicAddress, t.publicPort, t.protocol, stack.config().address(),
            0, config.queryBytes());
        // A send the stack refuses (no buffer) is as good as lost: the timeout asks again.
        socket.send(t.publicAddress, config.servicePort(), tx, 0, n);
    }

    /** Retries and timeouts due at {@code nowNs}; returns the work done. Call once per duty cycle. */
    public int poll(long nowNs) {
        int work = 0;
        for (int i = 0; i < inFlightCount; ) {
            Tuple t = inFlight[i];
            if (nowNs - t.deadlineNs < 0) {
                i++;
                continue;
            }
            work++;
            if (t.attemptsLeft > 0) {
                t.attemptsLeft--;
                t.deadlineNs = nowNs + config.timeoutNs();
                counters.increment(QueryCounter.CLIENT_RETRIES);
                send(t);
                i++;
            } else {
                fail(t, nowNs); // removes inFlight[i]: look at i again
            }
        }
        return work;
    }

    /** The earliest retry or timeout, or {@link Deadlines#NONE}. */
    public long nextDeadlineNs() {
        long next = Deadlines.NONE;
        for (int i = 0; i < inFlightCount; i++) {
            next = Deadlines.earliest(next, inFlight[i].deadlineNs);
        }
        return next;
    }

    private void fail(Tuple t, long nowNs) {
        removeInFlight(t);
        t.state = HOLD;
        t.holdUntilNs = nowNs + config.fallbackHoldNs();
        for (int i = 0; i < t.waiting; i++) {
            Resolution r = t.waiters[i];
            t.waiters[i] = null;
            fallback(t.publicAddress, t.publicPort, r);
        }
        t.waiting = 0;
    }

    private void removeInFlight(Tuple t) {
        for (int i = 0; i < inFlightCount; i++) {
            if (inFlight[i] == t) {
                inFlight[i] = inFlight[--inFlightCount];
                inFlight[inFlightCount] = null;
                return;
            }
        }
    }

    private Tuple inFlight(long nonce) {
        for (int i = 0; i < inFlightCount; i++) {
            if (inFlight[i].nonce == nonce) {
                return inFlight[i];
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------ answers

    @Override
    public void onReadable(UdpSocket s) {
        while (s.readable()) { // not receive() >= 0: see ConnectQueryService.onReadable (the ring's padding)
            int n = s.receive(rx, 0, rx.capacity());
            if (n >= 0) {
                onDatagram(n, s.lastSourceAddress(), s.lastSourcePort(), stack.nowNs());
            }
        }
    }

    private void onDatagram(int length, int sourceAddress, int sourcePort, long nowNs) {
        ConnectQueryMessage m = message.wrap(rx, 0, length);
        if (m.check() != QueryCheck.VALID) {
            counters.increment(QueryCounter.CLIENT_DROP_MALFORMED);
            return;
        }
        if (m.type() == ConnectQueryMessage.TYPE_QUERY) {
            counters.increment(QueryCounter.CLIENT_DROP_NOT_A_REPLY);
            return;
        }
        Tuple t = inFlight(m.nonce());
        if (t == null) {
            counters.increment(QueryCounter.CLIENT_DROP_UNMATCHED);
            return;
        }
        boolean reply = m.type() == ConnectQueryMessage.TYPE_REPLY;
        boolean sameTuple = reply
            ? m.replyPublicAddress() == t.publicAddress && m.replyPublicPort() == t.publicPort
                && m.replyProtocol() == t.protocol
            : m.errorCode() == ConnectQueryMessage.ERROR_UNSUPPORTED_VERSION
                || (m.errorPublicAddress() == t.publicAddress && m.errorPublicPort() == t.publicPort
                    && m.errorProtocol() == t.protocol);
        if (sourceAddress != t.publicAddress || sourcePort != config.servicePort() || !sameTuple || m.page() != t.page) {
            counters.increment(QueryCounter.CLIENT_DROP_WRONG_SOURCE);
            return;
        }
        if (!reply) {
            counters.increment(QueryCounter.CLIENT_ERRORS_RECEIVED);
            if (m.errorCode() == ConnectQueryMessage.ERROR_PAGE_OUT_OF_RANGE) {
                restart(t, nowNs); // the list shrank while we paged
            } else {
                fail(t, nowNs);
            }
            return;
        }
        counters.increment(QueryCounter.CLIENT_REPLIES_ACCEPTED);
        int pages = m.replyPageCount();
        int total = m.replyTotalEntries();
        if (t.page == 0) {
            t.nextVersion = m.replyTableVersion();
            t.nextTotal = total;
            t.nextPages = pages;
            t.nextFilled = 0;
            t.nextTtlMs = m.replyTtlMs();
            t.ensureNextCapacity(total);
        } else if (m.replyTableVersion() != t.nextVersion || total != t.nextTotal || pages != t.nextPages) {
            restart(t, nowNs);
            return;
        }
        int entries = m.replyEntryCount();
        if (t.nextFilled + entries > t.nextTotal) {
            counters.increment(QueryCounter.CLIENT_DROP_MALFORMED); // more entries than the first page announced
            fail(t, nowNs);
            return;
        }
        for (int i = 0; i < entries; i++) {
            if ((m.entryFlags(i) & ConnectQueryMessage.ENTRY_HEALTHY) == 0) {
                continue; // a later version may list tuples that take no new connections
            }
            int k = t.nextFilled++;
            t.nextAddress[k] = m.entryAddress(i);
            t.nextPort[k] = m.entryPort(i);
            t.nextResourceId[k] = m.entryResourceId(i);
            t.nextLoadHint[k] = m.entryLoadHint(i);
        }
        if (t.page + 1 < pages) {
            askPage(t, t.page + 1, nowNs);
            return;
        }
        complete(t, nowNs);
    }

    private void restart(Tuple t, long nowNs) {
        if (++t.restarts > MAX_RESTARTS) {
            fail(t, nowNs);
            return;
        }
        counters.increment(QueryCounter.CLIENT_RESTARTS);
        askPage(t, 0, nowNs);
    }

    private void complete(Tuple t, long nowNs) {
        removeInFlight(t);
        t.swap();
        t.state = READY;
        t.expiresAtNs = nowNs + Math.min(TimeUnit.MILLISECONDS.toNanos(t.nextTtlMs), config.maxTtlNs());
        for (int i = 0; i < t.waiting; i++) {
            Resolution r = t.waiters[i];
            t.waiters[i] = null;
            if (t.count == 0) {
                fallback(t.publicAddress, t.publicPort, r);
            } else {
                counters.increment(QueryCounter.CLIENT_RESOLVED);
                deliver(t, t.waiterPorts[i], r, Outcome.QUERIED);
            }
        }
        t.waiting = 0;
    }

    public QueryCounters counters() {
        return counters;
    }

    /** The client's UDP port (ephemeral). */
    public int port() {
        return socket.port();
    }

    /** Entries one reply page carries at this client's query length. */
    public int entriesPerPage() {
        return perPage;
    }

    @Override
    public void close() {
        socket.close();
    }

    /** What the client knows of one public tuple: the valid tuples, and the read of the next list. */
    private static final class Tuple implements TupleCandidates {
        final long key;
        final int publicAddress;
        final int publicPort;
        final int protocol;
        int state = NEW;
        long expiresAtNs;
        long holdUntilNs;
        // the valid tuples (READY)
        int count;
        int[] address = new int[0];
        int[] port = new int[0];
        int[] resourceId = new int[0];
        int[] loadHint = new int[0];
        // the read in flight (QUERYING)
        int page;
        long nonce;
        long deadlineNs;
        int attemptsLeft;
        int restarts;
        long nextVersion;
        int nextTotal;
        int nextPages;
        int nextFilled;
        long nextTtlMs;
        int[] nextAddress = new int[0];
        int[] nextPort = new int[0];
        int[] nextResourceId = new int[0];
        int[] nextLoadHint = new int[0];
        // connections waiting for the read
        Resolution[] waiters = new Resolution[4];
        int[] waiterPorts = new int[4];
        int waiting;

        Tuple(long key, int publicAddress, int publicPort, int protocol) {
            this.key = key;
            this.publicAddress = publicAddress;
            this.publicPort = publicPort;
            this.protocol = protocol;
        }

        void ensureNextCapacity(int n) {
            if (nextAddress.length < n) {
                nextAddress = new int[n];
                nextPort = new int[n];
                nextResourceId = new int[n];
                nextLoadHint = new int[n];
            }
        }

        /** The read becomes the valid list; the old arrays take the next read (no allocation in steady state). */
        void swap() {
            int[] a = address;
            address = nextAddress;
            nextAddress = a;
            a = port;
            port = nextPort;
            nextPort = a;
            a = resourceId;
            resourceId = nextResourceId;
            nextResourceId = a;
            a = loadHint;
            loadHint = nextLoadHint;
            nextLoadHint = a;
            count = nextFilled;
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
}
