package dev.bypass.packetdrill;

import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.TcpHeader;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Frames in and out of the {@link ScriptDevice}: builds the Ethernet + IPv4 + TCP frame of an injected
 * segment (checksums correct, payload zeros), and reads back what the stack sent, with TCP options in
 * their wire order (which {@link dev.bypass.stack.wire.TcpSegment} does not keep).
 */
final class Wire {
    private static final int TTL = 64;

    private Wire() {
    }

    /** What a transmitted frame held. */
    sealed interface Outbound {
    }

    /** A TCP segment; {@code ipChecksumOk} false if the IPv4 header checksum was wrong. */
    record Tcp(int source, int destination, Segment segment, boolean ipChecksumOk) implements Outbound {
    }

    /** An ARP packet (the stack's own business; scripts never see ARP). */
    record Arp() implements Outbound {
    }

    /** Anything else: an ICMP or UDP datagram, a malformed frame. */
    record Other(String description) implements Outbound {
    }

    /** Builds the frame of a segment from {@code source} to {@code destination} (live values). */
    static byte[] tcpFrame(int source, int destination, Segment s) {
        int optionsLength = 0;
        for (TcpOption o : s.options()) {
            optionsLength += o.length();
        }
        int tcpLength = TcpHeader.MIN_LENGTH + optionsLength;
        int ipLength = Ipv4Header.MIN_LENGTH + tcpLength + s.payloadLength();
        byte[] bytes = new byte[EthernetHeader.LENGTH + ipLength];
        UnsafeBuffer b = new UnsafeBuffer(bytes);
        new EthernetHeader().wrap(b, 0).destination(ScriptDevice.MAC).source(ScriptDevice.REMOTE_MAC)
            .type(EthernetHeader.TYPE_IPV4);
        int ip = EthernetHeader.LENGTH;
        Ipv4Header ipv4 = new Ipv4Header().wrap(b, ip);
        ipv4.write(0, ipLength, 0, Ipv4Header.FLAG_DONT_FRAGMENT, TTL, Ipv4Header.PROTOCOL_TCP, source, destination, false);
        int tcp = ip + Ipv4Header.MIN_LENGTH;
        TcpHeader header = new TcpHeader().wrap(b, tcp);
        header.write(s.srcPort(), s.dstPort(), (int) s.seq(), (int) s.ack(), tcpLength, s.flags() & 0xFF, s.window());
        if ((s.flags() & PacketFlags.AE) != 0) {
            b.putByte(tcp + TcpHeader.DATA_OFFSET_OFFSET, (byte) (b.getByte(tcp + TcpHeader.DATA_OFFSET_OFFSET) | 1));
        }
        b.putShort(tcp + TcpHeader.URGENT_POINTER_OFFSET, (short) s.urgent(), BIG_ENDIAN);
        writeOptions(b, tcp + TcpHeader.MIN_LENGTH, s.options());
        int segmentLength = tcpLength + s.payloadLength();
        header.checksum(0);
        int sum = Checksum.add(Checksum.pseudoHeaderV4(source, destination, Ipv4Header.PROTOCOL_TCP, segmentLength),
            Checksum.sum(b, tcp, segmentLength));
        header.checksum(Checksum.finish(sum));
        return bytes;
    }

    private static void writeOptions(UnsafeBuffer b, int offset, List<TcpOption> options) {
        int i = offset;
        for (TcpOption o : options) {
            switch (o) {
                case TcpOption.Eol e -> b.putByte(i, (byte) TcpOption.KIND_EOL);
                case TcpOption.Nop n -> b.putByte(i, (byte) TcpOption.KIND_NOP);
                case TcpOption.Mss m -> {
                    kindLength(b, i, o);
                    b.putShort(i + 2, (short) m.bytes(), BIG_ENDIAN);
                }
                case TcpOption.WindowScale w -> {
                    kindLength(b, i, o);
                    b.putByte(i + 2, (byte) w.shift());
                }
                case TcpOption.SackPermitted s -> kindLength(b, i, o);
                case TcpOption.Sack s -> {
                    kindLength(b, i, o);
                    for (int k = 0; k < s.blocks().size(); k++) {
                        b.putInt(i + 2 + 8 * k, (int) s.blocks().get(k)[0], BIG_ENDIAN);
                        b.putInt(i + 6 + 8 * k, (int) s.blocks().get(k)[1], BIG_ENDIAN);
                    }
                }
                case TcpOption.Timestamp t -> {
                    kindLength(b, i, o);
                    b.putInt(i + 2, (int) t.val(), BIG_ENDIAN);
                    b.putInt(i + 6, (int) t.ecr(), BIG_ENDIAN);
                }
                case TcpOption.Unsupported u -> throw new IllegalStateException("cannot build " + u);
                case TcpOption.Raw r -> throw new IllegalStateException("cannot build " + r);
            }
            i += o.length();
        }
    }

    private static void kindLength(UnsafeBuffer b, int i, TcpOption o) {
        b.putByte(i, (byte) o.kind());
        b.putByte(i + 1, (byte) o.length());
    }

    /** Reads a frame the stack transmitted. */
    static Outbound parse(byte[] frame) {
        UnsafeBuffer b = new UnsafeBuffer(frame);
        if (frame.length < EthernetHeader.LENGTH) {
            return new Other("runt frame of " + frame.length + " bytes");
        }
        int type = b.getShort(EthernetHeader.TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
        if (type == EthernetHeader.TYPE_ARP) {
            return new Arp();
        }
        if (type != EthernetHeader.TYPE_IPV4) {
            return new Other(String.format("ethertype 0x%04x", type));
        }
        int ip = EthernetHeader.LENGTH;
        Ipv4Header ipv4 = new Ipv4Header().wrap(b, ip);
        if (frame.length < ip + Ipv4Header.MIN_LENGTH || ipv4.headerLength() < Ipv4Header.MIN_LENGTH) {
            return new Other("malformed IPv4 header");
        }
        int total = ipv4.totalLength();
        if (ipv4.protocol() != Ipv4Header.PROTOCOL_TCP) {
            return new Other(ipv4.protocol() == Ipv4Header.PROTOCOL_ICMP ? "icmpv4" : "ip protocol " + ipv4.protocol());
        }
        boolean checksumOk = ipv4.checksumValid();
        int tcp = ip + ipv4.headerLength();
        int end = Math.min(frame.length, ip + total);
        if (end - tcp < TcpHeader.MIN_LENGTH) {
            return new Other("truncated TCP header");
        }
        TcpHeader header = new TcpHeader().wrap(b, tcp);
        int headerLength = header.headerLength();
        if (headerLength < TcpHeader.MIN_LENGTH || tcp + headerLength > end) {
            return new Other("malformed TCP header");
        }
        int flags = header.flags() | ((b.getByte(tcp + TcpHeader.DATA_OFFSET_OFFSET) & 1) != 0 ? PacketFlags.AE : 0);
        List<TcpOption> options = readOptions(b, tcp + TcpHeader.MIN_LENGTH, headerLength - TcpHeader.MIN_LENGTH);
        int payload = end - tcp - headerLength;
        boolean zero = true;
        for (int i = tcp + headerLength; i < end && zero; i++) {
            zero = frame[i] == 0;
        }
        Segment s = new Segment(header.sourcePort(), header.destinationPort(), flags,
            header.sequence() & 0xFFFF_FFFFL, header.acknowledgment() & 0xFFFF_FFFFL, header.window(),
            header.urgentPointer(), options, payload, zero);
        return new Tcp(ipv4.source(), ipv4.destination(), s, checksumOk);
    }

    private static List<TcpOption> readOptions(UnsafeBuffer b, int offset, int length) {
        List<TcpOption> out = new ArrayList<>();
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int kind = b.getByte(i) & 0xFF;
            if (kind == TcpOption.KIND_EOL) {
                out.add(new TcpOption.Eol());
                i++;
                continue;
            }
            if (kind == TcpOption.KIND_NOP) {
                out.add(new TcpOption.Nop());
                i++;
                continue;
            }
            if (i + 1 >= end) {
                out.add(new TcpOption.Raw(kind, end - i));
                break;
            }
            int len = b.getByte(i + 1) & 0xFF;
            if (len < 2 || i + len > end) {
                out.add(new TcpOption.Raw(kind, len));
                break;
            }
            out.add(switch (kind) {
                case TcpOption.KIND_MSS -> len == 4 ? new TcpOption.Mss(b.getShort(i + 2, BIG_ENDIAN) & 0xFFFF)
                    : new TcpOption.Raw(kind, len);
                case TcpOption.KIND_WINDOW_SCALE -> len == 3 ? new TcpOption.WindowScale(b.getByte(i + 2) & 0xFF)
                    : new TcpOption.Raw(kind, len);
                case TcpOption.KIND_SACK_PERMITTED -> len == 2 ? new TcpOption.SackPermitted()
                    : new TcpOption.Raw(kind, len);
                case TcpOption.KIND_SACK -> {
                    if ((len - 2) % 8 != 0) {
                        yield new TcpOption.Raw(kind, len);
                    }
                    List<long[]> blocks = new ArrayList<>();
                    for (int k = 0; k < (len - 2) / 8; k++) {
                        blocks.add(new long[] {b.getInt(i + 2 + 8 * k, BIG_ENDIAN) & 0xFFFF_FFFFL,
                            b.getInt(i + 6 + 8 * k, BIG_ENDIAN) & 0xFFFF_FFFFL});
                    }
                    yield new TcpOption.Sack(List.copyOf(blocks));
                }
                case TcpOption.KIND_TIMESTAMP -> len == 10 ? new TcpOption.Timestamp(
                    b.getInt(i + 2, BIG_ENDIAN) & 0xFFFF_FFFFL, b.getInt(i + 6, BIG_ENDIAN) & 0xFFFF_FFFFL)
                    : new TcpOption.Raw(kind, len);
                default -> new TcpOption.Raw(kind, len);
            });
            i += len;
        }
        return List.copyOf(out);
    }
}
