package dev.bypass.stack;

import static dev.bypass.stack.TcpFixture.assertSegment;
import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.FIN;
import static dev.bypass.stack.wire.TcpHeader.PSH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * TCP_CORK ({@link TcpConnection#cork(boolean)}) and MSG_MORE ({@link TcpConnection#write(
 * org.agrona.DirectBuffer, int, int, boolean)}) as Linux has them: a partial segment at the end of the queue
 * waits, even with nothing in flight; full segments go; uncorking, TCP_NODELAY, a write without MSG_MORE or (for
 * MSG_MORE) the next ACK send it; at the latest the probe timer does, one RTO after the data was found waiting
 * (tcp_write_wakeup, PSH set). The packetdrill scripts {@code flow/cork.pkt} and {@code flow/msg-more.pkt} check
 * the same against Linux.
 */
class TcpCorkTest {
    /** Without super-segments each piece of a write is one segment: 1460 bytes of MSS less 12 of timestamps. */
    private static final int SEGMENT = 1448;
    private static final long MS = TcpFixture.MS;
    /** The handshake's RTT in these tests; the RTO follows as Linux's: SRTT + max(RTTVAR, 200 ms) = 300 ms. */
    private static final long RTT = 100 * MS;

    private final TcpFixture f = new TcpFixture(TcpConfig.builder().tso(false).build());

    private static int writeMore(TcpConnection c, byte[] data) {
        return c.write(new UnsafeBuffer(data), 0, data.length, true);
    }

    private void ack(int upTo) {
        f.send(f.seg().ack(upTo));
    }

    private static boolean psh(Parsed p) {
        return p.flags().contains("P");
    }

    @Test
    void corked_small_writes_wait_with_nothing_in_flight_until_uncorked() {
        TcpConnection c = f.established(RTT);
        c.cork(true);
        assertTrue(c.cork());
        f.write(c, Packets.pattern(100, 1));
        f.advance(10 * MS);
        f.write(c, Packets.pattern(100, 2));
        f.advance(10 * MS);
        f.recvNothing();
        c.cork(false);
        assertFalse(c.cork());
        f.poll();
        Parsed p = f.recv();
        assertSegment(p, PSH | ACK, f.ourSeq, f.peerSeq);
        assertEquals(200, p.payload.length, "both writes in one segment");
    }

    @Test
    void the_cork_sends_full_segments_and_holds_the_partial_rest() {
        TcpConnection c = f.established(RTT);
        c.cork(true);
        f.write(c, Packets.pattern(2000, 1));
        f.poll();
        Parsed full = f.recv();
        assertEquals(SEGMENT, full.payload.length);
        assertFalse(psh(full), "not the write's end");
        // The rest (552) and the next write (1000) fill one more segment; 104 bytes wait.
        f.write(c, Packets.pattern(1000, 2));
        f.poll();
        Parsed second = f.recv();
        assertSegment(second, ACK, f.ourSeq + SEGMENT, f.peerSeq);
        assertEquals(SEGMENT, second.payload.length);
        // All acknowledged: still corked.
        ack(f.ourSeq + 2 * SEGMENT);
        f.recvNothing();
        c.cork(false);
        f.poll();
        Parsed rest = f.recv();
        assertSegment(rest, PSH | ACK, f.ourSeq + 2 * SEGMENT, f.peerSeq);
        assertEquals(3000 - 2 * SEGMENT, rest.payload.length);
    }

    @Test
    void without_the_cork_the_same_writes_go_at_once() {
        TcpConnection c = f.established(RTT);
        f.write(c, Packets.pattern(100, 1));
        f.poll();
        assertEquals(100, f.recv().payload.length, "Nagle sends with nothing in flight");
    }

    @Test
    void the_probe_timer_sends_held_data_one_rto_after_it_was_found_waiting() {
        TcpConnection c = f.established(RTT);
        assertEquals(300 * MS, c.info(new TcpInfo()).rtoNs);
        c.cork(true);
        f.write(c, Packets.pattern(100, 1));
        f.poll();
        f.advance(299 * MS);
        f.recvNothing();
        f.advance(1 * MS);
        Parsed p = f.recv();
        assertSegment(p, PSH | ACK, f.ourSeq, f.peerSeq);
        assertEquals(100, p.payload.length);
        assertTrue(c.cork(), "the timer does not uncork");
        // Acknowledged, the next small write waits again: the timer is armed anew by that write.
        f.advance(RTT);
        ack(f.ourSeq + 100);
        f.write(c, Packets.pattern(50, 2));
        f.poll();
        f.recvNothing();
        f.advance(c.info(new TcpInfo()).rtoNs - MS);
        f.recvNothing();
        f.advance(MS);
        assertEquals(50, f.recv().payload.length);
    }

    @Test
    void an_ack_restarts_the_probe_timer() {
        TcpConnection c = f.established(RTT);
        c.cork(true);
        f.write(c, Packets.pattern(100, 1));
        f.poll();
        f.advance(100 * MS);
        ack(f.ourSeq); // a duplicate ACK (Linux tcp_ack_probe, then tcp_data_snd_check arms it from now)
        f.recvNothing();
        f.advance(299 * MS);
        f.recvNothing();
        f.advance(MS);
        assertSegment(f.recv(), PSH | ACK, f.ourSeq, f.peerSeq);
    }

    @Test
    void no_delay_sends_what_the_cork_holds_but_the_cork_holds_the_next_write() {
        TcpConnection c = f.established(RTT);
        c.cork(true);
        f.write(c, Packets.pattern(100, 1));
        f.poll();
        f.recvNothing();
        c.noDelay(true);
        f.poll();
        assertSegment(f.recv(), PSH | ACK, f.ourSeq, f.peerSeq);
        f.write(c, Packets.pattern(100, 2)); // a new segment: TCP_NAGLE_PUSH is over
        f.poll();
        f.recvNothing();
        ack(f.ourSeq + 100);
        f.recvNothing();
        assertTrue(c.cork());
    }

    @Test
    void closing_a_corked_connection_sends_the_held_data_with_the_fin() {
        TcpConnection c = f.established(RTT);
        c.cork(true);
        f.write(c, Packets.pattern(100, 1));
        f.poll();
        f.recvNothing();
        c.close();
        f.poll();
        Parsed p = f.recv();
        assertSegment(p, FIN | PSH | ACK, f.ourSeq, f.peerSeq);
        assertEquals(100, p.payload.length);
    }

    @Test
    void connections_take_the_cork_from_their_config() {
        TcpFixture g = new TcpFixture(TcpConfig.builder().tso(false).cork(true).build());
        TcpConnection c = g.established(RTT);
        assertTrue(c.cork());
        g.write(c, Packets.pattern(100, 1));
        g.poll();
        g.recvNothing();
    }

    @Test
    void msg_more_writes_wait_until_a_write_without_it_pushes_them_all() {
        TcpConnection c = f.established(RTT);
        writeMore(c, Packets.pattern(100, 1));
        f.advance(10 * MS);
        writeMore(c, Packets.pattern(200, 2));
        f.advance(10 * MS);
        f.recvNothing();
        f.write(c, Packets.pattern(50, 3));
        f.poll();
        Parsed p = f.recv();
        assertSegment(p, PSH | ACK, f.ourSeq, f.peerSeq);
        assertEquals(350, p.payload.length);
    }

    @Test
    void msg_more_holds_even_with_no_delay_and_the_next_ack_sends_it_without_psh() {
        TcpConnection c = f.established(RTT);
        c.noDelay(true);
        f.write(c, Packets.pattern(100, 1));
        f.poll();
        assertEquals(100, f.recv().payload.length);
        writeMore(c, Packets.pattern(SEGMENT + 60, 2));
        f.poll();
        List<Parsed> sent = f.recvAll();
        assertEquals(1, sent.size(), "the full segment goes, the partial rest waits: " + sent);
        assertEquals(SEGMENT, sent.get(0).payload.length);
        assertFalse(psh(sent.get(0)));
        ack(f.ourSeq + 100);
        Parsed rest = f.recv();
        assertSegment(rest, ACK, f.ourSeq + 100 + SEGMENT, f.peerSeq);
        assertEquals(60, rest.payload.length, "the ACK pushed with the connection's switches (no delay)");
    }

    @Test
    void msg_more_data_left_alone_goes_with_the_probe_timer() {
        TcpConnection c = f.established(RTT);
        writeMore(c, Packets.pattern(40, 1));
        f.poll();
        f.advance(299 * MS);
        f.recvNothing();
        f.advance(MS);
        Parsed p = f.recv();
        assertSegment(p, PSH | ACK, f.ourSeq, f.peerSeq);
        assertEquals(40, p.payload.length);
    }

    @Test
    void the_delayed_ack_timer_does_not_release_msg_more_data() {
        TcpConnection c = f.established(RTT);
        f.sendData(Packets.pattern(10, 7));
        f.recvAll(); // quick-ACKed
        f.write(c, Packets.pattern(10, 8)); // a reply within the ato: interactive (pingpong) mode
        f.poll();
        assertEquals(10, f.recv().payload.length);
        f.ourSeq += 10;
        f.sendData(Packets.pattern(10, 9)); // acknowledges the reply; our ACK of it waits (Linux delays it)
        f.recvNothing();
        writeMore(c, Packets.pattern(40, 1));
        f.poll();
        f.recvNothing();
        f.advance(200 * MS); // the delayed ACK goes alone (Linux tcp_send_ack), the data still waits
        Parsed ack = f.recv();
        assertSegment(ack, ACK, f.ourSeq, f.peerSeq);
        assertEquals(0, ack.payload.length);
    }
}
