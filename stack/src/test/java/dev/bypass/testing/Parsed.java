package dev.bypass.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.IcmpHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.TcpHeader;
import dev.bypass.stack.wire.TcpSegment;
import dev.bypass.stack.wire.UdpHeader;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An emitted frame taken apart for assertions. Parsing asserts what every frame the stack sends must
 * satisfy: minimum length, a right IPv4 header checksum, total length, and a right TCP/UDP/ICMP checksum
 * (unless the frame left the checksum to the device).
 */
public final class Parsed {
    public final byte[] bytes;
    public final long destinationMac;
    public final long sourceMac;
    public final int etherType;
    // ARP
    public int arpOperation;
    public long arpSenderMac;
    public int arpSenderIp;
    public long arpTargetMac;
    public int arpTargetIp;
    // IPv4
    public int ipSource;
    public int ipDestination;
    public int ipProtocol;
    public int ipTtl;
    public int ipId;
    public int ipFlagsAndFragment;
    public int ipTotalLength;
    // TCP
    public TcpSegment tcp;
    // UDP
    public int udpSourcePort;
    public int udpDestinationPort;
    // ICMP
    public int icmpType;
    public int icmpCode;
    public int icmpRest;
    /** Transport payload (TCP data, UDP data, ICMP body after the 8-byte header). */
    public byte[] payload = new byte[0];

    private Parsed(byte[] bytes) {
        this.bytes = bytes;
        UnsafeBuffer buf = new UnsafeBuffer(bytes);
        assertTrue(bytes.length >= EthernetHeader.MIN_FRAME_LENGTH, "frame shorter than 60 bytes: " + bytes.length);
        EthernetHeader eth = new EthernetHeader().wrap(buf, 0);
        destinationMac = eth.destination();
        sourceMac = eth.source();
        etherType = eth.outerType();
        int off = EthernetHeader.LENGTH;
        if (etherType == EthernetHeader.TYPE_ARP) {
            ArpPacket arp = new ArpPacket().wrap(buf, off);
            assertTrue(arp.isEthernetIpv4());
            arpOperation = arp.operation();
            arpSenderMac = arp.senderMac();
            arpSenderIp = arp.senderIp();
            arpTargetMac = arp.targetMac();
            arpTargetIp = arp.targetIp();
            return;
        }
        assertEquals(EthernetHeader.TYPE_IPV4, etherType, "unexpected EtherType");
        Ipv4Header ip = new Ipv4Header().wrap(buf, off);
        assertEquals(4, ip.version());
        assertTrue(ip.checksumValid(), "IPv4 header checksum wrong");
        ipSource = ip.source();
        ipDestination = ip.destination();
        ipProtocol = ip.protocol();
        ipTtl = ip.ttl();
        ipId = ip.identification();
        ipFlagsAndFragment = ip.flagsAndFragment();
        ipTotalLength = ip.totalLength();
        int hl = ip.headerLength();
        assertTrue(off + ipTotalLength <= bytes.length, "IP total length past the frame");
        int l4 = off + hl;
        int l4Length = ipTotalLength - hl;
        boolean fragment = (ipFlagsAndFragment & (Ipv4Header.FLAG_MORE_FRAGMENTS | Ipv4Header.FRAGMENT_OFFSET_MASK)) != 0;
        if (fragment) {
            payload = Arrays.copyOfRange(bytes, l4, l4 + l4Length);
            return;
        }
        switch (ipProtocol) {
            case Ipv4Header.PROTOCOL_TCP -> {
                assertTrue(Checksum.isValid(Checksum.add(Checksum.pseudoHeaderV4(ipSource, ipDestination, 6, l4Length),
                    Checksum.sum(buf, l4, l4Length))), "TCP checksum wrong");
                tcp = new TcpSegment();
                assertTrue(tcp.parse(buf, l4, l4Length), "TCP header malformed");
                payload = Arrays.copyOfRange(bytes, tcp.payloadOffset, tcp.payloadOffset + tcp.payloadLength);
            }
            case Ipv4Header.PROTOCOL_UDP -> {
                UdpHeader udp = new UdpHeader().wrap(buf, l4);
                if (udp.checksum() != 0) {
                    assertTrue(Checksum.isValid(Checksum.add(Checksum.pseudoHeaderV4(ipSource, ipDestination, 17,
                        l4Length), Checksum.sum(buf, l4, l4Length))), "UDP checksum wrong");
                }
                udpSourcePort = udp.sourcePort();
                udpDestinationPort = udp.destinationPort();
                payload = Arrays.copyOfRange(bytes, l4 + UdpHeader.LENGTH, l4 + udp.length());
            }
            case Ipv4Header.PROTOCOL_ICMP -> {
                assertTrue(Checksum.isValid(Checksum.sum(buf, l4, l4Length)), "ICMP checksum wrong");
                IcmpHeader icmp = new IcmpHeader().wrap(buf, l4);
                icmpType = icmp.type();
                icmpCode = icmp.code();
                icmpRest = buf.getInt(l4 + 4, java.nio.ByteOrder.BIG_ENDIAN);
                payload = Arrays.copyOfRange(bytes, l4 + IcmpHeader.LENGTH, l4 + l4Length);
            }
            default -> {
            }
        }
    }

    public static Parsed of(byte[] bytes) {
        return new Parsed(bytes);
    }

    public boolean isTcp() {
        return tcp != null;
    }

    public boolean isArp() {
        return etherType == EthernetHeader.TYPE_ARP;
    }

    @Override
    public String toString() {
        if (isArp()) {
            return "ARP op=" + arpOperation + " " + IpAddress.v4ToString(arpSenderIp) + " -> " + IpAddress.v4ToString(arpTargetIp);
        }
        String addr = IpAddress.v4ToString(ipSource) + " > " + IpAddress.v4ToString(ipDestination) + " ";
        if (tcp != null) {
            return addr + "TCP " + tcp;
        }
        if (ipProtocol == 17) {
            return addr + "UDP " + udpSourcePort + ">" + udpDestinationPort + " len=" + payload.length;
        }
        if (ipProtocol == 1) {
            return addr + "ICMP type=" + icmpType + " code=" + icmpCode;
        }
        return addr + "proto " + ipProtocol;
    }

    public String flags() {
        return TcpHeader.flagsToString(tcp.flags);
    }
}
