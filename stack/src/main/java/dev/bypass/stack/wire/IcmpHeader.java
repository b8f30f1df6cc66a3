package dev.bypass.stack.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

/**
 * ICMP header (RFC 792, RFC 1191 for "fragmentation needed"), flyweight. All fields big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | echo: Identifier | Sequence; frag needed: unused | Next-Hop MTU|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  echo: data;  errors: the IP header + 8 bytes of the datagram  |
 * </pre>
 */
public final class IcmpHeader {
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int REST_OFFSET = 4;
    public static final int LENGTH = 8;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_PARAMETER_PROBLEM = 12;

    public static final int CODE_NET_UNREACHABLE = 0;
    public static final int CODE_HOST_UNREACHABLE = 1;
    public static final int CODE_PROTOCOL_UNREACHABLE = 2;
    public static final int CODE_PORT_UNREACHABLE = 3;
    public static final int CODE_FRAGMENTATION_NEEDED = 4;

    private MutableDirectBuffer buffer;
    private int offset;

    public IcmpHeader wrap(MutableDirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int type() {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    public int code() {
        return buffer.getByte(offset + CODE_OFFSET) & 0xFF;
    }

    public int checksum() {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int identifier() {
        return buffer.getShort(offset + REST_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int sequence() {
        return buffer.getShort(offset + REST_OFFSET + 2, BIG_ENDIAN) & 0xFFFF;
    }

    /** Next-hop MTU of a "fragmentation needed" message (RFC 1191); 0 from pre-RFC 1191 routers. */
    public int nextHopMtu() {
        return buffer.getShort(offset + REST_OFFSET + 2, BIG_ENDIAN) & 0xFFFF;
    }

    public IcmpHeader type(int type) {
        buffer.putByte(offset + TYPE_OFFSET, (byte) type);
        return this;
    }

    public IcmpHeader code(int code) {
        buffer.putByte(offset + CODE_OFFSET, (byte) code);
        return this;
    }

    /** The 4 bytes after the checksum (identifier+sequence, or unused+next-hop MTU). */
    public IcmpHeader rest(int value) {
        buffer.putInt(offset + REST_OFFSET, value, BIG_ENDIAN);
        return this;
    }

    /** Computes the checksum over the whole message of {@code length} bytes. */
    public void updateChecksum(int length) {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short) 0);
        buffer.putShort(offset + CHECKSUM_OFFSET, (short) Checksum.finish(Checksum.sum(buffer, offset, length)), BIG_ENDIAN);
    }
}
