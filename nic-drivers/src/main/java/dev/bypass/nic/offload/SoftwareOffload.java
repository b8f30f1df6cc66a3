package dev.bypass.nic.offload;

import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.FramePool;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.TcpHeader;
import dev.bypass.stack.wire.UdpHeader;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Does in software what a NIC does with the transmit offloads of a {@link Frame}: fills in checksums and
 * cuts TCP super-segments (TSO). Used by devices that advertise offloads they do not have in hardware
 * (the in-memory NIC, the fault decorator) and by the capture writer, so captures show wire frames.
 *
 * <p>The conventions are DPDK's, and this class follows them literally rather than recomputing from the
 * addresses, so that a wrong pseudo-header sum written by the stack shows up as a wrong checksum on the
 * wire, as it would on hardware:
 * <ul>
 *   <li>{@link Frame#TX_IP_CHECKSUM}: the IPv4 checksum field is 0; the whole header is summed.</li>
 *   <li>{@link Frame#TX_TCP_CHECKSUM} / {@link Frame#TX_UDP_CHECKSUM}: the L4 checksum field holds the
 *       pseudo-header sum (with the L4 length), so the sum over the L4 bytes as they stand already
 *       includes the pseudo-header; the NIC only complements it.</li>
 *   <li>{@link Frame#TX_TCP_SEGMENTATION}: the TCP checksum field holds the pseudo-header sum without the
 *       length; each segment adds its own L4 length before summing.</li>
 * </ul>
 * Header lengths come from the frame's {@code l2Length/l3Length/l4Length}; they are checked once against
 * the frame, and a frame whose headers do not agree with them is dropped and counted in
 * {@link #malformedFrames()}. Only IPv4 is handled (the stack sends no IPv6 yet).
 *
 * <p>Every method works on either a {@link Frame} or a plain buffer ({@link #completeChecksums(MutableDirectBuffer,
 * int, int, int, int, int)}, {@link #writeSegment}), so a thread without a frame pool (the capture writer)
 * can produce wire frames too. One instance per thread: it holds reusable header views and counters.
 */
public final class SoftwareOffload {
    /** The transmit flags this class completes. */
    public static final int TX_OFFLOAD_FLAGS =
        Frame.TX_IP_CHECKSUM | Frame.TX_TCP_CHECKSUM | Frame.TX_UDP_CHECKSUM | Frame.TX_TCP_SEGMENTATION;

    /**
     * The smallest TSO segment size accepted, in payload bytes: Linux's default {@code tcp_min_snd_mss}.
     * It bounds the number of segments one super-frame makes, so callers can size their output array once
     * ({@link #maxSegments}).
     */
    public static final int MIN_SEGMENT_BYTES = 48;

    private final Ipv4Header ip = new Ipv4Header();
    private final TcpHeader tcp = new TcpHeader();

    private long malformedFrames;
    private long segmentsLostNoBuffer;
    private long superFramesSegmented;
    private long segmentsCreated;

    /** True if the frame asks for an offload that must be completed before it goes on a wire. */
    public static boolean needsCompletion(Frame frame) {
        return (frame.txFlags() & TX_OFFLOAD_FLAGS) != 0;
    }

    /** The most segments a super-frame of {@code superFrameBytes} can be cut into: the size of an output array. */
    public static int maxSegments(int superFrameBytes) {
        return Math.max(1, (superFrameBytes + MIN_SEGMENT_BYTES - 1) / MIN_SEGMENT_BYTES);
    }

    /**
     * Completes every offload the frame asks for and puts the resulting wire frames into {@code out} from
     * {@code outIndex} on: the frame itself (checksums filled in, flags cleared), the segments of a
     * super-frame (allocated from {@code segmentPool}; the super-frame is released), or nothing if the
     * frame was dropped as malformed. A frame without offloads is passed through as it is.
     *
     * @return the number of frames written into {@code out}; the caller owns each of them
     * @throws IllegalArgumentException if {@code out} has no room for the frames this frame becomes
     *     (size it with {@link #maxSegments}); the frame is then left untouched and still the caller's
     */
    public int complete(Frame frame, FramePool segmentPool, Frame[] out, int outIndex) {
        if ((frame.txFlags() & Frame.TX_TCP_SEGMENTATION) != 0) {
            return segment(frame, segmentPool, out, outIndex);
        }
        requireRoom(out, outIndex, 1);
        if ((frame.txFlags() & TX_OFFLOAD_FLAGS) != 0 && !completeChecksums(frame)) {
            frame.release();
            return 0;
        }
        out[outIndex] = frame;
        return 1;
    }

    /**
     * Fills in the checksums the frame asks for, in place, and clears those flags. Returns false (and
     * counts the frame as malformed) if the headers do not match the frame's header lengths; the frame is
     * then unchanged.
     */
    public boolean completeChecksums(Frame frame) {
        if (!completeChecksums(frame.buffer(), frame.offset(), frame.length(), frame.txFlags(),
            frame.l2Length(), frame.l3Length())) {
            return false;
        }
        frame.txOffload(frame.txFlags() & ~TX_OFFLOAD_FLAGS, frame.l2Length(), frame.l3Length(), frame.l4Length(), 0);
        return true;
    }

    /**
     * Fills in the checksums that {@code txFlags} asks for in the frame of {@code length} bytes at
     * {@code offset}. Returns false (counted as malformed, buffer unchanged) if the headers do not match.
     * {@link Frame#TX_TCP_SEGMENTATION} is not handled here: see {@link #writeSegment}.
     */
    public boolean completeChecksums(MutableDirectBuffer buffer, int offset, int length, int txFlags,
                                     int l2Length, int l3Length) {
        boolean l4 = (txFlags & (Frame.TX_TCP_CHECKSUM | Frame.TX_UDP_CHECKSUM)) != 0;
        int l4Protocol = (txFlags & Frame.TX_TCP_CHECKSUM) != 0 ? Ipv4Header.PROTOCOL_TCP : Ipv4Header.PROTOCOL_UDP;
        if (!ipv4HeaderMatches(buffer, offset, length, l2Length, l3Length)
            || (l4 && !l4HeaderFits(l4Protocol, l3Length, length - l2Length))) {
            malformedFrames++;
            return false;
        }
        if ((txFlags & Frame.TX_IP_CHECKSUM) != 0) {
            ip.updateChecksum();
        }
        if (l4) {
            // The L4 length comes from the IPv4 total length, not the frame: a short frame may be padded.
            int l4Offset = offset + l2Length + l3Length;
            int l4Bytes = ip.totalLength() - l3Length;
            int field = l4Offset + (l4Protocol == Ipv4Header.PROTOCOL_TCP ? TcpHeader.CHECKSUM_OFFSET : UdpHeader.CHECKSUM_OFFSET);
            // The field holds the pseudo-header sum, so summing the L4 bytes as they are covers the pseudo-header.
            int checksum = Checksum.finish(Checksum.sum(buffer, l4Offset, l4Bytes));
            if (checksum == 0 && l4Protocol == Ipv4Header.PROTOCOL_UDP) {
                checksum = 0xFFFF; // over IPv4 a UDP checksum of 0 means "none" (RFC 768)
            }
            buffer.putShort(field, (short) checksum, BIG_ENDIAN);
        }
        return true;
    }

    /**
     * Cuts a {@link Frame#TX_TCP_SEGMENTATION} super-frame into wire frames of at most
     * {@code tsoSegmentSize} payload bytes each, allocated from {@code segmentPool}, and releases the
     * super-frame. If the pool runs dry part way, the segments not made are counted in
     * {@link #segmentsLostNoBuffer()} and the ones made are still returned (TCP retransmits the rest).
     *
     * @return the number of segments written into {@code out} from {@code outIndex}; 0 if the super-frame
     *     was malformed (counted) or no frame could be allocated
     * @throws IllegalArgumentException if {@code out} has no room for every segment (size it with
     *     {@link #maxSegments}); the super-frame is then left untouched and still the caller's
     */
    public int segment(Frame superFrame, FramePool segmentPool, Frame[] out, int outIndex) {
        int length = superFrame.length();
        int l2 = superFrame.l2Length();
        int l3 = superFrame.l3Length();
        int l4 = superFrame.l4Length();
        int segmentBytes = superFrame.tsoSegmentSize();
        if (!segmentable(superFrame.buffer(), superFrame.offset(), length, l2, l3, l4, segmentBytes)
            || l2 + l3 + l4 + segmentBytes > segmentPool.frameCapacity() - segmentPool.headroom()) {
            malformedFrames++;
            superFrame.release();
            return 0;
        }
        int segments = segmentCount(length, l2, l3, l4, segmentBytes);
        requireRoom(out, outIndex, segments);
        int made = 0;
        for (; made < segments; made++) {
            Frame segment = segmentPool.allocate();
            if (segment == null) {
                segmentsLostNoBuffer += segments - made;
                break;
            }
            int segmentLength = writeSegment(superFrame.buffer(), superFrame.offset(), length, l2, l3, l4, segmentBytes,
                made, segment.buffer(), segment.offset());
            segment.length(segmentLength);
            out[outIndex + made] = segment;
        }
        superFramesSegmented++;
        segmentsCreated += made;
        superFrame.release();
        return made;
    }

    /**
     * True if the super-frame's headers match its lengths and can be segmented: IPv4 of {@code l3Length}
     * bytes carrying TCP of {@code l4Length} bytes, and a segment size of at least {@link #MIN_SEGMENT_BYTES}.
     * Counts nothing; call before {@link #segmentCount} and {@link #writeSegment} on a plain buffer.
     */
    public boolean segmentable(MutableDirectBuffer buffer, int offset, int length, int l2Length, int l3Length,
                               int l4Length, int segmentBytes) {
        return segmentBytes >= MIN_SEGMENT_BYTES
            && ipv4HeaderMatches(buffer, offset, length, l2Length, l3Length)
            && ip.protocol() == Ipv4Header.PROTOCOL_TCP
            && l4Length >= TcpHeader.MIN_LENGTH
            && l2Length + l3Length + l4Length <= length
            && tcpHeaderLength(buffer, offset + l2Length + l3Length) == l4Length;
    }

    /** Segments a super-frame of {@code length} bytes becomes (one, even with no payload). */
    public static int segmentCount(int length, int l2Length, int l3Length, int l4Length, int segmentBytes) {
        int payload = length - l2Length - l3Length - l4Length;
        return Math.max(1, (payload + segmentBytes - 1) / segmentBytes);
    }

    /**
     * Writes segment {@code index} of a super-frame checked with {@link #segmentable} into {@code dst} at
     * {@code dstOffset} and returns its length: headers copied, then per segment the IPv4 total length,
     * identification (the super-frame's plus {@code index}) and header checksum, the TCP sequence number
     * advanced by the payload before it, FIN and PSH only on the last segment, CWR only on the first, and
     * the TCP checksum.
     */
    public int writeSegment(DirectBuffer src, int srcOffset, int srcLength, int l2Length, int l3Length, int l4Length,
                            int segmentBytes, int index, MutableDirectBuffer dst, int dstOffset) {
        int headers = l2Length + l3Length + l4Length;
        int payloadTotal = srcLength - headers;
        int payloadStart = index * segmentBytes;
        int payload = Math.min(segmentBytes, payloadTotal - payloadStart);
        boolean first = index == 0;
        boolean last = payloadStart + payload >= payloadTotal;
        dst.putBytes(dstOffset, src, srcOffset, headers);
        dst.putBytes(dstOffset + headers, src, srcOffset + headers + payloadStart, payload);

        ip.wrap(dst, dstOffset + l2Length);
        ip.totalLength(l3Length + l4Length + payload);
        ip.identification(ip.identification() + index);
        ip.updateChecksum();

        tcp.wrap(dst, dstOffset + l2Length + l3Length);
        tcp.sequence(tcp.sequence() + payloadStart);
        int flags = tcp.flags();
        if (!last) {
            flags &= ~(TcpHeader.FIN | TcpHeader.PSH);
        }
        if (!first) {
            flags &= ~TcpHeader.CWR; // CWR marks the first packet sent after the window was reduced (RFC 3168 6.1.2)
        }
        tcp.flags(flags);
        // TSO convention: the field holds the pseudo-header sum without the length; each segment adds its own.
        int l4Bytes = l4Length + payload;
        tcp.checksum(Checksum.add(tcp.checksum(), l4Bytes));
        tcp.checksum(Checksum.finish(Checksum.sum(dst, dstOffset + l2Length + l3Length, l4Bytes)));
        return headers + payload;
    }

    /**
     * Checks the IPv4 header at {@code offset + l2Length} against the given lengths and leaves {@link #ip}
     * wrapped on it: the one length check after which every access stays inside the frame.
     */
    private boolean ipv4HeaderMatches(MutableDirectBuffer buffer, int offset, int length, int l2Length, int l3Length) {
        if (l2Length < EthernetHeader.LENGTH || l3Length < Ipv4Header.MIN_LENGTH || l2Length + l3Length > length) {
            return false;
        }
        ip.wrap(buffer, offset + l2Length);
        return ip.version() == 4 && ip.headerLength() == l3Length;
    }

    /** With {@link #ip} checked: the IPv4 payload is {@code protocol}, holds its header and fits the frame. */
    private boolean l4HeaderFits(int protocol, int l3Length, int bytesAfterL2) {
        int totalLength = ip.totalLength();
        int minHeader = protocol == Ipv4Header.PROTOCOL_TCP ? TcpHeader.MIN_LENGTH : UdpHeader.LENGTH;
        return ip.protocol() == protocol && totalLength <= bytesAfterL2 && totalLength - l3Length >= minHeader;
    }

    private int tcpHeaderLength(MutableDirectBuffer buffer, int tcpOffset) {
        return tcp.wrap(buffer, tcpOffset).headerLength();
    }

    private static void requireRoom(Frame[] out, int outIndex, int frames) {
        if (outIndex < 0 || outIndex + frames > out.length) {
            throw new IllegalArgumentException("output array of " + out.length + " frames has no room for " + frames
                + " frames at index " + outIndex + " (size it with SoftwareOffload.maxSegments)");
        }
    }

    /** Frames dropped because their headers did not match their offload metadata (a stack bug). */
    public long malformedFrames() {
        return malformedFrames;
    }

    /** Segments not made because the pool was empty (as a NIC drops what it cannot buffer). */
    public long segmentsLostNoBuffer() {
        return segmentsLostNoBuffer;
    }

    /** Super-frames cut into segments. */
    public long superFramesSegmented() {
        return superFramesSegmented;
    }

    /** Segments made from super-frames. */
    public long segmentsCreated() {
        return segmentsCreated;
    }
}
