package dev.bypass.stack.query;

import static dev.bypass.stack.query.ConnectQueryMessage.ERROR_LENGTH;
import static dev.bypass.stack.query.ConnectQueryMessage.PROTOCOL_TCP;
import static dev.bypass.stack.query.ConnectQueryMessage.PROTOCOL_UDP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ConnectQueryMessageTest {
    private static final int PUBLIC = 0xC6_12_00_0A; // 198.18.0.10
    private static final int CLIENT = 0xC6_12_01_02; // 198.18.1.2
    private static final long NONCE = 0x0123_4567_89AB_CDEFL;

    /** A 64-byte query for tcp 198.18.0.10:80 from 198.18.1.2:40000, page 0, spelled out. */
    private static final byte[] QUERY_64 = hex(
        "425051 01 01 00 0000 0123456789abcdef"      // BPQ v1 QUERY flags page nonce
            + "c612000a 0050 06 00"                   // public 198.18.0.10:80 tcp
            + "c6120102 9c40 0000"                    // client 198.18.1.2:40000
            + "00".repeat(32));                       // padding to 64

    /** The reply to it: table version 7, TTL 2000 ms, 1 of 1 entries on page 0 of 1: 198.18.0.11:80 resource 1 load 300. */
    private static final byte[] REPLY_1 = hex(
        "425051 01 02 00 0000 0123456789abcdef"
            + "0000000000000007 000007d0 0001 0001 0001 0000"
            + "c612000a 0050 06 00"
            + "c612000b 0050 0001 012c 01 00");

    private final ConnectQueryMessage m = new ConnectQueryMessage();

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static UnsafeBuffer offHeap(byte[] bytes) {
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(bytes.length));
        b.putBytes(0, bytes);
        return b;
    }

    private static UnsafeBuffer prefilled(int length) {
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(length));
        b.setMemory(0, length, (byte) 0xA5);
        return b;
    }

    private static byte[] bytes(UnsafeBuffer b, int offset, int length) {
        byte[] out = new byte[length];
        b.getBytes(offset, out);
        return out;
    }

    private QueryCheck check(byte[] datagram) {
        return m.wrap(offHeap(datagram), 0, datagram.length).check();
    }

    // ----------------------------------------------------------------------------------- queries

    @Test
    void reads_every_field_of_a_query() {
        assertEquals(QueryCheck.VALID, m.wrap(offHeap(QUERY_64), 0, 64).check());
        assertEquals(1, m.version());
        assertEquals(ConnectQueryMessage.TYPE_QUERY, m.type());
        assertEquals(0, m.flags());
        assertEquals(0, m.page());
        assertEquals(NONCE, m.nonce());
        assertEquals(PUBLIC, m.queryPublicAddress());
        assertEquals(80, m.queryPublicPort());
        assertEquals(PROTOCOL_TCP, m.queryProtocol());
        assertEquals(CLIENT, m.queryClientAddress());
        assertEquals(40000, m.queryClientPort());
    }

    @Test
    void writes_the_query_byte_for_byte_into_a_prefilled_buffer() {
        UnsafeBuffer b = prefilled(66);
        int n = m.wrapForWrite(b, 1).writeQuery(NONCE, 0, PUBLIC, 80, PROTOCOL_TCP, CLIENT, 40000, 64);
        assertEquals(64, n);
        assertArrayEquals(QUERY_64, bytes(b, 1, 64));
        assertEquals((byte) 0xA5, b.getByte(0));
        assertEquals((byte) 0xA5, b.getByte(65));
    }

    @Test
    void a_query_round_trips_at_every_page_and_length() {
        for (int length : new int[] {32, 64, 512, 1200, 1400}) {
            UnsafeBuffer b = prefilled(length);
            m.wrapForWrite(b, 0).writeQuery(-1L, 65535, 0xFFFF_FFFF, 65535, PROTOCOL_UDP, 0, 0, length);
            assertEquals(QueryCheck.VALID, m.wrap(b, 0, length).check());
            assertEquals(-1L, m.nonce());
            assertEquals(65535, m.page());
            assertEquals(0xFFFF_FFFF, m.queryPublicAddress());
            assertEquals(65535, m.queryPublicPort());
            assertEquals(PROTOCOL_UDP, m.queryProtocol());
            for (int i = ConnectQueryMessage.QUERY_FIXED_LENGTH; i < length; i++) {
                assertEquals(0, b.getByte(i), "padding byte " + i);
            }
        }
    }

    // ----------------------------------------------------------------------------------- replies

    @Test
    void reads_every_field_of_a_reply() {
        assertEquals(QueryCheck.VALID, m.wrap(offHeap(REPLY_1), 0, REPLY_1.length).check());
        assertEquals(ConnectQueryMessage.TYPE_REPLY, m.type());
        assertEquals(NONCE, m.nonce());
        assertEquals(7, m.replyTableVersion());
        assertEquals(2000, m.replyTtlMs());
        assertEquals(1, m.replyTotalEntries());
        assertEquals(1, m.replyPageCount());
        assertEquals(1, m.replyEntryCount());
        assertEquals(PUBLIC, m.replyPublicAddress());
        assertEquals(80, m.replyPublicPort());
        assertEquals(PROTOCOL_TCP, m.replyProtocol());
        assertEquals(0xC6_12_00_0B, m.entryAddress(0));
        assertEquals(80, m.entryPort(0));
        assertEquals(1, m.entryResourceId(0));
        assertEquals(300, m.entryLoadHint(0));
        assertEquals(ConnectQueryMessage.ENTRY_HEALTHY, m.entryFlags(0));
    }

    @Test
    void writes_the_reply_byte_for_byte() {
        UnsafeBuffer b = prefilled(REPLY_1.length + 1);
        ConnectQueryMessage w = m.wrapForWrite(b, 0);
        int n = w.writeReply(NONCE, 0, 7, 2000, 1, 1, 1, PUBLIC, 80, PROTOCOL_TCP);
        w.writeEntry(0, 0xC6_12_00_0B, 80, 1, 300, ConnectQueryMessage.ENTRY_HEALTHY);
        assertEquals(REPLY_1.length, n);
        assertArrayEquals(REPLY_1, bytes(b, 0, n));
        assertEquals((byte) 0xA5, b.getByte(n));
    }

    @Test
    void a_four_tuple_reply_round_trips_with_extreme_values() {
        UnsafeBuffer b = prefilled(ConnectQueryMessage.replyLength(4));
        ConnectQueryMessage w = m.wrapForWrite(b, 0);
        w.writeReply(NONCE, 3, Long.MIN_VALUE, 0xFFFF_FFFFL, 65535, 65535, 4, PUBLIC, 443, PROTOCOL_UDP);
        for (int i = 0; i < 4; i++) {
            w.writeEntry(i, 0xFFFF_FF00 + i, 65535 - i, 65535 - i, 65535 - i, ConnectQueryMessage.ENTRY_HEALTHY);
        }
        assertEquals(QueryCheck.VALID, m.wrap(b, 0, b.capacity()).check());
        assertEquals(3, m.page());
        assertEquals(Long.MIN_VALUE, m.replyTableVersion());
        assertEquals(0xFFFF_FFFFL, m.replyTtlMs());
        assertEquals(65535, m.replyTotalEntries());
        assertEquals(65535, m.replyPageCount());
        for (int i = 0; i < 4; i++) {
            assertEquals(0xFFFF_FF00 + i, m.entryAddress(i));
            assertEquals(65535 - i, m.entryPort(i));
            assertEquals(65535 - i, m.entryResourceId(i));
            assertEquals(65535 - i, m.entryLoadHint(i));
        }
    }

    // ----------------------------------------------------------------------------------- errors

    @Test
    void an_error_round_trips_and_names_the_versions_spoken() {
        UnsafeBuffer b = prefilled(ERROR_LENGTH);
        int n = m.wrapForWrite(b, 0).writeError(NONCE, 2, ConnectQueryMessage.ERROR_PAGE_OUT_OF_RANGE, 5, PUBLIC, 80,
            PROTOCOL_TCP);
        assertEquals(ERROR_LENGTH, n);
        assertEquals(QueryCheck.VALID, m.wrap(b, 0, n).check());
        assertEquals(ConnectQueryMessage.TYPE_ERROR, m.type());
        assertEquals(2, m.page());
        assertEquals(NONCE, m.nonce());
        assertEquals(ConnectQueryMessage.ERROR_PAGE_OUT_OF_RANGE, m.errorCode());
        assertEquals(1, m.errorLowestVersion());
        assertEquals(1, m.errorHighestVersion());
        assertEquals(5, m.errorDetail());
        assertEquals(PUBLIC, m.errorPublicAddress());
        assertEquals(80, m.errorPublicPort());
        assertEquals(PROTOCOL_TCP, m.errorProtocol());
    }

    // ----------------------------------------------------------------------------------- malformed

    @Test
    void every_truncation_of_a_query_reply_and_error_is_truncated_or_bad_length() {
        for (int n = 0; n < ConnectQueryMessage.QUERY_FIXED_LENGTH; n++) {
            assertEquals(QueryCheck.TRUNCATED, m.wrap(offHeap(QUERY_64), 0, n).check(), "query cut to " + n);
        }
        for (int n = 0; n < REPLY_1.length; n++) {
            QueryCheck c = m.wrap(offHeap(REPLY_1), 0, n).check();
            QueryCheck want = n < ConnectQueryMessage.REPLY_ENTRIES_OFFSET ? QueryCheck.TRUNCATED : QueryCheck.BAD_LENGTH;
            assertEquals(want, c, "reply cut to " + n);
        }
        UnsafeBuffer e = prefilled(ERROR_LENGTH);
        m.wrapForWrite(e, 0).writeError(NONCE, 0, 1, 0, 0, 0, 0);
        for (int n = 0; n < ERROR_LENGTH; n++) {
            assertEquals(QueryCheck.TRUNCATED, m.wrap(e, 0, n).check(), "error cut to " + n);
        }
    }

    @Test
    void bad_magic_unknown_version_and_unknown_type_are_told_apart() {
        for (int i = 0; i < 3; i++) {
            byte[] q = QUERY_64.clone();
            q[i] ^= 0x20;
            assertEquals(QueryCheck.BAD_MAGIC, check(q), "magic byte " + i);
        }
        for (int v : new int[] {0, 2, 255}) {
            byte[] q = QUERY_64.clone();
            q[3] = (byte) v;
            assertEquals(QueryCheck.UNSUPPORTED_VERSION, check(q), "version " + v);
            // the nonce stays readable at its offset for the error reply
            assertEquals(NONCE, m.nonce());
        }
        for (int t : new int[] {0, 4, 255}) {
            byte[] q = QUERY_64.clone();
            q[4] = (byte) t;
            assertEquals(QueryCheck.UNKNOWN_TYPE, check(q), "type " + t);
        }
    }

    @Test
    void impossible_reply_counts_are_bad_length() {
        byte[] r = REPLY_1.clone();
        r[33] = 2; // entry count 2: runs past the datagram (and past total)
        assertEquals(QueryCheck.BAD_LENGTH, check(r));
        r = REPLY_1.clone();
        r[31] = 0; // page count 0
        assertEquals(QueryCheck.BAD_LENGTH, check(r));
        r = REPLY_1.clone();
        r[7] = 1; // page 1 of 1
        assertEquals(QueryCheck.BAD_LENGTH, check(r));
        r = REPLY_1.clone();
        r[29] = 0; // total 0 < entry count 1
        assertEquals(QueryCheck.BAD_LENGTH, check(r));
    }

    @Test
    void a_transport_other_than_tcp_or_udp_is_bad_protocol() {
        byte[] q = QUERY_64.clone();
        q[ConnectQueryMessage.QUERY_PROTOCOL_OFFSET] = 1;
        assertEquals(QueryCheck.BAD_PROTOCOL, check(q));
        byte[] r = REPLY_1.clone();
        r[ConnectQueryMessage.REPLY_PROTOCOL_OFFSET] = (byte) 132;
        assertEquals(QueryCheck.BAD_PROTOCOL, check(r));
    }

    @Test
    void random_datagrams_never_throw_and_valid_ones_read_within_bounds() {
        SplittableRandom random = new SplittableRandom(6);
        int valid = 0;
        for (int round = 0; round < 200_000; round++) {
            int length = random.nextInt(0, 200);
            byte[] d = new byte[length];
            for (int i = 0; i < length; i++) {
                d[i] = (byte) random.nextInt(256);
            }
            if (length >= 5 && random.nextBoolean()) { // a valid header half the time, to reach the type checks
                d[0] = 'B';
                d[1] = 'P';
                d[2] = 'Q';
                d[3] = 1;
                d[4] = (byte) random.nextInt(1, 4);
                if (length > 33 && random.nextBoolean()) {
                    d[30] = 0;
                    d[31] = (byte) random.nextInt(1, 3);
                    d[32] = 0;
                    d[33] = (byte) random.nextInt(0, 3);
                    d[6] = 0;
                    d[7] = 0;
                    d[28] = 0;
                    d[29] = 4;
                }
            }
            UnsafeBuffer b = new UnsafeBuffer(d); // bounds-checked: any read past the datagram throws
            if (m.wrap(b, 0, length).check() != QueryCheck.VALID) {
                continue;
            }
            valid++;
            m.nonce();
            switch (m.type()) {
                case ConnectQueryMessage.TYPE_QUERY -> m.queryClientPort();
                case ConnectQueryMessage.TYPE_REPLY -> {
                    m.replyProtocol();
                    for (int i = 0; i < m.replyEntryCount(); i++) {
                        m.entryFlags(i);
                    }
                }
                default -> m.errorProtocol();
            }
        }
        System.out.println("random datagrams: " + valid + " of 200000 valid, read within bounds");
    }

    // ----------------------------------------------------------------------------------- paging

    @Test
    void page_sizes_follow_the_query_length() {
        assertEquals(0, ConnectQueryMessage.entriesPerPage(32));
        assertEquals(1, ConnectQueryMessage.entriesPerPage(64));
        assertEquals(39, ConnectQueryMessage.entriesPerPage(512));
        assertEquals(96, ConnectQueryMessage.entriesPerPage(1200));
        assertEquals(96, ConnectQueryMessage.entriesPerPage(9000));
        for (int q = ConnectQueryMessage.MIN_QUERY_LENGTH; q <= 1500; q++) {
            int reply = ConnectQueryMessage.replyLength(ConnectQueryMessage.entriesPerPage(q));
            if (reply > q) {
                throw new AssertionError("a full page answering " + q + " bytes is " + reply + " bytes");
            }
        }
        assertEquals(1, ConnectQueryMessage.pageCount(0, 39));
        assertEquals(1, ConnectQueryMessage.pageCount(39, 39));
        assertEquals(2, ConnectQueryMessage.pageCount(40, 39));
        assertEquals(6, ConnectQueryMessage.pageCount(200, 39));
    }
}
