package dev.bypass.stack.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

/**
 * IPv4 header (RFC 791), flyweight. All fields big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |    DSCP   |ECN|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |0|D|M|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (IHL > 5)                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Fragment offset counts 8-byte units; D = don't fragment, M = more fragments.
 */
public final class Ipv4Header {
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    public static final int MIN_LENGTH = 20;
    public static final int MAX_LENGTH = 60;

    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    public static final int PROTOCOL_ICMP = 1;
    public static final int PROTOCOL_TCP = 6;
    public static final int PROTOCOL_UDP = 17;

    private MutableDirectBuffer buffer;
    private int offset;

    public Ipv4Header wrap(MutableDirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int offset() {
        return offset;
    }

    public int version() {
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) >> 4) & 0xF;
    }

    /** Header length in bytes (IHL * 4). */
    public int headerLength() {
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) & 0xF) * 4;
    }

    public int tos() {
        return buffer.getByte(offset + TOS_OFFSET) & 0xFF;
    }

    public int totalLength() {
        return buffer.getShort(offset + TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int identification() {
        return buffer.getShort(offset + IDENTIFICATION_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /** Flags and fragment offset as one 16-bit field. */
    public int flagsAndFragment() {
        return buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public boolean dontFragment() {
        return (flagsAndFragment() & FLAG_DONT_FRAGMENT) != 0;
    }

    public boolean moreFragments() {
        return (flagsAndFragment() & FLAG_MORE_FRAGMENTS) != 0;
    }

    /** Fragment offset in bytes. */
    public int fragmentOffset() {
        return (flagsAndFragment() & FRAGMENT_OFFSET_MASK) * 8;
    }

    public int ttl() {
        return buffer.getByte(offset + TTL_OFFSET) & 0xFF;
    }

    public int protocol() {
        return buffer.getByte(offset + PROTOCOL_OFFSET) & 0xFF;
    }

    public int checksum() {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int source() {
        return buffer.getInt(offset + SOURCE_OFFSET, BIG_ENDIAN);
    }

    public int destination() {
        return buffer.getInt(offset + DESTINATION_OFFSET, BIG_ENDIAN);
    }

    /** True if the header's checksum is right (the header sums to all ones). */
    public boolean checksumValid() {
        return Checksum.isValid(Checksum.sum(buffer, offset, headerLength()));
    }

    /**
     * Writes a 20-byte header without options. The checksum is computed unless {@code offloadChecksum},
     * in which case the field is 0 for the device to fill in.
     */
    public void write(int tos, int totalLength, int identification, int flagsAndFragment, int ttl, int protocol,
                      int source, int destination, boolean offloadChecksum) {
        buffer.putByte(offset + VERSION_IHL_OFFSET, (byte) 0x45);
        buffer.putByte(offset + TOS_OFFSET, (byte) tos);
        buffer.putShort(offset + TOTAL_LENGTH_OFFSET, (short) totalLength, BIG_ENDIAN);
        buffer.putShort(offset + IDENTIFICATION_OFFSET, (short) identification, BIG_ENDIAN);
        buffer.putShort(offset + FLAGS_FRAGMENT_OFFSET, (short) flagsAndFragment, BIG_ENDIAN);
        buffer.putByte(offset + TTL_OFFSET, (byte) ttl);
        buffer.putByte(offset + PROTOCOL_OFFSET, (byte) protocol);
        buffer.putShort(offset + CHECKSUM_OFFSET, (short) 0);
        buffer.putInt(offset + SOURCE_OFFSET, source, BIG_ENDIAN);
        buffer.putInt(offset + DESTINATION_OFFSET, destination, BIG_ENDIAN);
        if (!offloadChecksum) {
            updateChecksum();
        }
    }

    /** Recomputes the header checksum over the current header length. */
    public void updateChecksum() {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short) 0);
        int sum = Checksum.sum(buffer, offset, headerLength());
        buffer.putShort(offset + CHECKSUM_OFFSET, (short) Checksum.finish(sum), BIG_ENDIAN);
    }

    public void totalLength(int totalLength) {
        buffer.putShort(offset + TOTAL_LENGTH_OFFSET, (short) totalLength, BIG_ENDIAN);
    }

    public void identification(int id) {
        buffer.putShort(offset + IDENTIFICATION_OFFSET, (short) id, BIG_ENDIAN);
    }

    public void flagsAndFragment(int value) {
        buffer.putShort(offset + FLAGS_FRAGMENT_OFFSET, (short) value, BIG_ENDIAN);
    }

    public void ttl(int ttl) {
        buffer.putByte(offset + TTL_OFFSET, (byte) ttl);
    }
}
