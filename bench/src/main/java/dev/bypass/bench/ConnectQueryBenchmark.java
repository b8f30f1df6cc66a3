package dev.bypass.bench;

import dev.bypass.query.BypassTupleTable;
import dev.bypass.query.BypassTupleTable.Entry;
import dev.bypass.query.BypassTupleTable.PublicTuple;
import dev.bypass.query.ConnectQueryResponder;
import dev.bypass.query.QueryCounters;
import dev.bypass.query.SourceRateLimiter;
import dev.bypass.stack.query.ConnectQueryMessage;
import dev.bypass.stack.query.QueryCheck;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * The connect query's wire work, per message, over off-heap buffers:
 *
 * <ul>
 *   <li>{@link #query}: write a 512-byte query (header, fields, zeroed padding), then check it and read its
 *       fields as the service does;
 *   <li>{@link #reply}: write a reply of 4 bypass tuples, then check it and read every entry as the client
 *       does;
 *   <li>{@link #answer}: the service's whole decision for a 512-byte query ({@link ConnectQueryResponder}):
 *       check, per-source token bucket, table lookup, the 4-tuple reply written.
 * </ul>
 *
 * The nonce changes every op; nothing may be allocated ({@code -prof gc}: 0 B/op).
 */
public class ConnectQueryBenchmark extends BenchmarkDefaults {
    static final int QUERY_BYTES = 512;
    static final int PUBLIC = 0xC6_12_00_0B;
    static final int CLIENT = 0xC6_12_00_02;

    private final UnsafeBuffer queryBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(QUERY_BYTES));
    private final UnsafeBuffer replyBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
    private final ConnectQueryMessage writer = new ConnectQueryMessage();
    private final ConnectQueryMessage reader = new ConnectQueryMessage();
    private ConnectQueryResponder responder;
    private long nonce;

    @Setup
    public void setup() {
        PublicTuple web = PublicTuple.tcp("198.18.0.11:80");
        BypassTupleTable.Builder b = BypassTupleTable.builder(1);
        for (int k = 0; k < 4; k++) {
            b.add(web, Entry.of("198.18.0." + (11 + k) + ":80", k, 1000 * k, true));
        }
        AtomicReference<BypassTupleTable> table = new AtomicReference<>(b.build());
        // A bucket no benchmark run can empty: this measures the work of an answer, not the limit.
        responder = new ConnectQueryResponder(table::get, 2000, new SourceRateLimiter(4096, 1_000_000_000, 1_000_000_000),
            new QueryCounters("bench"));
        writer.wrapForWrite(queryBuffer, 0).writeQuery(0, 0, PUBLIC, 80, ConnectQueryMessage.PROTOCOL_TCP, CLIENT, 0,
            QUERY_BYTES);
    }

    @Benchmark
    public long query() {
        writer.wrapForWrite(queryBuffer, 0).writeQuery(++nonce, 0, PUBLIC, 80, ConnectQueryMessage.PROTOCOL_TCP, CLIENT,
            40000, QUERY_BYTES);
        ConnectQueryMessage m = reader.wrap(queryBuffer, 0, QUERY_BYTES);
        if (m.check() != QueryCheck.VALID) {
            return -1;
        }
        return m.nonce() + m.queryPublicAddress() + m.queryPublicPort() + m.queryProtocol() + m.queryClientAddress()
            + m.queryClientPort() + m.page();
    }

    @Benchmark
    public long reply() {
        ConnectQueryMessage w = writer.wrapForWrite(replyBuffer, 0);
        int n = w.writeReply(++nonce, 0, 7, 2000, 4, 1, 4, PUBLIC, 80, ConnectQueryMessage.PROTOCOL_TCP);
        for (int i = 0; i < 4; i++) {
            w.writeEntry(i, PUBLIC + i, 80, i, 1000 * i, ConnectQueryMessage.ENTRY_HEALTHY);
        }
        ConnectQueryMessage m = reader.wrap(replyBuffer, 0, n);
        if (m.check() != QueryCheck.VALID) {
            return -1;
        }
        long sum = m.nonce() + m.replyTableVersion() + m.replyTtlMs() + m.replyPublicAddress();
        for (int i = 0, count = m.replyEntryCount(); i < count; i++) {
            sum += m.entryAddress(i) + m.entryPort(i) + m.entryResourceId(i) + m.entryLoadHint(i) + m.entryFlags(i);
        }
        return sum;
    }

    @Benchmark
    public int answer() {
        queryBuffer.putLong(ConnectQueryMessage.NONCE_OFFSET, ++nonce);
        return responder.answer(queryBuffer, 0, QUERY_BYTES, CLIENT, 40000, nonce, replyBuffer, 0);
    }
}
