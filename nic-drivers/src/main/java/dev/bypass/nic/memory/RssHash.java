package dev.bypass.nic.memory;

import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.bypass.stack.device.Toeplitz;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.Ipv4Header;
import org.agrona.DirectBuffer;

/**
 * The receive-side-scaling hash a NIC computes over an Ethernet frame, with the inputs hardware uses for
 * IPv4 (Microsoft RSS specification): the 4-tuple (source address, destination address, source port,
 * destination port) of TCP and UDP, the 2-tuple of addresses for other IPv4 traffic and for fragments
 * (whose ports are not in every fragment), and no hash for anything else.
 *
 * <p>Reads the frame with absolute big-endian reads and keeps no state, so the sending threads of a
 * network may classify frames for one receiving NIC at once.
 */
public final class RssHash {
    /** Returned for frames that are not IPv4 (ARP, IPv6, runts): no hash, queue 0. */
    public static final long NO_HASH = -1;
    /** Both ports: the first 4 bytes of a TCP or UDP header. */
    private static final int PORTS_BYTES = 4;

    private RssHash() {
    }

    /**
     * The hash of the frame of {@code length} bytes at {@code offset} as an unsigned 32-bit value, or
     * {@link #NO_HASH}. Up to two VLAN tags are skipped.
     */
    public static long of(Toeplitz toeplitz, DirectBuffer frame, int offset, int length) {
        if (length < EthernetHeader.LENGTH) {
            return NO_HASH;
        }
        int l2 = EthernetHeader.LENGTH;
        int type = frame.getShort(offset + EthernetHeader.TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
        for (int tags = 0; (type == EthernetHeader.TYPE_VLAN || type == EthernetHeader.TYPE_QINQ) && tags < 2; tags++) {
            l2 += EthernetHeader.VLAN_TAG_LENGTH;
            if (length < l2) {
                return NO_HASH;
            }
            type = frame.getShort(offset + l2 - 2, BIG_ENDIAN) & 0xFFFF;
        }
        int ip = offset + l2;
        if (type != EthernetHeader.TYPE_IPV4 || length - l2 < Ipv4Header.MIN_LENGTH) {
            return NO_HASH;
        }
        int versionIhl = frame.getByte(ip + Ipv4Header.VERSION_IHL_OFFSET);
        int ihl = (versionIhl & 0xF) * 4;
        if ((versionIhl & 0xF0) != 0x40 || ihl < Ipv4Header.MIN_LENGTH || length - l2 < ihl) {
            return NO_HASH;
        }
        int source = frame.getInt(ip + Ipv4Header.SOURCE_OFFSET, BIG_ENDIAN);
        int destination = frame.getInt(ip + Ipv4Header.DESTINATION_OFFSET, BIG_ENDIAN);
        int protocol = frame.getByte(ip + Ipv4Header.PROTOCOL_OFFSET) & 0xFF;
        int fragment = frame.getShort(ip + Ipv4Header.FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN)
            & (Ipv4Header.FLAG_MORE_FRAGMENTS | Ipv4Header.FRAGMENT_OFFSET_MASK);
        boolean ports = (protocol == Ipv4Header.PROTOCOL_TCP || protocol == Ipv4Header.PROTOCOL_UDP)
            && fragment == 0 && length - l2 - ihl >= PORTS_BYTES;
        if (!ports) {
            return toeplitz.hash(source, destination) & 0xFFFF_FFFFL;
        }
        int sourcePort = frame.getShort(ip + ihl, BIG_ENDIAN) & 0xFFFF;
        int destinationPort = frame.getShort(ip + ihl + 2, BIG_ENDIAN) & 0xFFFF;
        return toeplitz.hash(source, destination, sourcePort, destinationPort) & 0xFFFF_FFFFL;
    }
}
