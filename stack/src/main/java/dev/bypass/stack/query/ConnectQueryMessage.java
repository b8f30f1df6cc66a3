package dev.bypass.stack.query;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The connect query protocol (README, "The connect query protocol"): one flyweight over the three
 * messages, QUERY, REPLY and ERROR, carried in one UDP datagram each. All fields big-endian; the first 16
 * bytes keep this layout in every version, so a receiver can answer a version it does not speak.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   'B' 0x42    |   'P' 0x50    |   'Q' 0x51    |    Version    |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Flags     |             Page              |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Nonce (64 bits)                       |  8
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * QUERY (type 1), at least 64 bytes:
 * |                        Public address                         | 16
 * |          Public port          |   Protocol    |   Reserved    | 20
 * |                        Client address                         | 24
 * |          Client port          |           Reserved            | 28
 * |              Padding (zeros) to the query's length ...        | 32
 *
 * REPLY (type 2), 44 + 12 * entry count bytes, never longer than the query:
 * |                    Table version (64 bits)                    | 16
 * |                                                               |
 * |                         TTL (ms)                              | 24
 * |         Total entries         |          Page count           | 28
 * |          Entry count          |           Reserved            | 32
 * |                        Public address                         | 36
 * |          Public port          |   Protocol    |   Reserved    | 40
 * then entry count entries of 12 bytes, entry i at 44 + 12 i:
 * |                    Bypass address                             | +0
 * |          Bypass port          |          Resource id          | +4
 * |           Load hint           |  Entry flags  |   Reserved    | +8
 *
 * ERROR (type 3), 32 bytes:
 * |          Error code           | Lowest version| Highest vers. | 16
 * |                            Detail                             | 20
 * |                        Public address                         | 24
 * |          Public port          |   Protocol    |   Reserved    | 28
 * </pre>
 *
 * <p>Received: {@link #wrap} the datagram with its length, then {@link #check} once; after a
 * {@link QueryCheck#VALID} verdict no accessor of the message's type reads past the datagram. Written: wrap
 * a buffer with room for the message and call one of the {@code write*} methods; nothing is checked.
 */
public final class ConnectQueryMessage {
    /** The UDP port the service listens on unless configured otherwise. */
    public static final int DEFAULT_PORT = 7483;

    public static final int MAGIC = 0x425051; // "BPQ"
    public static final int VERSION = 1;
    public static final int LOWEST_VERSION = 1;
    public static final int HIGHEST_VERSION = 1;

    public static final int TYPE_QUERY = 1;
    public static final int TYPE_REPLY = 2;
    public static final int TYPE_ERROR = 3;

    public static final int PROTOCOL_TCP = 6;
    public static final int PROTOCOL_UDP = 17;

    /** Error codes. */
    public static final int ERROR_UNSUPPORTED_VERSION = 1;
    public static final int ERROR_QUERY_TOO_SHORT = 2;
    public static final int ERROR_PAGE_OUT_OF_RANGE = 3;
    public static final int ERROR_UNSUPPORTED_PROTOCOL = 4;

    /** Entry flag: the bypass tuple takes new connections (version 1 replies list only such entries). */
    public static final int ENTRY_HEALTHY = 0x01;

    // ---- common header
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 3;
    public static final int TYPE_OFFSET = 4;
    public static final int FLAGS_OFFSET = 5;
    public static final int PAGE_OFFSET = 6;
    public static final int NONCE_OFFSET = 8;
    public static final int HEADER_LENGTH = 16;

    // ---- query
    public static final int QUERY_PUBLIC_ADDRESS_OFFSET = 16;
    public static final int QUERY_PUBLIC_PORT_OFFSET = 20;
    public static final int QUERY_PROTOCOL_OFFSET = 22;
    public static final int QUERY_CLIENT_ADDRESS_OFFSET = 24;
    public static final int QUERY_CLIENT_PORT_OFFSET = 28;
    /** The query's fields without padding: shorter is malformed. */
    public static final int QUERY_FIXED_LENGTH = 32;
    /** The shortest query the service answers with a reply (one entry per page); 32..63 get QUERY_TOO_SHORT. */
    public static final int MIN_QUERY_LENGTH = 64;
    /**
     * The longest query that buys a longer reply page: 1200 bytes (with IPv4 and UDP headers 1228) crosses
     * any path with an MTU of 1280 or more unfragmented. Longer queries are answered as if 1200 bytes long.
     */
    public static final int MAX_PAGE_QUERY_LENGTH = 1200;

    // ---- reply
    public static final int REPLY_TABLE_VERSION_OFFSET = 16;
    public static final int REPLY_TTL_OFFSET = 24;
    public static final int REPLY_TOTAL_ENTRIES_OFFSET = 28;
    public static final int REPLY_PAGE_COUNT_OFFSET = 30;
    public static final int REPLY_ENTRY_COUNT_OFFSET = 32;
    public static final int REPLY_PUBLIC_ADDRESS_OFFSET = 36;
    public static final int REPLY_PUBLIC_PORT_OFFSET = 40;
    public static final int REPLY_PROTOCOL_OFFSET = 42;
    public static final int REPLY_ENTRIES_OFFSET = 44;
    public static final int ENTRY_LENGTH = 12;
    public static final int ENTRY_ADDRESS_OFFSET = 0;
    public static final int ENTRY_PORT_OFFSET = 4;
    public static final int ENTRY_RESOURCE_ID_OFFSET = 6;
    public static final int ENTRY_LOAD_HINT_OFFSET = 8;
    public static final int ENTRY_FLAGS_OFFSET = 10;

    // ---- error
    public static final int ERROR_CODE_OFFSET = 16;
    public static final int ERROR_LOWEST_VERSION_OFFSET = 18;
    public static final int ERROR_HIGHEST_VERSION_OFFSET = 19;
    public static final int ERROR_DETAIL_OFFSET = 20;
    public static final int ERROR_PUBLIC_ADDRESS_OFFSET = 24;
    public static final int ERROR_PUBLIC_PORT_OFFSET = 28;
    public static final int ERROR_PROTOCOL_OFFSET = 30;
    public static final int ERROR_LENGTH = 32;

    /** Entries of one reply page answering a query of {@code queryLength} bytes (at least 1 from 64 bytes). */
    public static int entriesPerPage(int queryLength) {
        int room = Math.min(queryLength, MAX_PAGE_QUERY_LENGTH) - REPLY_ENTRIES_OFFSET;
        return room < ENTRY_LENGTH ? 0 : room / ENTRY_LENGTH;
    }

    /** Pages of {@code perPage} entries that {@code total} entries take: an empty list is one empty page. */
    public static int pageCount(int total, int perPage) {
        return total == 0 ? 1 : (total + perPage - 1) / perPage;
    }

    public static int replyLength(int entryCount) {
        return REPLY_ENTRIES_OFFSET + entryCount * ENTRY_LENGTH;
    }

    private DirectBuffer buffer;
    private MutableDirectBuffer mutable;
    private int offset;
    private int length;

    /** Wraps a received datagram of {@code length} bytes for {@link #check} and the accessors. */
    public ConnectQueryMessage wrap(DirectBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.mutable = null;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** Wraps a buffer to write a message into (and read it back). */
    public ConnectQueryMessage wrapForWrite(MutableDirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.mutable = buffer;
        this.offset = offset;
        this.length = buffer.capacity() - offset;
        return this;
    }

    /** The datagram's length as wrapped. */
    public int length() {
        return length;
    }

    // ------------------------------------------------------------------------------------- checking

    /**
     * Checks the wrapped datagram once: header, then the fixed part of its type, then (replies) that the
     * entries fit and the paging adds up. Reads nothing past the datagram.
     */
    public QueryCheck check() {
        if (length < HEADER_LENGTH) {
            return QueryCheck.TRUNCATED;
        }
        int magic = ((buffer.getByte(offset) & 0xFF) << 16) | ((buffer.getByte(offset + 1) & 0xFF) << 8)
            | (buffer.getByte(offset + 2) & 0xFF);
        if (magic != MAGIC) {
            return QueryCheck.BAD_MAGIC;
        }
        if (version() != VERSION) {
            return QueryCheck.UNSUPPORTED_VERSION;
        }
        switch (type()) {
            case TYPE_QUERY -> {
                if (length < QUERY_FIXED_LENGTH) {
                    return QueryCheck.TRUNCATED;
                }
                return knownProtocol(queryProtocol()) ? QueryCheck.VALID : QueryCheck.BAD_PROTOCOL;
            }
            case TYPE_REPLY -> {
                if (length < REPLY_ENTRIES_OFFSET) {
                    return QueryCheck.TRUNCATED;
                }
                int entries = replyEntryCount();
                int pages = replyPageCount();
                if (replyLength(entries) > length || pages == 0 || page() >= pages
                    || entries > replyTotalEntries()) {
                    return QueryCheck.BAD_LENGTH;
                }
                return knownProtocol(replyProtocol()) ? QueryCheck.VALID : QueryCheck.BAD_PROTOCOL;
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

    // ------------------------------------------------------------------------------------- header

    public int version() {
        return buffer.getByte(offset + VERSION_OFFSET) & 0xFF;
    }

    public int type() {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    public int flags() {
        return buffer.getByte(offset + FLAGS_OFFSET) & 0xFF;
    }

    public int page() {
        return u16(PAGE_OFFSET);
    }

    public long nonce() {
        return buffer.getLong(offset + NONCE_OFFSET, BIG_ENDIAN);
    }

    // ------------------------------------------------------------------------------------- query

    public int queryPublicAddress() {
        return buffer.getInt(offset + QUERY_PUBLIC_ADDRESS_OFFSET, BIG_ENDIAN);
    }

    public int queryPublicPort() {
        return u16(QUERY_PUBLIC_PORT_OFFSET);
    }

    public int queryProtocol() {
        return buffer.getByte(offset + QUERY_PROTOCOL_OFFSET) & 0xFF;
    }

    public int queryClientAddress() {
        return buffer.getInt(offset + QUERY_CLIENT_ADDRESS_OFFSET, BIG_ENDIAN);
    }

    public int queryClientPort() {
        return u16(QUERY_CLIENT_PORT_OFFSET);
    }

    // ------------------------------------------------------------------------------------- reply

    public long replyTableVersion() {
        return buffer.getLong(offset + REPLY_TABLE_VERSION_OFFSET, BIG_ENDIAN);
    }

    /** Time to live in milliseconds (unsigned 32 bits). */
    public long replyTtlMs() {
        return buffer.getInt(offset + REPLY_TTL_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    public int replyTotalEntries() {
        return u16(REPLY_TOTAL_ENTRIES_OFFSET);
    }

    public int replyPageCount() {
        return u16(REPLY_PAGE_COUNT_OFFSET);
    }

    public int replyEntryCount() {
        return u16(REPLY_ENTRY_COUNT_OFFSET);
    }

    public int replyPublicAddress() {
        return buffer.getInt(offset + REPLY_PUBLIC_ADDRESS_OFFSET, BIG_ENDIAN);
    }

    public int replyPublicPort() {
        return u16(REPLY_PUBLIC_PORT_OFFSET);
    }

    public int replyProtocol() {
        return buffer.getByte(offset + REPLY_PROTOCOL_OFFSET) & 0xFF;
    }

    public int entryAddress(int i) {
        return buffer.getInt(entry(i) + ENTRY_ADDRESS_OFFSET, BIG_ENDIAN);
    }

    public int entryPort(int i) {
        return buffer.getShort(entry(i) + ENTRY_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int entryResourceId(int i) {
        return buffer.getShort(entry(i) + ENTRY_RESOURCE_ID_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /** 0 (idle) .. 65535 (full). */
    public int entryLoadHint(int i) {
        return buffer.getShort(entry(i) + ENTRY_LOAD_HINT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int entryFlags(int i) {
        return buffer.getByte(entry(i) + ENTRY_FLAGS_OFFSET) & 0xFF;
    }

    private int entry(int i) {
        return offset + REPLY_ENTRIES_OFFSET + i * ENTRY_LENGTH;
    }

    // ------------------------------------------------------------------------------------- error

    public int errorCode() {
        return u16(ERROR_CODE_OFFSET);
    }

    public int errorLowestVersion() {
        return buffer.getByte(offset + ERROR_LOWEST_VERSION_OFFSET) & 0xFF;
    }

    public int errorHighestVersion() {
        return buffer.getByte(offset + ERROR_HIGHEST_VERSION_OFFSET) & 0xFF;
    }

    /** What the code says more: the minimum query length, the page count, ... (unsigned 32 bits). */
    public long errorDetail() {
        return buffer.getInt(offset + ERROR_DETAIL_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    public int errorPublicAddress() {
        return buffer.getInt(offset + ERROR_PUBLIC_ADDRESS_OFFSET, BIG_ENDIAN);
    }

    public int errorPublicPort() {
        return u16(ERROR_PUBLIC_PORT_OFFSET);
    }

    public int errorProtocol() {
        return buffer.getByte(offset + ERROR_PROTOCOL_OFFSET) & 0xFF;
    }

    private int u16(int field) {
        return buffer.getShort(offset + field, BIG_ENDIAN) & 0xFFFF;
    }

    // ------------------------------------------------------------------------------------- writing

    private void writeHeader(int version, int type, int page, long nonce) {
        mutable.putByte(offset, (byte) 'B');
        mutable.putByte(offset + 1, (byte) 'P');
        mutable.putByte(offset + 2, (byte) 'Q');
        mutable.putByte(offset + VERSION_OFFSET, (byte) version);
        mutable.putByte(offset + TYPE_OFFSET, (byte) type);
        mutable.putByte(offset + FLAGS_OFFSET, (byte) 0);
        mutable.putShort(offset + PAGE_OFFSET, (short) page, BIG_ENDIAN);
        mutable.putLong(offset + NONCE_OFFSET, nonce, BIG_ENDIAN);
    }

    /**
     * Writes a query of {@code length} bytes (at least {@link #QUERY_FIXED_LENGTH}; the service answers
     * from {@link #MIN_QUERY_LENGTH}), zeroing the padding; returns {@code length}.
     */
    public int writeQuery(long nonce, int page, int publicAddress, int publicPort, int protocol, int clientAddress,
                          int clientPort, int length) {
        writeHeader(VERSION, TYPE_QUERY, page, nonce);
        mutable.putInt(offset + QUERY_PUBLIC_ADDRESS_OFFSET, publicAddress, BIG_ENDIAN);
        mutable.putShort(offset + QUERY_PUBLIC_PORT_OFFSET, (short) publicPort, BIG_ENDIAN);
        mutable.putByte(offset + QUERY_PROTOCOL_OFFSET, (byte) protocol);
        mutable.putByte(offset + QUERY_PROTOCOL_OFFSET + 1, (byte) 0);
        mutable.putInt(offset + QUERY_CLIENT_ADDRESS_OFFSET, clientAddress, BIG_ENDIAN);
        mutable.putShort(offset + QUERY_CLIENT_PORT_OFFSET, (short) clientPort, BIG_ENDIAN);
        mutable.putShort(offset + QUERY_CLIENT_PORT_OFFSET + 2, (short) 0, BIG_ENDIAN);
        mutable.setMemory(offset + QUERY_FIXED_LENGTH, length - QUERY_FIXED_LENGTH, (byte) 0);
        return length;
    }

    /** Writes a reply's fixed part; the entries follow with {@link #writeEntry}. Returns the reply's length. */
    public int writeReply(long nonce, int page, long tableVersion, long ttlMs, int totalEntries, int pageCount,
                          int entryCount, int publicAddress, int publicPort, int protocol) {
        writeHeader(VERSION, TYPE_REPLY, page, nonce);
        mutable.putLong(offset + REPLY_TABLE_VERSION_OFFSET, tableVersion, BIG_ENDIAN);
        mutable.putInt(offset + REPLY_TTL_OFFSET, (int) ttlMs, BIG_ENDIAN);
        mutable.putShort(offset + REPLY_TOTAL_ENTRIES_OFFSET, (short) totalEntries, BIG_ENDIAN);
        mutable.putShort(offset + REPLY_PAGE_COUNT_OFFSET, (short) pageCount, BIG_ENDIAN);
        mutable.putShort(offset + REPLY_ENTRY_COUNT_OFFSET, (short) entryCount, BIG_ENDIAN);
        mutable.putShort(offset + REPLY_ENTRY_COUNT_OFFSET + 2, (short) 0, BIG_ENDIAN);
        mutable.putInt(offset + REPLY_PUBLIC_ADDRESS_OFFSET, publicAddress, BIG_ENDIAN);
        mutable.putShort(offset + REPLY_PUBLIC_PORT_OFFSET, (short) publicPort, BIG_ENDIAN);
        mutable.putByte(offset + REPLY_PROTOCOL_OFFSET, (byte) protocol);
        mutable.putByte(offset + REPLY_PROTOCOL_OFFSET + 1, (byte) 0);
        return replyLength(entryCount);
    }

    public void writeEntry(int i, int address, int port, int resourceId, int loadHint, int flags) {
        int at = entry(i);
        mutable.putInt(at + ENTRY_ADDRESS_OFFSET, address, BIG_ENDIAN);
        mutable.putShort(at + ENTRY_PORT_OFFSET, (short) port, BIG_ENDIAN);
        mutable.putShort(at + ENTRY_RESOURCE_ID_OFFSET, (short) resourceId, BIG_ENDIAN);
        mutable.putShort(at + ENTRY_LOAD_HINT_OFFSET, (short) loadHint, BIG_ENDIAN);
        mutable.putByte(at + ENTRY_FLAGS_OFFSET, (byte) flags);
        mutable.putByte(at + ENTRY_FLAGS_OFFSET + 1, (byte) 0);
    }

    /** Writes an error (of the version this code speaks); returns {@link #ERROR_LENGTH}. */
    public int writeError(long nonce, int page, int code, long detail, int publicAddress, int publicPort, int protocol) {
        writeHeader(VERSION, TYPE_ERROR, page, nonce);
        mutable.putShort(offset + ERROR_CODE_OFFSET, (short) code, BIG_ENDIAN);
        mutable.putByte(offset + ERROR_LOWEST_VERSION_OFFSET, (byte) LOWEST_VERSION);
        mutable.putByte(offset + ERROR_HIGHEST_VERSION_OFFSET, (byte) HIGHEST_VERSION);
        mutable.putInt(offset + ERROR_DETAIL_OFFSET, (int) detail, BIG_ENDIAN);
        mutable.putInt(offset + ERROR_PUBLIC_ADDRESS_OFFSET, publicAddress, BIG_ENDIAN);
        mutable.putShort(offset + ERROR_PUBLIC_PORT_OFFSET, (short) publicPort, BIG_ENDIAN);
        mutable.putByte(offset + ERROR_PROTOCOL_OFFSET, (byte) protocol);
        mutable.putByte(offset + ERROR_PROTOCOL_OFFSET + 1, (byte) 0);
        return ERROR_LENGTH;
    }

    /** Writes a header of any version and type (tests, and probing a service for the versions it speaks). */
    public void writeHeaderForTest(int version, int type, int page, long nonce) {
        writeHeader(version, type, page, nonce);
    }
}
