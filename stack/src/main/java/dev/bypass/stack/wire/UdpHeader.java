package dev.bypass.stack.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

/**
 * UDP header (RFC 768), flyweight. All fields big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Length             |           Checksum            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Length covers header and data. Over IPv4 a checksum of 0 means "not computed"; a computed 0 is sent
 * as 0xFFFF.
 */
public final class UdpHeader {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;
    public static final int LENGTH = 8;

    private MutableDirectBuffer buffer;
    private int offset;

    public UdpHeader wrap(MutableDirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int sourcePort() {
        return buffer.getShort(offset + SOURCE_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int destinationPort() {
        return buffer.getShort(offset + DESTINATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int length() {
        return buffer.getShort(offset + LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int checksum() {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /** Writes the header; the checksum field is set to {@code checksum} as given. */
    public void write(int sourcePort, int destinationPort, int length, int checksum) {
        buffer.putShort(offset + SOURCE_PORT_OFFSET, (short) sourcePort, BIG_ENDIAN);
        buffer.putShort(offset + DESTINATION_PORT_OFFSET, (short) destinationPort, BIG_ENDIAN);
        buffer.putShort(offset + LENGTH_OFFSET, (short) length, BIG_ENDIAN);
        buffer.putShort(offset + CHECKSUM_OFFSET, (short) checksum, BIG_ENDIAN);
    }

    public void checksum(int checksum) {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short) checksum, BIG_ENDIAN);
    }
}
