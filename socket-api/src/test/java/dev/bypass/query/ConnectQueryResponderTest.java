package dev.bypass.query;

import static dev.bypass.stack.query.ConnectQueryMessage.PROTOCOL_TCP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.query.BypassTupleTable.Entry;
import dev.bypass.query.BypassTupleTable.PublicTuple;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.query.ConnectQueryMessage;
import dev.bypass.stack.query.QueryCheck;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ConnectQueryResponderTest {
    static final int PUBLIC = IpAddress.parse("198.18.0.10").v4();
    static final int CLIENT = IpAddress.parse("198.18.1.2").v4();
    static final PublicTuple WEB = PublicTuple.tcp("198.18.0.10:80");

    private final AtomicReference<BypassTupleTable> table = new AtomicReference<>(fourTuples(1));
    private final QueryCounters counters = new QueryCounters("test");
    private final ConnectQueryResponder responder = new ConnectQueryResponder(table::get, 2000,
        new SourceRateLimiter(4096, 1_000_000, 1_000_000), counters);
    private final UnsafeBuffer query = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
    private final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
    private final ConnectQueryMessage m = new ConnectQueryMessage();
    private long now = 1_000_000_000L;

    /** The table the host branch would build for 4 resources 198.18.0.11..14 serving port 80. */
    static BypassTupleTable fourTuples(long version) {
        BypassTupleTable.Builder b = BypassTupleTable.builder(version);
        for (int k = 0; k < 4; k++) {
            b.add(WEB, Entry.of("198.18.0." + (11 + k) + ":80", k, 1000 * k, true));
        }
        return b.build();
    }

    static BypassTupleTable manyTuples(long version, int n) {
        return manyTuplesFor(WEB, version, n);
    }

    /** {@code n} tuples 198.19.0.k:1000+k of resource k % 8, load hint k. */
    static BypassTupleTable manyTuplesFor(PublicTuple publicTuple, long version, int n) {
        BypassTupleTable.Builder b = BypassTupleTable.builder(version);
        for (int k = 0; k < n; k++) {
            b.add(publicTuple, new Entry(new dev.bypass.stack.addr.Endpoint(IpAddress.ofV4(0xC6_13_00_00 + k), 1000 + k), k % 8,
                k, true));
        }
        return b.build();
    }

    private int ask(int page, int length, long nonce) {
        m.wrapForWrite(query, 0).writeQuery(nonce, page, PUBLIC, 80, PROTOCOL_TCP, CLIENT, 40000, length);
        return responder.answer(query, 0, length, CLIENT, 40000, now, reply, 0);
    }

    private ConnectQueryMessage replied(int n) {
        assertTrue(n > 0, () -> "no answer; counters:\n" + counters.dumpNonZero());
        assertEquals(QueryCheck.VALID, m.wrap(reply, 0, n).check());
        return m;
    }

    private long c(QueryCounter counter) {
        return counters.get(counter);
    }

    @Test
    void answers_the_four_healthy_tuples_echoing_nonce_and_tuple() {
        ConnectQueryMessage r = replied(ask(0, 512, 42));
        assertEquals(ConnectQueryMessage.TYPE_REPLY, r.type());
        assertEquals(42, r.nonce());
        assertEquals(1, r.replyTableVersion());
        assertEquals(2000, r.replyTtlMs());
        assertEquals(4, r.replyEntryCount());
        assertEquals(4, r.replyTotalEntries());
        assertEquals(1, r.replyPageCount());
        assertEquals(PUBLIC, r.replyPublicAddress());
        assertEquals(80, r.replyPublicPort());
        for (int k = 0; k < 4; k++) {
            assertEquals(IpAddress.parse("198.18.0." + (11 + k)).v4(), r.entryAddress(k));
            assertEquals(80, r.entryPort(k));
            assertEquals(k, r.entryResourceId(k));
            assertEquals(1000 * k, r.entryLoadHint(k));
        }
        assertEquals(1, c(QueryCounter.REPLIES));
    }

    @Test
    void unhealthy_tuples_are_left_out_and_a_new_table_is_seen_at_once() {
        BypassTupleTable.Builder b = fourTuples(2).toBuilder(2);
        List<Entry> entries = new ArrayList<>(b.build().entries(WEB));
        Entry down = entries.get(2);
        entries.set(2, new Entry(down.bypassTuple(), down.resourceId(), down.loadHint(), false));
        table.set(b.put(WEB, entries).build());
        ConnectQueryMessage r = replied(ask(0, 512, 1));
        assertEquals(2, r.replyTableVersion());
        assertEquals(3, r.replyEntryCount());
        for (int i = 0; i < 3; i++) {
            assertTrue(r.entryResourceId(i) != 2, "resource 2 is down");
        }
    }

    @Test
    void an_unknown_public_tuple_gets_an_empty_reply() {
        m.wrapForWrite(query, 0).writeQuery(9, 0, PUBLIC, 81, PROTOCOL_TCP, CLIENT, 0, 64);
        ConnectQueryMessage r = replied(responder.answer(query, 0, 64, CLIENT, 40000, now, reply, 0));
        assertEquals(0, r.replyEntryCount());
        assertEquals(0, r.replyTotalEntries());
        assertEquals(1, r.replyPageCount());
        assertEquals(ConnectQueryMessage.replyLength(0), r.length());
    }

    @Test
    void two_hundred_tuples_page_back_whole_and_no_reply_is_longer_than_its_query() {
        table.set(manyTuples(5, 200));
        for (int length : new int[] {64, 100, 512, 1200, 1500}) {
            Set<Integer> seen = new HashSet<>();
            int pages = -1;
            for (int page = 0; pages < 0 || page < pages; page++) {
                int n = ask(page, length, page);
                ConnectQueryMessage r = replied(n);
                assertTrue(n <= length, () -> "reply " + n + " bytes to a query of " + length);
                pages = r.replyPageCount();
                assertEquals(page, r.page());
                assertEquals(200, r.replyTotalEntries());
                for (int i = 0; i < r.replyEntryCount(); i++) {
                    assertTrue(seen.add(r.entryAddress(i)), "listed twice");
                    assertEquals(1000 + (r.entryAddress(i) - 0xC6_13_00_00), r.entryPort(i));
                }
            }
            assertEquals(200, seen.size(), "query length " + length);
            assertEquals(ConnectQueryMessage.pageCount(200, ConnectQueryMessage.entriesPerPage(length)), pages);
        }
    }

    @Test
    void a_page_past_the_last_gets_page_out_of_range_with_the_page_count() {
        ConnectQueryMessage r = replied(ask(1, 512, 77));
        assertEquals(ConnectQueryMessage.TYPE_ERROR, r.type());
        assertEquals(ConnectQueryMessage.ERROR_PAGE_OUT_OF_RANGE, r.errorCode());
        assertEquals(1, r.errorDetail());
        assertEquals(77, r.nonce());
        assertEquals(1, r.page());
        assertEquals(1, c(QueryCounter.ERROR_PAGE_OUT_OF_RANGE));
    }

    @Test
    void an_unpadded_query_gets_query_too_short_no_longer_than_itself() {
        for (int length = ConnectQueryMessage.QUERY_FIXED_LENGTH; length < ConnectQueryMessage.MIN_QUERY_LENGTH; length++) {
            int n = ask(0, length, length);
            ConnectQueryMessage r = replied(n);
            assertTrue(n <= length);
            assertEquals(ConnectQueryMessage.ERROR_QUERY_TOO_SHORT, r.errorCode());
            assertEquals(ConnectQueryMessage.MIN_QUERY_LENGTH, r.errorDetail());
        }
    }

    @Test
    void an_unknown_version_gets_the_versions_spoken_or_is_dropped_when_too_short() {
        m.wrapForWrite(query, 0).writeQuery(123, 0, PUBLIC, 80, PROTOCOL_TCP, CLIENT, 0, 512);
        m.writeHeaderForTest(2, ConnectQueryMessage.TYPE_QUERY, 0, 123);
        ConnectQueryMessage r = replied(responder.answer(query, 0, 512, CLIENT, 1, now, reply, 0));
        assertEquals(ConnectQueryMessage.ERROR_UNSUPPORTED_VERSION, r.errorCode());
        assertEquals(1, r.errorLowestVersion());
        assertEquals(1, r.errorHighestVersion());
        assertEquals(123, r.nonce());
        for (int length = ConnectQueryMessage.HEADER_LENGTH; length < ConnectQueryMessage.ERROR_LENGTH; length++) {
            assertEquals(0, responder.answer(query, 0, length, CLIENT, 1, now, reply, 0));
        }
        assertEquals(16, c(QueryCounter.DROP_VERSION_TOO_SHORT));
        assertEquals(1, c(QueryCounter.ERROR_UNSUPPORTED_VERSION));
    }

    @Test
    void malformed_datagrams_are_counted_by_reason_never_thrown() {
        // truncated: every length below the query's fixed part
        m.wrapForWrite(query, 0).writeQuery(1, 0, PUBLIC, 80, PROTOCOL_TCP, CLIENT, 0, 64);
        for (int length = 0; length < ConnectQueryMessage.QUERY_FIXED_LENGTH; length++) {
            assertEquals(0, responder.answer(query, 0, length, CLIENT, 1, now, reply, 0));
        }
        assertEquals(ConnectQueryMessage.QUERY_FIXED_LENGTH, c(QueryCounter.DROP_TRUNCATED));
        // bad magic
        query.putByte(0, (byte) 'X');
        assertEquals(0, responder.answer(query, 0, 64, CLIENT, 1, now, reply, 0));
        assertEquals(1, c(QueryCounter.DROP_BAD_MAGIC));
        // unknown type
        m.wrapForWrite(query, 0).writeHeaderForTest(1, 9, 0, 1);
        assertEquals(0, responder.answer(query, 0, 64, CLIENT, 1, now, reply, 0));
        assertEquals(1, c(QueryCounter.DROP_UNKNOWN_TYPE));
        // a reply or an error sent to the service (reflection between two services) is not answered
        m.wrapForWrite(query, 0).writeReply(1, 0, 1, 1, 0, 1, 0, PUBLIC, 80, PROTOCOL_TCP);
        assertEquals(0, responder.answer(query, 0, 64, CLIENT, 1, now, reply, 0));
        m.wrapForWrite(query, 0).writeError(1, 0, 1, 0, 0, 0, 0);
        assertEquals(0, responder.answer(query, 0, 64, CLIENT, 1, now, reply, 0));
        m.wrapForWrite(query, 0).writeReply(1, 0, 1, 1, 0, 1, 5, PUBLIC, 80, PROTOCOL_TCP); // bad length too
        assertEquals(0, responder.answer(query, 0, 64, CLIENT, 1, now, reply, 0));
        assertEquals(3, c(QueryCounter.DROP_NOT_A_QUERY));
        // source port 0 cannot be answered
        m.wrapForWrite(query, 0).writeQuery(1, 0, PUBLIC, 80, PROTOCOL_TCP, CLIENT, 0, 64);
        assertEquals(0, responder.answer(query, 0, 64, CLIENT, 0, now, reply, 0));
        assertEquals(1, c(QueryCounter.DROP_NO_SOURCE_PORT));
        // a transport other than TCP and UDP: an error
        m.wrapForWrite(query, 0).writeQuery(1, 0, PUBLIC, 80, 132, CLIENT, 0, 64);
        assertEquals(ConnectQueryMessage.ERROR_UNSUPPORTED_PROTOCOL, replied(
            responder.answer(query, 0, 64, CLIENT, 1, now, reply, 0)).errorCode());

        long drops = 0;
        for (QueryCounter q : QueryCounter.values()) {
            if (q.label().startsWith("query.drop.")) {
                drops += c(q);
            }
        }
        assertEquals(c(QueryCounter.QUERIES), c(QueryCounter.REPLIES) + c(QueryCounter.ERRORS) + drops,
            "every datagram ends in one counter");
    }

    @Test
    void each_source_has_its_own_token_bucket() {
        QueryCounters limited = new QueryCounters("limited");
        ConnectQueryResponder r = new ConnectQueryResponder(table::get, 2000, new SourceRateLimiter(4096, 10, 5), limited);
        m.wrapForWrite(query, 0).writeQuery(1, 0, PUBLIC, 80, PROTOCOL_TCP, CLIENT, 0, 64);
        int answered = 0;
        for (int i = 0; i < 20; i++) {
            answered += r.answer(query, 0, 64, CLIENT, 1, now, reply, 0) > 0 ? 1 : 0;
        }
        assertEquals(5, answered, "a burst of 5");
        assertEquals(15, limited.get(QueryCounter.DROP_RATE_LIMITED));
        assertTrue(r.answer(query, 0, 64, CLIENT + 1, 1, now, reply, 0) > 0, "another source has its own bucket");
        assertEquals(0, r.answer(query, 0, 64, CLIENT, 1, now + 99_000_000L, reply, 0), "99 ms: not a token yet");
        assertTrue(r.answer(query, 0, 64, CLIENT, 1, now + 100_000_000L, reply, 0) > 0, "100 ms at 10/s: one token");
        assertEquals(0, r.answer(query, 0, 64, CLIENT, 1, now + 100_000_000L, reply, 0));
        // errors cost tokens too
        m.wrapForWrite(query, 0).writeQuery(1, 0, PUBLIC, 80, PROTOCOL_TCP, CLIENT, 0, 40);
        assertEquals(0, r.answer(query, 0, 40, CLIENT, 1, now + 100_000_000L, reply, 0));
    }
}
