package dev.bypass.stack.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.bypass.stack.addr.MacAddress;
import org.agrona.MutableDirectBuffer;

/**
 * ARP packet for IPv4 over Ethernet (RFC 826), flyweight. All fields big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     hardware type (1)         |     protocol type (0x0800)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | hw len (6)    | proto len (4) |  operation (1 req, 2 reply)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              sender hardware address (48 bits)                |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               | sender protocol address (32)  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  target hardware address (48) +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 target protocol address (32)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class ArpPacket {
    public static final int HARDWARE_TYPE_OFFSET = 0;
    public static final int PROTOCOL_TYPE_OFFSET = 2;
    public static final int HARDWARE_LENGTH_OFFSET = 4;
    public static final int PROTOCOL_LENGTH_OFFSET = 5;
    public static final int OPERATION_OFFSET = 6;
    public static final int SENDER_MAC_OFFSET = 8;
    public static final int SENDER_IP_OFFSET = 14;
    public static final int TARGET_MAC_OFFSET = 18;
    public static final int TARGET_IP_OFFSET = 24;
    public static final int LENGTH = 28;

    public static final int HARDWARE_ETHERNET = 1;
    public static final int OPERATION_REQUEST = 1;
    public static final int OPERATION_REPLY = 2;

    private MutableDirectBuffer buffer;
    private int offset;

    public ArpPacket wrap(MutableDirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** True if the fixed fields say Ethernet/IPv4 with 6- and 4-byte addresses. */
    public boolean isEthernetIpv4() {
        return (buffer.getShort(offset + HARDWARE_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF) == HARDWARE_ETHERNET
            && (buffer.getShort(offset + PROTOCOL_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF) == EthernetHeader.TYPE_IPV4
            && buffer.getByte(offset + HARDWARE_LENGTH_OFFSET) == 6
            && buffer.getByte(offset + PROTOCOL_LENGTH_OFFSET) == 4;
    }

    public int operation() {
        return buffer.getShort(offset + OPERATION_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public long senderMac() {
        return MacAddress.read(buffer, offset + SENDER_MAC_OFFSET);
    }

    public int senderIp() {
        return buffer.getInt(offset + SENDER_IP_OFFSET, BIG_ENDIAN);
    }

    public long targetMac() {
        return MacAddress.read(buffer, offset + TARGET_MAC_OFFSET);
    }

    public int targetIp() {
        return buffer.getInt(offset + TARGET_IP_OFFSET, BIG_ENDIAN);
    }

    /** Writes a whole Ethernet/IPv4 ARP packet. */
    public void write(int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
        buffer.putShort(offset + HARDWARE_TYPE_OFFSET, (short) HARDWARE_ETHERNET, BIG_ENDIAN);
        buffer.putShort(offset + PROTOCOL_TYPE_OFFSET, (short) EthernetHeader.TYPE_IPV4, BIG_ENDIAN);
        buffer.putByte(offset + HARDWARE_LENGTH_OFFSET, (byte) 6);
        buffer.putByte(offset + PROTOCOL_LENGTH_OFFSET, (byte) 4);
        buffer.putShort(offset + OPERATION_OFFSET, (short) operation, BIG_ENDIAN);
        MacAddress.write(buffer, offset + SENDER_MAC_OFFSET, senderMac);
        buffer.putInt(offset + SENDER_IP_OFFSET, senderIp, BIG_ENDIAN);
        MacAddress.write(buffer, offset + TARGET_MAC_OFFSET, targetMac);
        buffer.putInt(offset + TARGET_IP_OFFSET, targetIp, BIG_ENDIAN);
    }
}
