package dev.bypass.stack.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.bypass.stack.addr.MacAddress;
import org.agrona.MutableDirectBuffer;

/**
 * Ethernet II header (IEEE 802.3 with an EtherType), optionally with one 802.1Q tag (or an 802.1ad
 * outer tag followed by an 802.1Q tag), flyweight over a buffer. All fields big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  destination MAC (48 bits)                    |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+       source MAC (48 bits)    +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     EtherType or TPID         |  (if TPID 0x8100/0x88a8: TCI, |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   then the real EtherType)    |
 * </pre>
 */
public final class EthernetHeader {
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int TYPE_OFFSET = 12;
    public static final int LENGTH = 14;
    public static final int VLAN_TAG_LENGTH = 4;
    /** Shortest frame on the wire without the FCS; shorter frames are padded. */
    public static final int MIN_FRAME_LENGTH = 60;

    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    public static final int TYPE_IPV6 = 0x86DD;
    public static final int TYPE_VLAN = 0x8100;
    public static final int TYPE_QINQ = 0x88A8;

    private MutableDirectBuffer buffer;
    private int offset;

    public EthernetHeader wrap(MutableDirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public long destination() {
        return MacAddress.read(buffer, offset + DESTINATION_OFFSET);
    }

    public long source() {
        return MacAddress.read(buffer, offset + SOURCE_OFFSET);
    }

    /** The first EtherType field (a TPID if the frame is tagged). */
    public int outerType() {
        return buffer.getShort(offset + TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Bytes of header before the payload, skipping up to two VLAN tags, or -1 if {@code frameLength}
     * cannot hold them. Callers check the length once here; accessors after it stay inside the frame.
     */
    public int headerLength(int frameLength) {
        int len = LENGTH;
        int type = outerType();
        for (int tags = 0; (type == TYPE_VLAN || type == TYPE_QINQ) && tags < 2; tags++) {
            len += VLAN_TAG_LENGTH;
            if (frameLength < len) {
                return -1;
            }
            type = buffer.getShort(offset + len - 2, BIG_ENDIAN) & 0xFFFF;
        }
        return frameLength < len ? -1 : len;
    }

    /** The EtherType of the payload: the type after the tags of a header {@code headerLength} long. */
    public int payloadType(int headerLength) {
        return buffer.getShort(offset + headerLength - 2, BIG_ENDIAN) & 0xFFFF;
    }

    /** The 802.1Q VLAN id of the innermost tag, or -1 if untagged. */
    public int vlanId(int headerLength) {
        return headerLength == LENGTH ? -1 : buffer.getShort(offset + headerLength - 4, BIG_ENDIAN) & 0x0FFF;
    }

    public EthernetHeader destination(long mac) {
        MacAddress.write(buffer, offset + DESTINATION_OFFSET, mac);
        return this;
    }

    public EthernetHeader source(long mac) {
        MacAddress.write(buffer, offset + SOURCE_OFFSET, mac);
        return this;
    }

    public EthernetHeader type(int etherType) {
        buffer.putShort(offset + TYPE_OFFSET, (short) etherType, BIG_ENDIAN);
        return this;
    }
}
