package dev.bypass.stack;

import static dev.bypass.stack.TcpFixture.assertSegment;
import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.PSH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import dev.bypass.testing.TestDevice;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SACK (RFC 2018) and D-SACK (RFC 2883) as a receiver and as a sender: negotiation, the blocks sent for
 * out-of-order and duplicate data, SACK-based recovery (RFC 6675) retransmitting only the holes, and
 * segments that carry SACK blocks staying within the MTU.
 */
class TcpSackTest {
    final TcpFixture f = sackFixture(TcpConfig.DEFAULT, DeviceCapabilities.NONE);

    private static TcpFixture sackFixture(TcpConfig config, DeviceCapabilities capabilities) {
        TcpFixture g = new TcpFixture(config, capabilities);
        g.peerSackOk = true;
        return g;
    }

    private static int[] blocks(Parsed p) {
        return Arrays.copyOf(p.tcp.sackBlocks, 2 * p.tcp.sackBlockCount);
    }

    @Test
    void sack_permitted_is_answered_only_when_offered() {
        f.listen();
        assertTrue(f.peerSyn().tcp.sackPermitted, "SYN-ACK answers the peer's sackOK");
        TcpFixture plain = new TcpFixture();
        plain.listen();
        assertTrue(!plain.peerSyn().tcp.sackPermitted, "no sackOK when the peer did not offer it");
    }

    @Test
    void out_of_order_data_is_acked_at_once_with_sack_blocks_newest_first() {
        TcpConnection c = f.established();
        int base = f.peerSeq;
        f.send(f.seg().seq(base + 1000).data(Packets.pattern(500, 1)));
        Parsed first = f.recv();
        assertSegment(first, ACK, f.ourSeq, base);
        assertArrayEquals(new int[] {base + 1000, base + 1500}, blocks(first));
        f.send(f.seg().seq(base + 3000).data(Packets.pattern(500, 2)));
        Parsed second = f.recv();
        assertArrayEquals(new int[] {base + 3000, base + 3500, base + 1000, base + 1500}, blocks(second),
            "the block holding the newest arrival comes first (RFC 2018 4)");
        // The hole filled: the cumulative ACK moves past the first block, which leaves the list.
        f.send(f.seg().seq(base).data(Packets.pattern(1000, 3)));
        Parsed third = f.recv();
        assertSegment(third, ACK, f.ourSeq, base + 1500);
        assertArrayEquals(new int[] {base + 3000, base + 3500}, blocks(third));
        assertEquals(1500, f.read(c, 4000).length);
    }

    @Test
    void a_duplicate_segment_is_reported_in_a_dsack_block() {
        f.established();
        int base = f.peerSeq;
        f.sendData(Packets.pattern(100, 1));
        f.advance(TcpFixture.SECOND); // the delayed ACK goes out
        f.recvAll();
        f.send(f.seg().seq(base).data(Packets.pattern(100, 1)));
        Parsed ack = f.recv();
        assertSegment(ack, ACK, f.ourSeq, base + 100);
        assertArrayEquals(new int[] {base, base + 100}, blocks(ack), "D-SACK: the duplicate range, below the ACK");
        assertEquals(1, f.counter(Counter.TCP_DSACKS_SENT));
    }

    @Test
    void sack_recovery_retransmits_only_the_holes() {
        TcpConnection c = f.established(10 * TcpFixture.MS);
        int mss = 1448;
        f.write(c, Packets.pattern(10 * mss, 4));
        f.poll();
        List<Parsed> flight = f.recvAll();
        assertEquals(10, flight.size());
        int una = f.ourSeq;
        f.advance(10 * TcpFixture.MS);
        // Segments 0 and 2 are lost; the peer SACKs 1 and 3..9, one ACK per arrival.
        f.send(f.seg().ack(una).sack(una + mss, una + 2 * mss));
        for (int i = 3; i < 10; i++) {
            f.send(f.seg().ack(una).sack(una + 3 * mss, una + (i + 1) * mss, una + mss, una + 2 * mss));
        }
        List<Parsed> retransmitted = f.recvAll();
        assertEquals(2, retransmitted.size(), "both holes resent, once each: " + retransmitted);
        assertSegment(retransmitted.get(0), ACK, una, f.peerSeq);
        assertEquals(una + 2 * mss, retransmitted.get(1).tcp.seq);
        for (Parsed p : retransmitted) {
            assertTrue(p.tcp.seq == una || p.tcp.seq == una + 2 * mss, "only holes are resent, not " + p);
        }
        assertEquals(1, f.counter(Counter.TCP_SACK_RECOVERIES));
        f.send(f.seg().ack(una + 10 * mss));
        assertEquals(0, c.info(new TcpInfo()).unackedPackets);
    }

    @Test
    void without_super_segments_a_full_segment_carries_only_the_sack_blocks_that_fit() {
        TcpFixture g = sackFixture(TcpConfig.builder().tso(false).build(), DeviceCapabilities.NONE);
        TcpConnection c = g.established();
        int base = g.peerSeq;
        g.send(g.seg().seq(base + 1000).data(Packets.pattern(500, 1)));
        g.recv();
        g.write(c, Packets.pattern(1448, 2));
        g.poll();
        Parsed data = g.recv();
        assertEquals(1448, data.payload.length);
        assertTrue(data.ipTotalLength <= 1500, "IP datagram of " + data.ipTotalLength + " bytes exceeds the MTU");
        assertEquals(0, g.counter(Counter.IP_FRAG_FAILS));
    }

    @Test
    void without_tso_the_stack_cuts_a_segment_carrying_sack_blocks_in_software() {
        TcpConnection c = f.established();
        int base = f.peerSeq;
        f.send(f.seg().seq(base + 1000).data(Packets.pattern(500, 1)));
        f.recv();
        byte[] written = Packets.pattern(1448, 2);
        f.write(c, written);
        f.poll();
        List<Parsed> sent = f.recvAll();
        assertEquals(2, sent.size(), "one SACK block (12 bytes of options) less payload per segment: " + sent);
        assertEquals(1448 - 12, sent.get(0).payload.length);
        assertEquals(ACK, sent.get(0).tcp.flags, "PSH stays with the last piece (Linux GSO)");
        assertEquals(PSH | ACK, sent.get(1).tcp.flags);
        assertEquals(sent.get(0).tcp.seq + 1448 - 12, sent.get(1).tcp.seq);
        byte[] joined = new byte[1448];
        System.arraycopy(sent.get(0).payload, 0, joined, 0, 1448 - 12);
        System.arraycopy(sent.get(1).payload, 0, joined, 1448 - 12, 12);
        assertArrayEquals(written, joined);
        for (Parsed p : sent) {
            assertTrue(p.ipTotalLength <= 1500, "IP datagram of " + p.ipTotalLength + " bytes exceeds the MTU");
            assertArrayEquals(new int[] {base + 1000, base + 1500}, blocks(p), "every piece carries the blocks");
        }
        assertEquals(1, f.counter(Counter.TCP_GSO_SEGMENTS));
        assertEquals(0, f.counter(Counter.IP_FRAG_FAILS));
    }

    @Test
    void a_tso_device_cuts_segments_carrying_sack_blocks_smaller() {
        DeviceCapabilities tso = new DeviceCapabilities(1, 1, DeviceCapabilities.OFFLOAD_TSO, 65536);
        TcpFixture g = sackFixture(TcpConfig.DEFAULT, tso);
        TcpConnection c = g.established();
        int base = g.peerSeq;
        g.send(g.seg().seq(base + 1000).data(Packets.pattern(500, 1)));
        g.device.takeSent();
        g.write(c, Packets.pattern(1448, 2));
        g.poll();
        List<TestDevice.Sent> sent = g.device.takeSent();
        assertEquals(1, sent.size());
        TestDevice.Sent s = sent.get(0);
        assertTrue((s.txFlags() & Frame.TX_TCP_SEGMENTATION) != 0, "segmented by the device");
        assertEquals(1448 - 12, s.tsoSegmentSize(), "one SACK block (12 bytes of options) less payload per segment");
        int flags = s.bytes()[14 + 20 + 13] & 0xFF; // the checksum is the device's to finish: read the flags raw
        assertEquals(PSH | ACK, flags);
        assertEquals(0, g.counter(Counter.IP_FRAG_FAILS));
    }

    @Test
    void a_dsack_of_a_tail_loss_probe_after_everything_was_acked_still_counts_and_rearms_the_probe() {
        TcpConnection c = f.established(10_000_000L);
        int mss = c.info(new TcpInfo()).sendMss;
        int una = f.ourSeq;
        f.write(c, Packets.pattern(2 * mss, 1));
        f.poll();
        assertEquals(2, f.recvAll().size());
        // The peer delays its ACK: the probe timeout (2 * SRTT + 2 ms) resends the last segment.
        f.advanceToNextDeadline(1_000_000_000L);
        Parsed probe = f.recv();
        assertEquals(una + mss, probe.tcp.seq);
        assertEquals(1, f.counter(Counter.TCP_LOSS_PROBES));
        // The original's ACK, then the probe's: a D-SACK while nothing is in flight any more.
        f.send(f.seg().ack(una + 2 * mss));
        f.send(f.seg().ack(una + 2 * mss).sack(una + mss, una + 2 * mss));
        assertEquals(1, f.counter(Counter.TCP_DSACKS_RECEIVED), "the D-SACK counts with nothing in flight");
        assertEquals(0, c.info(new TcpInfo()).caState, "both arrived: no loss, no window reduction (Open)");
        // The probe episode is over: the next tail gets its own probe.
        f.write(c, Packets.pattern(2 * mss, 2));
        f.poll();
        assertEquals(2, f.recvAll().size());
        f.advanceToNextDeadline(1_000_000_000L);
        assertEquals(una + 3 * mss, f.recv().tcp.seq);
        assertEquals(2, f.counter(Counter.TCP_LOSS_PROBES));
    }
}
