package dev.bypass.query;

import static dev.bypass.stack.query.ConnectQueryMessage.ENTRY_HEALTHY;
import static dev.bypass.stack.query.ConnectQueryMessage.ERROR_LENGTH;
import static dev.bypass.stack.query.ConnectQueryMessage.MIN_QUERY_LENGTH;
import static dev.bypass.stack.query.ConnectQueryMessage.TYPE_QUERY;

import dev.bypass.stack.query.ConnectQueryMessage;
import java.util.function.Supplier;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The service's decision for one received datagram, apart from any socket: check it, rate-limit its
 * source, and write the reply page or error (or nothing) into a buffer. {@link ConnectQueryService} runs
 * it on a stack's poll thread; a test or a kernel-socket responder can run it on anything. One thread;
 * no allocation.
 *
 * <p>Rules (README, "The connect query protocol"): malformed datagrams, and replies or errors sent to
 * the service, are counted and dropped; an unknown version gets UNSUPPORTED_VERSION if the datagram is
 * at least as long as the error; every answer costs its source a token, and is never longer than the
 * query that asked.
 */
public final class ConnectQueryResponder {
    private final Supplier<BypassTupleTable> tables;
    private final long ttlMs;
    private final SourceRateLimiter limiter;
    private final QueryCounters counters;
    private final ConnectQueryMessage in = new ConnectQueryMessage();
    private final ConnectQueryMessage out = new ConnectQueryMessage();
    private long evictionsSeen;

    public ConnectQueryResponder(Supplier<BypassTupleTable> tables, long ttlMs, SourceRateLimiter limiter,
                                 QueryCounters counters) {
        if (ttlMs <= 0 || ttlMs > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("TTL must be 1 .. 2^32-1 ms, got " + ttlMs);
        }
        this.tables = tables;
        this.ttlMs = ttlMs;
        this.limiter = limiter;
        this.counters = counters;
    }

    /**
     * Answers the {@code length}-byte datagram at {@code offset} of {@code query} from {@code sourceAddress}:{@code sourcePort}
     * at {@code nowNs}: returns the length of the answer written at {@code replyOffset} of {@code reply}
     * (which needs room for the query's length), or 0 if none is due (counted why).
     */
    public int answer(DirectBuffer query, int offset, int length, int sourceAddress, int sourcePort, long nowNs,
                      MutableDirectBuffer reply, int replyOffset) {
        counters.increment(QueryCounter.QUERIES);
        if (sourcePort == 0) {
            return drop(QueryCounter.DROP_NO_SOURCE_PORT); // RFC 768: port 0 means "no reply expected"
        }
        in.wrap(query, offset, length);
        switch (in.check()) {
            case TRUNCATED -> {
                return drop(QueryCounter.DROP_TRUNCATED);
            }
            case BAD_MAGIC -> {
                return drop(QueryCounter.DROP_BAD_MAGIC);
            }
            case UNKNOWN_TYPE -> {
                return drop(QueryCounter.DROP_UNKNOWN_TYPE);
            }
            case BAD_LENGTH -> {
                return drop(QueryCounter.DROP_NOT_A_QUERY); // only replies can have bad lengths
            }
            case UNSUPPORTED_VERSION -> {
                // The first 16 bytes (magic .. nonce) keep their layout in every version: echo the nonce.
                if (length < ERROR_LENGTH) {
                    return drop(QueryCounter.DROP_VERSION_TOO_SHORT);
                }
                return error(sourceAddress, nowNs, reply, replyOffset, ConnectQueryMessage.ERROR_UNSUPPORTED_VERSION, 0,
                    0, 0, 0, QueryCounter.ERROR_UNSUPPORTED_VERSION);
            }
            case BAD_PROTOCOL -> {
                if (in.type() != TYPE_QUERY) {
                    return drop(QueryCounter.DROP_NOT_A_QUERY);
                }
                return error(sourceAddress, nowNs, reply, replyOffset, ConnectQueryMessage.ERROR_UNSUPPORTED_PROTOCOL,
                    0, in.queryPublicAddress(), in.queryPublicPort(), in.queryProtocol(),
                    QueryCounter.ERROR_UNSUPPORTED_PROTOCOL);
            }
            case VALID -> {
                if (in.type() != TYPE_QUERY) {
                    return drop(QueryCounter.DROP_NOT_A_QUERY);
                }
            }
        }
        int publicAddress = in.queryPublicAddress();
        int publicPort = in.queryPublicPort();
        int protocol = in.queryProtocol();
        if (length < MIN_QUERY_LENGTH) {
            return error(sourceAddress, nowNs, reply, replyOffset, ConnectQueryMessage.ERROR_QUERY_TOO_SHORT,
                MIN_QUERY_LENGTH, publicAddress, publicPort, protocol, QueryCounter.ERROR_QUERY_TOO_SHORT);
        }
        BypassTupleTable table = tables.get();
        if (table == null) {
            table = BypassTupleTable.EMPTY; // nothing published yet: every public tuple has no bypass tuple
        }
        BypassTupleTable.ValidTuples tuples = table.valid(publicAddress, publicPort, protocol);
        int total = tuples == null ? 0 : tuples.count();
        int perPage = ConnectQueryMessage.entriesPerPage(length);
        int pages = ConnectQueryMessage.pageCount(total, perPage);
        int page = in.page();
        if (page >= pages) {
            return error(sourceAddress, nowNs, reply, replyOffset, ConnectQueryMessage.ERROR_PAGE_OUT_OF_RANGE, pages,
                publicAddress, publicPort, protocol, QueryCounter.ERROR_PAGE_OUT_OF_RANGE);
        }
        if (!admit(sourceAddress, nowNs)) {
            return 0;
        }
        int first = page * perPage;
        int count = Math.min(perPage, total - first);
        out.wrapForWrite(reply, replyOffset);
        int n = out.writeReply(in.nonce(), page, table.version(), ttlMs, total, pages, count, publicAddress, publicPort,
            protocol);
        for (int i = 0; i < count; i++) {
            int t = first + i;
            out.writeEntry(i, tuples.address(t), tuples.port(t), tuples.resourceId(t), tuples.loadHint(t), ENTRY_HEALTHY);
        }
        counters.increment(QueryCounter.REPLIES);
        return n;
    }

    private int error(int sourceAddress, long nowNs, MutableDirectBuffer reply, int replyOffset, int code, long detail,
                      int publicAddress, int publicPort, int protocol, QueryCounter why) {
        if (!admit(sourceAddress, nowNs)) {
            return 0;
        }
        out.wrapForWrite(reply, replyOffset);
        int n = out.writeError(in.nonce(), in.page(), code, detail, publicAddress, publicPort, protocol);
        counters.increment(why);
        counters.increment(QueryCounter.ERRORS);
        return n;
    }

    private boolean admit(int sourceAddress, long nowNs) {
        boolean ok = limiter.tryAcquire(sourceAddress, nowNs);
        long evictions = limiter.evictions();
        while (evictionsSeen < evictions) {
            evictionsSeen++;
            counters.increment(QueryCounter.RATE_LIMIT_EVICTIONS);
        }
        if (!ok) {
            counters.increment(QueryCounter.DROP_RATE_LIMITED);
        }
        return ok;
    }

    private int drop(QueryCounter why) {
        counters.increment(why);
        return 0;
    }

    /** The counters this responder keeps. */
    public QueryCounters counters() {
        return counters;
    }
}
