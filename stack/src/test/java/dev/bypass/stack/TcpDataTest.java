package dev.bypass.stack;

import static dev.bypass.stack.TcpFixture.MS;
import static dev.bypass.stack.TcpFixture.assertSegment;
import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.PSH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.counters.Counter;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Data in both directions: ACK policy, the out-of-order queue, windows, Nagle, MSS, timestamps, PAWS. */
class TcpDataTest {

    @Test
    void the_first_sixteen_data_segments_are_acked_at_once_then_acks_are_delayed() {
        // Linux's quick-ACK mode (tcp_incr_quickack): the first data gets up to 16 immediate ACKs, so a
        // sender in slow start is not held back by delayed ACKs.
        TcpFixture f = new TcpFixture();
        f.established();
        for (int i = 0; i < 16; i++) {
            f.sendData(Packets.ascii("hello"));
            assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        }
        f.sendData(Packets.ascii("hello"));
        f.recvNothing();
        assertEquals(0, f.counter(Counter.TCP_DELAYED_ACKS));
    }

    /** Sends 16 small segments, each ACKed at once: afterwards ACKs are delayed. */
    static void leaveQuickAckMode(TcpFixture f) {
        for (int i = 0; i < 16; i++) {
            f.sendData(Packets.ascii("q"));
            f.recv();
        }
    }

    @Test
    void one_segment_is_acked_by_the_delayed_ack_timer_at_40_ms() {
        TcpFixture f = new TcpFixture();
        TcpConnection c = f.established();
        leaveQuickAckMode(f);
        f.sendData(Packets.ascii("hello"));
        f.recvNothing();
        f.advance(40 * MS - 1);
        f.recvNothing();
        f.advance(1);
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        assertEquals(1, f.counter(Counter.TCP_DELAYED_ACKS));
        assertEquals(21, f.read(c, 100).length);
    }

    @Test
    void every_second_full_segment_is_acked_at_once() {
        TcpFixture f = new TcpFixture();
        f.established();
        leaveQuickAckMode(f);
        f.sendData(Packets.pattern(1448, 1));
        f.recvNothing();
        f.sendData(Packets.pattern(1448, 2));
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
    }

    @Test
    void without_delayed_ack_every_segment_is_acked() {
        TcpFixture f = new TcpFixture(TcpConfig.builder().delayedAck(false).build());
        f.established();
        f.sendData(Packets.ascii("x"));
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
    }

    @Test
    void out_of_order_data_gets_a_duplicate_ack_and_is_delivered_when_the_hole_fills() {
        TcpFixture f = new TcpFixture();
        TcpConnection c = f.established();
        int start = f.peerSeq;
        byte[] a = Packets.ascii("AAAA");
        byte[] b = Packets.ascii("BBBB");
        byte[] cc = Packets.ascii("CCCC");
        f.send(f.seg().seq(start + 8).data(cc));
        assertSegment(f.recv(), ACK, f.ourSeq, start);
        f.send(f.seg().seq(start + 4).data(b));
        assertSegment(f.recv(), ACK, f.ourSeq, start);
        assertEquals(0, c.readableBytes());
        f.send(f.seg().seq(start).data(a));
        assertSegment(f.recv(), ACK, f.ourSeq, start + 12);
        assertArrayEquals(Packets.ascii("AAAABBBBCCCC"), f.read(c, 100));
        assertEquals(2, f.counter(Counter.TCP_OUT_OF_ORDER_QUEUED));
    }

    @Test
    void out_of_order_queue_is_bounded_in_ranges() {
        TcpFixture f = new TcpFixture(TcpConfig.builder().maxOutOfOrderRanges(2).build());
        TcpConnection c = f.established();
        int start = f.peerSeq;
        f.send(f.seg().seq(start + 10).data(new byte[2]));
        f.send(f.seg().seq(start + 20).data(new byte[2]));
        f.send(f.seg().seq(start + 30).data(new byte[2]));
        assertEquals(1, f.counter(Counter.TCP_OUT_OF_ORDER_DROPPED));
        // A segment that merges into a held range is still taken.
        f.send(f.seg().seq(start + 12).data(new byte[2]));
        assertEquals(1, f.counter(Counter.TCP_OUT_OF_ORDER_DROPPED));
        f.recvAll();
        f.send(f.seg().seq(start).data(new byte[10]));
        assertSegment(f.recv(), ACK, f.ourSeq, start + 14);
        assertEquals(14, c.readableBytes());
    }

    @Test
    void duplicate_old_data_is_acked_and_dropped() {
        TcpFixture f = new TcpFixture();
        TcpConnection c = f.established();
        f.sendData(Packets.ascii("once"));
        f.advance(50 * MS);
        f.recvAll();
        f.send(f.seg().seq(f.peerSeq - 4).data(Packets.ascii("once")));
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        assertEquals(4, c.readableBytes());
        assertEquals(1, f.counter(Counter.TCP_DROP_UNACCEPTABLE));
    }

    @Test
    void a_segment_overlapping_the_left_edge_is_trimmed() {
        TcpFixture f = new TcpFixture();
        TcpConnection c = f.established();
        f.sendData(Packets.ascii("abcd"));
        f.send(f.seg().seq(f.peerSeq - 2).data(Packets.ascii("cdef")));
        f.peerSeq += 2;
        assertArrayEquals(Packets.ascii("abcdef"), f.read(c, 100));
    }

    @Test
    void data_past_the_window_is_cut() {
        TcpFixture f = new TcpFixture(TcpConfig.builder().receiveBufferBytes(1000).windowScaling(false).build());
        TcpConnection c = f.established();
        f.send(f.seg().data(Packets.pattern(1500, 3)));
        assertEquals(1000, c.readableBytes(), "only the advertised window is taken");
        Parsed ack = f.recv();
        assertEquals(f.peerSeq + 1000, ack.tcp.ack);
        assertEquals(0, ack.tcp.window);
    }

    @Test
    void a_full_buffer_advertises_a_zero_window_and_reading_opens_it() {
        TcpFixture f = new TcpFixture(TcpConfig.builder().receiveBufferBytes(4000).windowScaling(false)
            .delayedAck(false).build());
        TcpConnection c = f.established();
        f.sendData(Packets.pattern(1000, 1));
        f.recv();
        f.sendData(Packets.pattern(1000, 2));
        f.recv();
        f.sendData(Packets.pattern(1000, 3));
        f.recv();
        f.sendData(Packets.pattern(1000, 4));
        Parsed full = f.recv();
        assertEquals(0, full.tcp.window);
        // A zero window still takes the ACK of a segment at RCV.NXT but drops its data.
        f.send(f.seg().data(new byte[] {9}));
        Parsed probeAck = f.recv();
        assertEquals(f.peerSeq, probeAck.tcp.ack);
        f.read(c, 100); // small read: window stays shut (receiver SWS avoidance)
        f.poll();
        f.recvNothing();
        f.read(c, 2000);
        f.poll();
        Parsed update = f.recv();
        assertEquals(f.peerSeq, update.tcp.ack);
        assertTrue(update.tcp.window >= 2000, "window update after the read: " + update.tcp.window);
    }

    @Test
    void the_scaled_window_is_advertised_in_units_of_the_shift() {
        TcpFixture f = new TcpFixture(TcpConfig.builder().receiveBufferBytes(1 << 20).build());
        f.established();
        f.sendData(Packets.pattern(100, 1));
        f.advance(40 * MS);
        Parsed ack = f.recv();
        int shift = 5; // 1 MiB >> 4 = 65536 does not fit: shift 5
        assertEquals(((1 << 20) - 100) >> shift, ack.tcp.window);
    }

    @Test
    void sending_respects_the_peers_window_and_the_initial_congestion_window() {
        TcpFixture f = new TcpFixture();
        TcpConnection c = f.established();
        f.write(c, Packets.pattern(100_000, 5));
        f.poll();
        List<Parsed> burst = f.recvAll();
        assertEquals(10, burst.size(), "initial window of 10 segments");
        int seq = f.ourSeq;
        for (Parsed p : burst) {
            assertEquals(seq, p.tcp.seq);
            assertEquals(1448, p.payload.length, "MSS 1460 minus 12 bytes of timestamps");
            seq += p.payload.length;
        }
        // The peer shrinks its window to 2000 bytes past what it acknowledges.
        f.send(f.seg().ack(f.ourSeq + 1448).window(2000 >> 7));
        List<Parsed> more = f.recvAll();
        int sentPastAck = 0;
        for (Parsed p : more) {
            sentPastAck += p.payload.length;
        }
        assertEquals(0, sentPastAck, "window of 1920 bytes is already exceeded by what is in flight");
    }

    @Test
    void segments_follow_the_peers_mss_and_default_to_536() {
        TcpFixture f = new TcpFixture();
        TcpListener l = f.listen();
        f.send(f.seg().flags(dev.bypass.stack.wire.TcpHeader.SYN).ack(0).noTimestamps());
        Parsed synAck = f.recv();
        f.peerSeq++;
        f.ourSeq = synAck.tcp.seq + 1;
        f.peerTimestamps = false;
        f.send(f.seg().window(65535));
        TcpConnection c = l.accept();
        f.write(c, Packets.pattern(2000, 1));
        f.poll();
        List<Parsed> segs = f.recvAll();
        assertEquals(536, segs.get(0).payload.length);
    }

    @Test
    void nagle_holds_a_small_segment_while_data_is_in_flight() {
        TcpFixture f = new TcpFixture();
        TcpConnection c = f.established();
        f.write(c, Packets.ascii("first"));
        f.poll();
        Parsed first = f.recv();
        assertSegment(first, PSH | ACK, f.ourSeq, f.peerSeq);
        f.write(c, Packets.ascii("second"));
        f.poll();
        f.recvNothing();
        f.ourSeq += 5;
        f.send(f.seg().ack(f.ourSeq));
        Parsed second = f.recv();
        assertArrayEquals(Packets.ascii("second"), second.payload);
    }

    @Test
    void no_delay_sends_small_segments_at_once() {
        TcpFixture f = new TcpFixture();
        TcpConnection c = f.established();
        c.noDelay(true);
        f.write(c, Packets.ascii("first"));
        f.poll();
        f.recv();
        f.write(c, Packets.ascii("second"));
        f.poll();
        assertArrayEquals(Packets.ascii("second"), f.recv().payload);
    }

    @Test
    void timestamps_echo_ts_recent_and_paws_drops_old_segments() {
        TcpFixture f = new TcpFixture(TcpConfig.builder().delayedAck(false).build());
        TcpConnection c = f.established();
        f.peerTsVal = 9000;
        f.sendData(Packets.ascii("new"));
        Parsed ack = f.recv();
        assertEquals(9000, ack.tcp.tsEcr);
        f.send(f.seg().ts(8000, 0).data(Packets.ascii("old")));
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        assertEquals(1, f.counter(Counter.TCP_DROP_PAWS));
        assertEquals(3, c.readableBytes());
    }

    @Test
    void many_megabytes_arrive_in_order_through_a_small_buffer() {
        TcpFixture f = new TcpFixture(TcpConfig.builder().receiveBufferBytes(16384).build());
        TcpConnection c = f.established();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] all = Packets.pattern(3_000_000, 11);
        int sent = 0;
        while (sent < all.length) {
            int n = Math.min(1448, all.length - sent);
            f.sendData(java.util.Arrays.copyOfRange(all, sent, sent + n));
            sent += n;
            got.writeBytes(f.read(c, 100_000));
            f.recvAll();
        }
        assertArrayEquals(all, got.toByteArray());
    }
}
