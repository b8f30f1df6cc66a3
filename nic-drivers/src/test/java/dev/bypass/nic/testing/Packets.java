package dev.bypass.nic.testing;

import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.FramePool;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Byte-array frame fixtures for the driver tests, built field by field with a reference checksum that
 * shares no code with the stack's {@code Checksum}: what the software offloads must reproduce exactly.
 * Fields are public and mutable; set them, then call {@link #tcp} or {@link #udp}.
 */
public final class Packets {
    public static final int ETHERNET = 14;
    public static final int IPV4 = 20;
    public static final int TCP = 20;
    public static final int UDP = 8;

    public long sourceMac = 0x02_00_00_00_00_01L;
    public long destinationMac = 0x02_00_00_00_00_02L;
    public int vlanId = -1;
    public int sourceIp = 0xC6_12_00_01; // 198.18.0.1
    public int destinationIp = 0xC6_12_00_02; // 198.18.0.2
    public int ipId = 0x1234;
    public int ipFlagsAndFragment = 0x4000; // don't fragment
    public int ttl = 64;
    public int sourcePort = 40_000;
    public int destinationPort = 80;
    public int seq = 1_000;
    public int ack = 2_000;
    public int tcpFlags = 0x10; // ACK
    public int window = 65_535;
    public byte[] tcpOptions = new byte[0];

    /** A fixture with the defaults. */
    public static Packets packets() {
        return new Packets();
    }

    /** A fixture with the defaults, from {@code sourceMac} to {@code destinationMac}. */
    public static Packets between(long sourceMac, long destinationMac) {
        Packets p = new Packets();
        p.sourceMac = sourceMac;
        p.destinationMac = destinationMac;
        return p;
    }

    public Packets copy() {
        Packets p = new Packets();
        p.sourceMac = sourceMac;
        p.destinationMac = destinationMac;
        p.vlanId = vlanId;
        p.sourceIp = sourceIp;
        p.destinationIp = destinationIp;
        p.ipId = ipId;
        p.ipFlagsAndFragment = ipFlagsAndFragment;
        p.ttl = ttl;
        p.sourcePort = sourcePort;
        p.destinationPort = destinationPort;
        p.seq = seq;
        p.ack = ack;
        p.tcpFlags = tcpFlags;
        p.window = window;
        p.tcpOptions = tcpOptions.clone();
        return p;
    }

    /** Bytes of the Ethernet header (with the VLAN tag if {@link #vlanId} is set). */
    public int l2Length() {
        return vlanId < 0 ? ETHERNET : ETHERNET + 4;
    }

    /** TCP header length with the options. */
    public int tcpHeaderLength() {
        return TCP + tcpOptions.length;
    }

    /** An Ethernet/IPv4/TCP frame with correct checksums. */
    public byte[] tcp(byte[] payload) {
        int l4 = tcpHeaderLength() + payload.length;
        ByteBuffer b = ipv4(6, l4);
        int tcpStart = b.position();
        b.putShort((short) sourcePort).putShort((short) destinationPort).putInt(seq).putInt(ack)
            .put((byte) ((tcpHeaderLength() / 4) << 4)).put((byte) tcpFlags).putShort((short) window)
            .putShort((short) 0).putShort((short) 0).put(tcpOptions).put(payload);
        byte[] frame = b.array();
        putShort(frame, tcpStart + 16, l4Checksum(frame, tcpStart, l4, 6));
        return frame;
    }

    /** An Ethernet/IPv4/UDP frame with correct checksums (a computed 0 sent as 0xFFFF). */
    public byte[] udp(byte[] payload) {
        int l4 = UDP + payload.length;
        ByteBuffer b = ipv4(17, l4);
        int udpStart = b.position();
        b.putShort((short) sourcePort).putShort((short) destinationPort).putShort((short) l4).putShort((short) 0).put(payload);
        byte[] frame = b.array();
        int checksum = l4Checksum(frame, udpStart, l4, 17);
        putShort(frame, udpStart + 6, checksum == 0 ? 0xFFFF : checksum);
        return frame;
    }

    /** An ICMP echo request (type 8) or reply (0) with {@code data} after its identifier and sequence number. */
    public byte[] icmpEcho(int type, int identifier, int sequence, byte[] data) {
        ByteBuffer b = ipv4(1, 8 + data.length);
        int at = b.position();
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) identifier).putShort((short) sequence).put(data);
        byte[] frame = b.array();
        putShort(frame, at + 2, finish(sum(frame, at, 8 + data.length, 0)));
        return frame;
    }

    /** An ARP request (no IP at all): 42 bytes. */
    public byte[] arp() {
        ByteBuffer b = ByteBuffer.allocate(ETHERNET + 28);
        putMac(b, 0xFFFF_FFFF_FFFFL);
        putMac(b, sourceMac);
        b.putShort((short) 0x0806).putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        putMac(b, sourceMac);
        b.putInt(sourceIp);
        putMac(b, 0);
        b.putInt(destinationIp);
        return b.array();
    }

    private ByteBuffer ipv4(int protocol, int l4Length) {
        int l2 = l2Length();
        ByteBuffer b = ByteBuffer.allocate(l2 + IPV4 + l4Length);
        putMac(b, destinationMac);
        putMac(b, sourceMac);
        if (vlanId >= 0) {
            b.putShort((short) 0x8100).putShort((short) vlanId);
        }
        b.putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (IPV4 + l4Length)).putShort((short) ipId)
            .putShort((short) ipFlagsAndFragment).put((byte) ttl).put((byte) protocol).putShort((short) 0)
            .putInt(sourceIp).putInt(destinationIp);
        putShort(b.array(), l2 + 10, finish(sum(b.array(), l2, IPV4, 0)));
        return b;
    }

    private int l4Checksum(byte[] frame, int start, int length, int protocol) {
        return finish(sum(frame, start, length, pseudoHeaderSum(sourceIp, destinationIp, protocol, length)));
    }

    /** RFC 1071 the slow way: big-endian 16-bit words, odd byte padded, end-around carry. Not complemented. */
    public static int sum(byte[] data, int offset, int length, int initial) {
        long acc = initial;
        for (int i = 0; i < length; i += 2) {
            int hi = data[offset + i] & 0xFF;
            int lo = i + 1 < length ? data[offset + i + 1] & 0xFF : 0;
            acc += (hi << 8) | lo;
        }
        while ((acc >>> 16) != 0) {
            acc = (acc & 0xFFFF) + (acc >>> 16);
        }
        return (int) acc;
    }

    public static int finish(int sum) {
        return ~sum & 0xFFFF;
    }

    /** The IPv4 pseudo-header sum: addresses, protocol, L4 length (RFC 9293 3.1), not complemented. */
    public static int pseudoHeaderSum(int source, int destination, int protocol, int l4Length) {
        long acc = (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF) + protocol + l4Length;
        while ((acc >>> 16) != 0) {
            acc = (acc & 0xFFFF) + (acc >>> 16);
        }
        return (int) acc;
    }

    public static int getShort(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    public static int getInt(byte[] b, int at) {
        return (getShort(b, at) << 16) | getShort(b, at + 2);
    }

    public static void putShort(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 8);
        b[at + 1] = (byte) value;
    }

    public static void putInt(byte[] b, int at, int value) {
        putShort(b, at, value >>> 16);
        putShort(b, at + 2, value);
    }

    private static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
    }

    /** {@code length} bytes of a pattern that differs at every position and per {@code seed}. */
    public static byte[] payload(int length, int seed) {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++) {
            p[i] = (byte) (i * 31 + seed * 7 + (i >>> 8));
        }
        return p;
    }

    /** What the stack asks of a device to fill in the checksums of a TCP frame. */
    public static final int CHECKSUMS_TCP = Frame.TX_IP_CHECKSUM | Frame.TX_TCP_CHECKSUM;
    /** What the stack asks of a device to fill in the checksums of a UDP frame. */
    public static final int CHECKSUMS_UDP = Frame.TX_IP_CHECKSUM | Frame.TX_UDP_CHECKSUM;
    /** What the stack asks of a device to cut a TCP super-segment. */
    public static final int TSO = Frame.TX_TCP_SEGMENTATION | Frame.TX_TCP_CHECKSUM | Frame.TX_IP_CHECKSUM;

    /**
     * A frame with correct checksums rewritten as the stack hands it to a device that offloads
     * {@code txFlags} (DPDK's conventions): the IPv4 checksum field 0 (with TX_IP_CHECKSUM or TSO), the
     * L4 checksum field holding the pseudo-header sum, with the L4 length, or without it for TSO.
     */
    public static byte[] asOffloaded(byte[] frame, int txFlags) {
        byte[] b = frame.clone();
        int ip = l2Length(b);
        boolean tso = (txFlags & Frame.TX_TCP_SEGMENTATION) != 0;
        if ((txFlags & Frame.TX_IP_CHECKSUM) != 0 || tso) {
            putShort(b, ip + 10, 0);
        }
        int protocol = b[ip + 9] & 0xFF;
        int l4Length = getShort(b, ip + 2) - IPV4;
        int pseudo = pseudoHeaderSum(getInt(b, ip + 12), getInt(b, ip + 16), protocol, tso ? 0 : l4Length);
        putShort(b, ip + IPV4 + (protocol == 6 ? 16 : 6), pseudo);
        return b;
    }

    /** {@link #asOffloaded} in a frame from {@code pool}, with the offload metadata the stack sets. */
    public static Frame offloaded(FramePool pool, byte[] frame, int txFlags, int segmentBytes) {
        Frame f = frame(pool, asOffloaded(frame, txFlags));
        int ip = l2Length(frame);
        int l4 = frame[ip + 9] == 6 ? ((frame[ip + IPV4 + 12] >> 4) & 0xF) * 4 : UDP;
        f.txOffload(txFlags, ip, IPV4, l4, segmentBytes);
        return f;
    }

    private static int l2Length(byte[] frame) {
        return getShort(frame, 12) == 0x8100 ? ETHERNET + 4 : ETHERNET;
    }

    /** A frame from {@code pool} holding {@code bytes}. */
    public static Frame frame(FramePool pool, byte[] bytes) {
        Frame f = pool.allocate();
        if (f == null) {
            throw new IllegalStateException("test pool exhausted");
        }
        f.buffer().putBytes(f.offset(), bytes);
        f.length(bytes.length);
        return f;
    }

    /** The bytes of {@code frame} and releases it. */
    public static byte[] take(Frame frame) {
        byte[] bytes = frame.toByteArray();
        frame.release();
        return bytes;
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
