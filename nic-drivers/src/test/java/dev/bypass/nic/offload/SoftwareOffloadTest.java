package dev.bypass.nic.offload;

import static dev.bypass.nic.testing.Packets.getInt;
import static dev.bypass.nic.testing.Packets.getShort;
import static dev.bypass.nic.testing.Packets.payload;
import static dev.bypass.nic.testing.Packets.putShort;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.testing.Packets;
import dev.bypass.stack.device.DirectFramePool;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.TcpHeader;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SoftwareOffloadTest {
    private static final int L2 = Packets.ETHERNET;
    private static final int L3 = Packets.IPV4;
    private static final int IP_CHECKSUM = L2 + 10;
    private static final int TCP_CHECKSUM = L2 + L3 + 16;
    private static final int UDP_CHECKSUM = L2 + L3 + 6;

    private final DirectFramePool pool = new DirectFramePool("test", 64, 16 * 1024);
    private final SoftwareOffload offload = new SoftwareOffload();
    private final Frame[] out = new Frame[SoftwareOffload.maxSegments(16 * 1024)];

    @AfterEach
    void allFramesBackAndClose() {
        assertEquals(pool.size(), pool.available(), "every frame returned to the pool");
        pool.close();
    }

    @Test
    void tcp_and_ip_checksums_equal_the_reference_for_even_and_odd_payloads() {
        for (int length : new int[] {0, 1, 2, 7, 100, 1459, 1460}) {
            byte[] reference = Packets.packets().tcp(payload(length, length));
            Frame frame = Packets.offloaded(pool, reference, Packets.CHECKSUMS_TCP, 0);
            assertTrue(SoftwareOffload.needsCompletion(frame));

            assertEquals(1, offload.complete(frame, pool, out, 0));

            assertEquals(frame, out[0], "completed in place");
            assertEquals(0, out[0].txFlags(), "flags cleared");
            assertFalse(SoftwareOffload.needsCompletion(out[0]));
            assertArrayEquals(reference, Packets.take(out[0]), "payload " + length);
        }
    }

    @Test
    void udp_checksum_equals_the_reference() {
        byte[] reference = Packets.packets().udp(payload(333, 5));
        Frame frame = Packets.offloaded(pool, reference, Packets.CHECKSUMS_UDP, 0);

        assertTrue(offload.completeChecksums(frame));

        assertArrayEquals(reference, Packets.take(frame));
    }

    @Test
    void udp_checksum_that_computes_to_zero_is_sent_as_ffff() {
        // Choose the last payload word so that the one's complement sum becomes 0xFFFF (checksum 0).
        Packets p = Packets.packets();
        byte[] payload = payload(64, 9);
        payload[62] = 0;
        payload[63] = 0;
        byte[] probe = p.udp(payload);
        int checksumWithZeroWord = getShort(probe, UDP_CHECKSUM);
        payload[62] = (byte) (checksumWithZeroWord >>> 8);
        payload[63] = (byte) checksumWithZeroWord;
        byte[] reference = p.udp(payload);
        assertEquals(0xFFFF, getShort(reference, UDP_CHECKSUM), "fixture: computed 0 is written as 0xFFFF");
        Frame frame = Packets.offloaded(pool, reference, Frame.TX_UDP_CHECKSUM, 0);

        assertTrue(offload.completeChecksums(frame));

        assertEquals(0xFFFF, getShort(Packets.take(frame), UDP_CHECKSUM));
    }

    @Test
    void ip_checksum_alone_leaves_the_l4_bytes_alone() {
        byte[] reference = Packets.packets().udp(payload(10, 1));
        byte[] sent = reference.clone();
        putShort(sent, IP_CHECKSUM, 0);
        Frame frame = Packets.frame(pool, sent);
        frame.txOffload(Frame.TX_IP_CHECKSUM, L2, L3, 0, 0);

        assertTrue(offload.completeChecksums(frame));

        assertArrayEquals(reference, Packets.take(frame));
    }

    @Test
    void checksum_covers_the_ip_total_length_not_the_ethernet_padding() {
        byte[] reference = Packets.packets().udp(payload(4, 3)); // 46 bytes, padded to 60 on the wire
        byte[] padded = Arrays.copyOf(Packets.asOffloaded(reference, Packets.CHECKSUMS_UDP), 60);
        Arrays.fill(padded, reference.length, 60, (byte) 0xA5);
        Frame frame = Packets.frame(pool, padded);
        frame.txOffload(Frame.TX_IP_CHECKSUM | Frame.TX_UDP_CHECKSUM, L2, L3, Packets.UDP, 0);

        assertTrue(offload.completeChecksums(frame));

        byte[] wire = Packets.take(frame);
        assertArrayEquals(reference, Arrays.copyOf(wire, reference.length));
    }

    @Test
    void headers_that_disagree_with_the_lengths_are_dropped_and_counted() {
        byte[] reference = Packets.packets().tcp(payload(10, 1));
        Frame wrongL3 = Packets.offloaded(pool, reference, Packets.CHECKSUMS_TCP, 0);
        wrongL3.txOffload(Packets.CHECKSUMS_TCP, L2, 24, Packets.TCP, 0);
        Frame udpFlagOnTcp = Packets.offloaded(pool, reference, Packets.CHECKSUMS_TCP, 0);
        udpFlagOnTcp.txOffload(Frame.TX_UDP_CHECKSUM, L2, L3, Packets.TCP, 0);
        Frame truncated = Packets.frame(pool, Arrays.copyOf(Packets.asOffloaded(reference, Packets.CHECKSUMS_TCP), reference.length - 5));
        truncated.txOffload(Frame.TX_TCP_CHECKSUM, L2, L3, Packets.TCP, 0);

        assertEquals(0, offload.complete(wrongL3, pool, out, 0));
        assertEquals(0, offload.complete(udpFlagOnTcp, pool, out, 0));
        assertEquals(0, offload.complete(truncated, pool, out, 0));

        assertEquals(3, offload.malformedFrames());
        assertNull(out[0]);
    }

    @Test
    void a_frame_without_offloads_passes_through() {
        byte[] reference = Packets.packets().tcp(payload(10, 1));
        Frame frame = Packets.frame(pool, reference);

        assertEquals(1, offload.complete(frame, pool, out, 3));

        assertEquals(frame, out[3]);
        assertArrayEquals(reference, Packets.take(frame));
    }

    // ---- TSO

    /** A super-segment fixture: 20 bytes of TCP options, flags that must be split between segments. */
    private static Packets superSegmentHeaders() {
        Packets p = Packets.packets();
        p.tcpOptions = new byte[] {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 1, 1, 1, 1, 1, 0};
        p.tcpFlags = TcpHeader.ACK | TcpHeader.PSH | TcpHeader.FIN | TcpHeader.CWR;
        p.seq = 0xFFFF_F000; // the sequence number wraps inside the super-segment
        p.ipId = 0xFFFE; // and so does the identification
        return p;
    }

    private Frame superFrame(Packets p, byte[] payload, int segmentBytes) {
        return Packets.offloaded(pool, p.tcp(payload), Packets.TSO, segmentBytes);
    }

    @Test
    void tso_segments_equal_the_frames_a_stack_would_have_sent_one_by_one() {
        Packets p = superSegmentHeaders();
        byte[] payload = payload(5000, 42);
        int mss = 1448;
        Frame superFrame = superFrame(p, payload, mss);

        int n = offload.complete(superFrame, pool, out, 0);

        assertEquals(4, n);
        ByteArrayOutputStream reassembled = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            Packets expected = p.copy();
            expected.seq = p.seq + i * mss;
            expected.ipId = (p.ipId + i) & 0xFFFF;
            expected.tcpFlags = TcpHeader.ACK | (i == 0 ? TcpHeader.CWR : 0) | (i == n - 1 ? TcpHeader.PSH | TcpHeader.FIN : 0);
            byte[] segmentPayload = Arrays.copyOfRange(payload, i * mss, Math.min(payload.length, (i + 1) * mss));
            byte[] wire = Packets.take(out[i]);
            assertArrayEquals(expected.tcp(segmentPayload), wire, "segment " + i);
            assertChecksumsValidPerStack(wire);
            reassembled.writeBytes(Arrays.copyOfRange(wire, L2 + L3 + p.tcpHeaderLength(), wire.length));
        }
        assertArrayEquals(payload, reassembled.toByteArray());
        assertEquals(1, offload.superFramesSegmented());
        assertEquals(4, offload.segmentsCreated());
    }

    /** Verifies with the stack's own views, as the receiving stack will. */
    private static void assertChecksumsValidPerStack(byte[] wire) {
        org.agrona.concurrent.UnsafeBuffer b = new org.agrona.concurrent.UnsafeBuffer(wire);
        Ipv4Header ip = new Ipv4Header().wrap(b, L2);
        assertTrue(ip.checksumValid(), "IPv4 checksum");
        assertEquals(wire.length - L2, ip.totalLength(), "IPv4 total length");
        int l4Length = ip.totalLength() - ip.headerLength();
        int sum = Checksum.add(Checksum.pseudoHeaderV4(ip.source(), ip.destination(), ip.protocol(), l4Length),
            Checksum.sum(b, L2 + ip.headerLength(), l4Length));
        assertTrue(Checksum.isValid(sum), "TCP checksum");
    }

    @Test
    void tso_of_a_payload_that_fits_one_segment_is_one_plain_segment_with_all_flags() {
        Packets p = superSegmentHeaders();
        byte[] payload = payload(1448, 1);
        Frame superFrame = superFrame(p, payload, 1448);

        assertEquals(1, offload.complete(superFrame, pool, out, 0));

        assertArrayEquals(p.tcp(payload), Packets.take(out[0]));
    }

    @Test
    void tso_with_an_exact_multiple_makes_full_segments_only() {
        Packets p = superSegmentHeaders();
        Frame superFrame = superFrame(p, payload(3 * 500, 2), 500);

        int n = offload.complete(superFrame, pool, out, 0);

        assertEquals(3, n);
        for (int i = 0; i < n; i++) {
            assertEquals(L2 + L3 + p.tcpHeaderLength() + 500, Packets.take(out[i]).length);
        }
    }

    @Test
    void tso_when_the_pool_runs_dry_returns_the_segments_made_and_counts_the_rest() {
        try (DirectFramePool small = new DirectFramePool("small", 3, 2048)) {
            Packets p = superSegmentHeaders();
            Frame superFrame = superFrame(p, payload(5000, 3), 1448); // from the big pool
            Frame hog = small.allocate(); // leaves two frames for four segments

            int n = offload.complete(superFrame, small, out, 0);

            assertEquals(2, n);
            assertEquals(2, offload.segmentsLostNoBuffer());
            assertEquals(0, superFrame.refCount(), "super-frame released");
            byte[] first = Packets.take(out[0]);
            assertEquals(p.seq, getInt(first, L2 + L3 + 4));
            Packets.take(out[1]);
            hog.release();
            assertEquals(3, small.available());
        }
    }

    @Test
    void tso_output_array_too_small_is_refused_before_touching_the_frame() {
        Frame superFrame = superFrame(superSegmentHeaders(), payload(5000, 3), 1448);
        byte[] before = superFrame.toByteArray();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> offload.complete(superFrame, pool, new Frame[2], 0));

        assertTrue(e.getMessage().contains("no room for 4 frames"), e.getMessage());
        assertEquals(1, superFrame.refCount());
        assertArrayEquals(before, Packets.take(superFrame));
    }

    @Test
    void tso_segment_size_below_the_minimum_or_non_tcp_is_dropped_and_counted() {
        Frame tiny = superFrame(superSegmentHeaders(), payload(500, 3), SoftwareOffload.MIN_SEGMENT_BYTES - 1);
        Frame udp = Packets.frame(pool, Packets.packets().udp(payload(3000, 1)));
        udp.txOffload(Frame.TX_TCP_SEGMENTATION, L2, L3, Packets.UDP, 1000);

        assertEquals(0, offload.complete(tiny, pool, out, 0));
        assertEquals(0, offload.complete(udp, pool, out, 0));

        assertEquals(2, offload.malformedFrames());
    }

    @Test
    void a_wrong_pseudo_header_sum_from_the_stack_gives_a_wrong_checksum_as_on_hardware() {
        byte[] reference = Packets.packets().tcp(payload(100, 1));
        byte[] sent = Packets.asOffloaded(reference, Frame.TX_TCP_CHECKSUM);
        putShort(sent, TCP_CHECKSUM, getShort(sent, TCP_CHECKSUM) ^ 1);
        Frame frame = Packets.frame(pool, sent);
        frame.txOffload(Frame.TX_TCP_CHECKSUM, L2, L3, Packets.TCP, 0);

        offload.completeChecksums(frame);

        assertFalse(Arrays.equals(reference, Packets.take(frame)));
    }
}
