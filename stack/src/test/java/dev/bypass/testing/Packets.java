package dev.bypass.testing;

import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.IcmpHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.TcpHeader;
import dev.bypass.stack.wire.TcpSegment;
import dev.bypass.stack.wire.UdpHeader;
import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.UnsafeBuffer;

/** Builds whole Ethernet frames, as a peer would send them, with correct checksums (for tests). */
public final class Packets {
    private Packets() {
    }

    public static byte[] ethernet(long destination, long source, int type, byte[] payload) {
        byte[] b = new byte[EthernetHeader.LENGTH + payload.length];
        UnsafeBuffer buf = new UnsafeBuffer(b);
        new EthernetHeader().wrap(buf, 0).destination(destination).source(source).type(type);
        buf.putBytes(EthernetHeader.LENGTH, payload);
        return b;
    }

    public static byte[] arp(int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
        byte[] b = new byte[ArpPacket.LENGTH];
        new ArpPacket().wrap(new UnsafeBuffer(b), 0).write(operation, senderMac, senderIp, targetMac, targetIp);
        return b;
    }

    /** An IPv4 packet with a 20-byte header. */
    public static byte[] ipv4(int source, int destination, int protocol, int identification, int flagsAndFragment, int ttl,
                              byte[] payload) {
        byte[] b = new byte[Ipv4Header.MIN_LENGTH + payload.length];
        UnsafeBuffer buf = new UnsafeBuffer(b);
        new Ipv4Header().wrap(buf, 0).write(0, b.length, identification, flagsAndFragment, ttl, protocol, source, destination,
            false);
        buf.putBytes(Ipv4Header.MIN_LENGTH, payload);
        return b;
    }

    public static byte[] udp(int source, int destination, int sourcePort, int destinationPort, byte[] data) {
        byte[] b = new byte[UdpHeader.LENGTH + data.length];
        UnsafeBuffer buf = new UnsafeBuffer(b);
        new UdpHeader().wrap(buf, 0).write(sourcePort, destinationPort, b.length, 0);
        buf.putBytes(UdpHeader.LENGTH, data);
        int sum = Checksum.add(Checksum.pseudoHeaderV4(source, destination, Ipv4Header.PROTOCOL_UDP, b.length),
            Checksum.sum(buf, 0, b.length));
        int c = Checksum.finish(sum);
        new UdpHeader().wrap(buf, 0).checksum(c == 0 ? 0xFFFF : c);
        return b;
    }

    public static byte[] icmp(int type, int code, int rest, byte[] data) {
        byte[] b = new byte[IcmpHeader.LENGTH + data.length];
        UnsafeBuffer buf = new UnsafeBuffer(b);
        new IcmpHeader().wrap(buf, 0).type(type).code(code).rest(rest);
        buf.putBytes(IcmpHeader.LENGTH, data);
        new IcmpHeader().wrap(buf, 0).updateChecksum(b.length);
        return b;
    }

    /** A TCP segment with the given options (negative mss/wscale: absent) and a correct checksum. */
    public static byte[] tcp(int source, int destination, int sourcePort, int destinationPort, int seq, int ack, int flags,
                             int window, int mss, int wscale, boolean sackPermitted, boolean timestamps, int tsVal, int tsEcr,
                             byte[] data) {
        return tcp(source, destination, sourcePort, destinationPort, seq, ack, flags, window, mss, wscale, sackPermitted,
            timestamps, tsVal, tsEcr, new int[0], data);
    }

    /** As above, with SACK blocks ({@code start, end} pairs). */
    public static byte[] tcp(int source, int destination, int sourcePort, int destinationPort, int seq, int ack, int flags,
                             int window, int mss, int wscale, boolean sackPermitted, boolean timestamps, int tsVal, int tsEcr,
                             int[] sackBlocks, byte[] data) {
        int blocks = sackBlocks.length / 2;
        int optionsLength = TcpSegment.optionsLength(mss >= 0, wscale >= 0, sackPermitted, timestamps, blocks);
        int headerLength = TcpHeader.MIN_LENGTH + optionsLength;
        byte[] b = new byte[headerLength + data.length];
        UnsafeBuffer buf = new UnsafeBuffer(b);
        new TcpHeader().wrap(buf, 0).write(sourcePort, destinationPort, seq, ack, headerLength, flags, window);
        TcpSegment.emitOptions(buf, TcpHeader.MIN_LENGTH, mss, wscale, sackPermitted, timestamps, tsVal, tsEcr, sackBlocks, blocks);
        buf.putBytes(headerLength, data);
        int sum = Checksum.add(Checksum.pseudoHeaderV4(source, destination, Ipv4Header.PROTOCOL_TCP, b.length),
            Checksum.sum(buf, 0, b.length));
        new TcpHeader().wrap(buf, 0).checksum(Checksum.finish(sum));
        return b;
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    public static int readInt(byte[] b, int offset) {
        return new UnsafeBuffer(b).getInt(offset, BIG_ENDIAN);
    }
}
