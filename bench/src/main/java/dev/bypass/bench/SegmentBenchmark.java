package dev.bypass.bench;

import dev.bypass.stack.Ipv4Packet;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.DirectFramePool;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.TcpHeader;
import dev.bypass.stack.wire.TcpSegment;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * Per-segment header work of the stack for a full-sized data segment: 1448 bytes of payload with the
 * timestamp option (NOP NOP TS), i.e. a 1514-byte frame at MTU 1500.
 *
 * <ul>
 *   <li>{@link #parse}: what {@code Ethernet.input}, {@code Ipv4.input} and {@code Tcp.input} do before the
 *       connection lookup: length checks, Ethernet destination and type, IPv4 header checks and fields
 *       into an {@link Ipv4Packet}, then {@link TcpSegment#parse} (fields and options). The NIC is assumed
 *       to have validated both checksums ({@code Frame.RX_*_CHECKSUM_GOOD}).
 *   <li>{@link #parseWithIpChecksum}: the same, validating the IPv4 header checksum in software.
 *   <li>{@link #parseWithAllChecksums}: the same, also validating the TCP checksum over the 1480-byte
 *       segment and the pseudo-header (a NIC without receive checksum offload).
 *   <li>{@link #build}: what {@code Tcp.emit}, {@code Ipv4.send} and {@code Ethernet.send} write for a data
 *       segment whose payload is already in the frame: TCP header and timestamp option, the pseudo-header
 *       sum for a NIC that completes the TCP checksum (transmit checksum offload), the IPv4 header with its
 *       checksum computed in software, the Ethernet header.
 *   <li>{@link #buildWithTcpChecksum}: the same, computing the TCP checksum in software.
 *   <li>{@link #parseAndBuild}: parse a received segment and build the next data segment, acknowledging it.
 * </ul>
 *
 * Each op touches the same two frames, so their headers are in L1: this measures the instructions, not
 * cache misses on a new frame. Sequence number, timestamp and IP identification change every op.
 *
 * <p>The stack's input and output steps are package-private and tied to a {@code NetworkStack}, so
 * {@link #parseFrame} and {@link #writeHeaders} repeat them call for call over the same public wire classes;
 * they must follow changes to {@code Ethernet}, {@code Ipv4} and {@code Tcp}.
 *
 * <p>Every header access goes through an Agrona {@code UnsafeBuffer}, which checks bounds on each access
 * unless the JVM runs with {@code -Dagrona.disable.bounds.checks=true}; bench/README.md gives both figures.
 */
public class SegmentBenchmark extends BenchmarkDefaults {
    static final int PAYLOAD_BYTES = 1448;
    static final int TCP_HEADER_BYTES = TcpHeader.MIN_LENGTH + 12; // NOP NOP TS(10)
    static final int IP_TOTAL_LENGTH = Ipv4Header.MIN_LENGTH + TCP_HEADER_BYTES + PAYLOAD_BYTES; // 1500
    static final int FRAME_BYTES = EthernetHeader.LENGTH + IP_TOTAL_LENGTH; // 1514

    /** Where the stack's pools put the TCP header of an outgoing frame; lower headers are prepended. */
    static final int TX_TCP_OFFSET = DirectFramePool.DEFAULT_HEADROOM;
    static final int TX_IP_OFFSET = TX_TCP_OFFSET - Ipv4Header.MIN_LENGTH;
    static final int TX_ETHERNET_OFFSET = TX_IP_OFFSET - EthernetHeader.LENGTH;
    /** Where the in-memory NIC copies a received frame: after the pool's headroom. */
    static final int RX_FRAME_OFFSET = DirectFramePool.DEFAULT_HEADROOM;

    static final long LOCAL_MAC = MacAddress.local(1).bits();
    static final long REMOTE_MAC = MacAddress.local(2).bits();
    static final int LOCAL_ADDRESS = 0xC612_0001; // 198.18.0.1
    static final int REMOTE_ADDRESS = 0xC612_0002; // 198.18.0.2
    static final int LOCAL_PORT = 40000;
    static final int REMOTE_PORT = 5000;
    static final int TTL = 64;

    private final EthernetHeader ethernet = new EthernetHeader();
    private final Ipv4Header ip = new Ipv4Header();
    private final TcpHeader tcp = new TcpHeader();
    private final TcpSegment segment = new TcpSegment();
    private final Ipv4Packet packet = new Ipv4Packet();

    private UnsafeBuffer rxFrame;
    private UnsafeBuffer txFrame;

    // What a connection keeps between segments and the stack writes into the next one.
    private int sndNxt = 0x1234_5678;
    private int rcvNxt = 0x0BAD_F00D;
    private int tsVal = 1_000_000;
    private int tsRecent = 7;
    private int identification;

    @Setup
    public void setUp() {
        rxFrame = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096, BitUtil.CACHE_LINE_LENGTH));
        txFrame = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096, BitUtil.CACHE_LINE_LENGTH));
        for (int i = 0; i < PAYLOAD_BYTES; i++) {
            txFrame.putByte(TX_TCP_OFFSET + TCP_HEADER_BYTES + i, (byte) (i * 31 + 7));
        }
        // The received frame is one the peer built: same layout, checksums computed in software.
        UnsafeBuffer peer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096, BitUtil.CACHE_LINE_LENGTH));
        peer.putBytes(TX_TCP_OFFSET + TCP_HEADER_BYTES, txFrame, TX_TCP_OFFSET + TCP_HEADER_BYTES, PAYLOAD_BYTES);
        writeHeaders(peer, REMOTE_MAC, LOCAL_MAC, REMOTE_ADDRESS, LOCAL_ADDRESS, REMOTE_PORT, LOCAL_PORT,
            rcvNxt, sndNxt, tsRecent, tsVal - 1, 42, true);
        rxFrame.putBytes(RX_FRAME_OFFSET, peer, TX_ETHERNET_OFFSET, FRAME_BYTES);
        checkParse();
    }

    /** Fails the run if the benchmark code does not do what it claims on this frame. */
    private void checkParse() {
        if (parseFrame(rxFrame, RX_FRAME_OFFSET, FRAME_BYTES, true, true) != PAYLOAD_BYTES
            || !segment.hasTimestamps || segment.tsVal != tsRecent || segment.seq != rcvNxt
            || packet.source != REMOTE_ADDRESS || segment.destinationPort != LOCAL_PORT) {
            throw new IllegalStateException("received frame does not parse as built: " + segment);
        }
    }

    @Benchmark
    public int parse() {
        return parseFrame(rxFrame, RX_FRAME_OFFSET, FRAME_BYTES, false, false);
    }

    @Benchmark
    public int parseWithIpChecksum() {
        return parseFrame(rxFrame, RX_FRAME_OFFSET, FRAME_BYTES, true, false);
    }

    @Benchmark
    public int parseWithAllChecksums() {
        return parseFrame(rxFrame, RX_FRAME_OFFSET, FRAME_BYTES, true, true);
    }

    @Benchmark
    public int build() {
        return buildNext(false);
    }

    @Benchmark
    public int buildWithTcpChecksum() {
        return buildNext(true);
    }

    @Benchmark
    public int parseAndBuild() {
        if (parseFrame(rxFrame, RX_FRAME_OFFSET, FRAME_BYTES, false, false) < 0) {
            return -1;
        }
        rcvNxt = segment.seq + segment.payloadLength;
        tsRecent = segment.tsVal;
        return buildNext(false);
    }

    private int buildNext(boolean tcpChecksumInSoftware) {
        int seq = sndNxt;
        sndNxt = seq + PAYLOAD_BYTES;
        return writeHeaders(txFrame, LOCAL_MAC, REMOTE_MAC, LOCAL_ADDRESS, REMOTE_ADDRESS, LOCAL_PORT, REMOTE_PORT,
            seq, rcvNxt, tsVal++, tsRecent, identification++, tcpChecksumInSoftware);
    }

    /**
     * Ethernet, IPv4 and TCP input up to the connection lookup, as the stack does it. Returns the payload
     * length, or -1 where the stack would drop the frame.
     */
    private int parseFrame(UnsafeBuffer buffer, int offset, int length, boolean checkIpChecksum,
                           boolean checkTcpChecksum) {
        // Ethernet.input
        if (length < EthernetHeader.LENGTH) {
            return -1;
        }
        ethernet.wrap(buffer, offset);
        int ethernetLength = ethernet.headerLength(length);
        if (ethernetLength < 0) {
            return -1;
        }
        long destinationMac = ethernet.destination();
        if (destinationMac != LOCAL_MAC && destinationMac != MacAddress.BROADCAST) {
            return -1;
        }
        if (ethernet.payloadType(ethernetLength) != EthernetHeader.TYPE_IPV4) {
            return -1;
        }
        // Ipv4.input
        int ipOffset = offset + ethernetLength;
        int ipLength = length - ethernetLength;
        if (ipLength < Ipv4Header.MIN_LENGTH) {
            return -1;
        }
        ip.wrap(buffer, ipOffset);
        if (ip.version() != 4) {
            return -1;
        }
        int headerLength = ip.headerLength();
        if (headerLength < Ipv4Header.MIN_LENGTH || headerLength > ipLength) {
            return -1;
        }
        int totalLength = ip.totalLength();
        if (totalLength < headerLength || totalLength > ipLength) {
            return -1;
        }
        if (checkIpChecksum && !ip.checksumValid()) {
            return -1;
        }
        int source = ip.source();
        int destination = ip.destination();
        if ((source >>> 24) == 0 || (source >>> 24) == 127 || (source >>> 24) >= 224 || source == LOCAL_ADDRESS) {
            return -1;
        }
        if (destination != LOCAL_ADDRESS) {
            return -1;
        }
        Ipv4Packet p = packet;
        p.buffer = buffer;
        p.headerOffset = ipOffset;
        p.headerLength = headerLength;
        p.totalLength = totalLength;
        p.payloadOffset = ipOffset + headerLength;
        p.payloadLength = totalLength - headerLength;
        p.source = source;
        p.destination = destination;
        p.protocol = ip.protocol();
        p.ttl = ip.ttl();
        p.tos = ip.tos();
        p.identification = ip.identification();
        p.broadcast = false;
        p.reassembled = false;
        if ((ip.flagsAndFragment() & (Ipv4Header.FLAG_MORE_FRAGMENTS | Ipv4Header.FRAGMENT_OFFSET_MASK)) != 0
            || p.protocol != Ipv4Header.PROTOCOL_TCP) {
            return -1;
        }
        // Tcp.input
        if (!segment.parse(buffer, p.payloadOffset, p.payloadLength)) {
            return -1;
        }
        if (checkTcpChecksum) {
            int sum = Checksum.add(Checksum.pseudoHeaderV4(source, destination, Ipv4Header.PROTOCOL_TCP, p.payloadLength),
                Checksum.sum(buffer, p.payloadOffset, p.payloadLength));
            if (!Checksum.isValid(sum)) {
                return -1;
            }
        }
        return segment.payloadLength;
    }

    /**
     * Writes the headers of a data segment around the payload already at {@code TX_TCP_OFFSET +
     * TCP_HEADER_BYTES}, in the order the stack does (TCP, then IPv4 prepended, then Ethernet). Returns the
     * TCP checksum field.
     */
    private int writeHeaders(UnsafeBuffer buffer, long sourceMac, long destinationMac, int sourceAddress,
                             int destinationAddress, int sourcePort, int destinationPort, int seq, int ack, int tsVal,
                             int tsEcr, int identification, boolean tcpChecksumInSoftware) {
        int segmentLength = TCP_HEADER_BYTES + PAYLOAD_BYTES;
        // Tcp.emit
        tcp.wrap(buffer, TX_TCP_OFFSET).write(sourcePort, destinationPort, seq, ack, TCP_HEADER_BYTES,
            TcpHeader.ACK | TcpHeader.PSH, 8192);
        TcpSegment.emitOptions(buffer, TX_TCP_OFFSET + TcpHeader.MIN_LENGTH, -1, -1, false, true, tsVal, tsEcr, null, 0);
        int pseudo = Checksum.pseudoHeaderV4(sourceAddress, destinationAddress, Ipv4Header.PROTOCOL_TCP, segmentLength);
        int checksum;
        if (tcpChecksumInSoftware) {
            checksum = Checksum.finish(Checksum.add(pseudo, Checksum.sum(buffer, TX_TCP_OFFSET, segmentLength)));
        } else {
            checksum = pseudo; // with TX_TCP_CHECKSUM the field holds the pseudo-header sum for the NIC
        }
        tcp.checksum(checksum);
        // Ipv4.send
        ip.wrap(buffer, TX_IP_OFFSET).write(0, IP_TOTAL_LENGTH, identification & 0xFFFF, Ipv4Header.FLAG_DONT_FRAGMENT,
            TTL, Ipv4Header.PROTOCOL_TCP, sourceAddress, destinationAddress, false);
        // Ethernet.send
        ethernet.wrap(buffer, TX_ETHERNET_OFFSET).destination(destinationMac).source(sourceMac)
            .type(EthernetHeader.TYPE_IPV4);
        return checksum;
    }
}
