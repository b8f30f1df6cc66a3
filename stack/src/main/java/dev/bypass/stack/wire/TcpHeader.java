package dev.bypass.stack.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

/**
 * TCP header (RFC 9293 section 3.1), flyweight. All fields big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (Data Offset > 5)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class TcpHeader {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACKNOWLEDGMENT_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_POINTER_OFFSET = 18;
    public static final int OPTIONS_OFFSET = 20;
    public static final int MIN_LENGTH = 20;
    public static final int MAX_LENGTH = 60;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    private MutableDirectBuffer buffer;
    private int offset;

    public TcpHeader wrap(MutableDirectBuffer buffer, int offset) {
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

    public int sequence() {
        return buffer.getInt(offset + SEQUENCE_OFFSET, BIG_ENDIAN);
    }

    public int acknowledgment() {
        return buffer.getInt(offset + ACKNOWLEDGMENT_OFFSET, BIG_ENDIAN);
    }

    /** Header length in bytes (data offset * 4). */
    public int headerLength() {
        return ((buffer.getByte(offset + DATA_OFFSET_OFFSET) >> 4) & 0xF) * 4;
    }

    public int flags() {
        return buffer.getByte(offset + FLAGS_OFFSET) & 0xFF;
    }

    public int window() {
        return buffer.getShort(offset + WINDOW_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int checksum() {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int urgentPointer() {
        return buffer.getShort(offset + URGENT_POINTER_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /** Writes the fixed 20 bytes; the checksum field is zeroed. */
    public void write(int sourcePort, int destinationPort, int sequence, int acknowledgment, int headerLength,
                      int flags, int window) {
        buffer.putShort(offset + SOURCE_PORT_OFFSET, (short) sourcePort, BIG_ENDIAN);
        buffer.putShort(offset + DESTINATION_PORT_OFFSET, (short) destinationPort, BIG_ENDIAN);
        buffer.putInt(offset + SEQUENCE_OFFSET, sequence, BIG_ENDIAN);
        buffer.putInt(offset + ACKNOWLEDGMENT_OFFSET, acknowledgment, BIG_ENDIAN);
        buffer.putByte(offset + DATA_OFFSET_OFFSET, (byte) ((headerLength / 4) << 4));
        buffer.putByte(offset + FLAGS_OFFSET, (byte) flags);
        buffer.putShort(offset + WINDOW_OFFSET, (short) window, BIG_ENDIAN);
        buffer.putInt(offset + CHECKSUM_OFFSET, 0);
    }

    public void sequence(int sequence) {
        buffer.putInt(offset + SEQUENCE_OFFSET, sequence, BIG_ENDIAN);
    }

    public void flags(int flags) {
        buffer.putByte(offset + FLAGS_OFFSET, (byte) flags);
    }

    public void checksum(int checksum) {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short) checksum, BIG_ENDIAN);
    }

    public static String flagsToString(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & SYN) != 0) {
            sb.append('S');
        }
        if ((flags & FIN) != 0) {
            sb.append('F');
        }
        if ((flags & RST) != 0) {
            sb.append('R');
        }
        if ((flags & PSH) != 0) {
            sb.append('P');
        }
        if ((flags & ACK) != 0) {
            sb.append('.');
        }
        if ((flags & URG) != 0) {
            sb.append('U');
        }
        if ((flags & ECE) != 0) {
            sb.append('E');
        }
        if ((flags & CWR) != 0) {
            sb.append('W');
        }
        return sb.toString();
    }
}
