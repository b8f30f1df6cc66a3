package dev.bypass.stack;

import static dev.bypass.stack.TcpFixture.MS;
import static dev.bypass.stack.TcpFixture.SECOND;
import static dev.bypass.stack.TcpFixture.assertSegment;
import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.FIN;
import static dev.bypass.stack.wire.TcpHeader.PSH;
import static dev.bypass.stack.wire.TcpHeader.RST;
import static dev.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.counters.Counter;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Every close path: active, passive, simultaneous, half-close, TIME-WAIT and its timers, aborts. */
class TcpCloseTest {
    final TcpFixture f = new TcpFixture();

    @Test
    void active_close_fin_wait_1_fin_wait_2_time_wait_closed() {
        TcpConnection c = f.established();
        c.close();
        f.poll();
        assertSegment(f.recv(), FIN | ACK, f.ourSeq, f.peerSeq);
        assertEquals(TcpState.FIN_WAIT_1, c.state());
        f.ourSeq++;
        f.send(f.seg().ack(f.ourSeq));
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        f.recvNothing();
        f.send(f.seg().flags(FIN | ACK));
        f.peerSeq++;
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        assertEquals(TcpState.TIME_WAIT, c.state());
        // TIME-WAIT lasts 2 MSL (60 s): just before, still there; just after, gone.
        f.advance(60 * SECOND - MS);
        assertEquals(TcpState.TIME_WAIT, c.state());
        assertEquals(1, f.stack.tcp().connectionCount());
        f.advance(MS);
        assertEquals(0, f.stack.tcp().connectionCount(), "freed: the application had closed it");
        f.recvNothing();
    }

    @Test
    void fin_wait_1_to_time_wait_when_fin_and_ack_arrive_together() {
        TcpConnection c = f.established();
        c.close();
        f.poll();
        f.recv();
        f.ourSeq++;
        f.send(f.seg().flags(FIN | ACK).ack(f.ourSeq));
        f.peerSeq++;
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        assertEquals(TcpState.TIME_WAIT, c.state());
    }

    @Test
    void simultaneous_close_goes_through_closing() {
        TcpConnection c = f.established();
        c.shutdownOutput();
        f.poll();
        assertSegment(f.recv(), FIN | ACK, f.ourSeq, f.peerSeq);
        // The peer's FIN crosses ours: it does not acknowledge our FIN yet.
        f.send(f.seg().flags(FIN | ACK).ack(f.ourSeq));
        f.peerSeq++;
        assertEquals(TcpState.CLOSING, c.state());
        assertSegment(f.recv(), ACK, f.ourSeq + 1, f.peerSeq);
        f.ourSeq++;
        f.send(f.seg().ack(f.ourSeq));
        assertEquals(TcpState.TIME_WAIT, c.state());
    }

    @Test
    void passive_close_close_wait_last_ack_closed() {
        TcpConnection c = f.established();
        f.send(f.seg().flags(FIN | ACK));
        f.peerSeq++;
        // No data came before the FIN: no delayed-ACK estimate yet, so the ACK goes at once (as Linux).
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        assertEquals(TcpState.CLOSE_WAIT, c.state());
        assertEquals(-1, c.read(new UnsafeBuffer(new byte[10]), 0, 10), "end of stream");
        assertEquals(1, f.counter(Counter.TCP_CURR_ESTAB), "CLOSE-WAIT counts as established");
        c.close();
        f.poll();
        assertSegment(f.recv(), FIN | ACK, f.ourSeq, f.peerSeq);
        assertEquals(TcpState.LAST_ACK, c.state());
        f.ourSeq++;
        f.send(f.seg().ack(f.ourSeq));
        assertEquals(0, f.stack.tcp().connectionCount());
        assertEquals(0, f.counter(Counter.TCP_CURR_ESTAB));
    }

    @Test
    void close_wait_can_still_send() {
        TcpConnection c = f.established();
        f.sendData(Packets.ascii("request"));
        f.recv(); // quick ACK
        f.send(f.seg().flags(FIN | ACK));
        f.peerSeq++;
        // Linux tcp_fin: after data, the ACK of the FIN waits (pingpong) to ride on the application's answer,
        // at most the delayed-ACK time.
        f.advance(40 * TcpFixture.MS - 1);
        f.recvNothing();
        f.advance(1);
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        f.write(c, Packets.ascii("late"));
        f.poll();
        Parsed p = f.recv();
        assertSegment(p, PSH | ACK, f.ourSeq, f.peerSeq);
        assertArrayEquals(Packets.ascii("late"), p.payload);
    }

    @Test
    void half_close_keeps_receiving() {
        TcpConnection c = f.established();
        c.shutdownOutput();
        f.poll();
        f.recv();
        f.ourSeq++;
        f.send(f.seg().ack(f.ourSeq));
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        f.sendData(Packets.ascii("still here"));
        assertArrayEquals(Packets.ascii("still here"), f.read(c, 100));
        assertThrows(IllegalStateException.class, () -> f.write(c, new byte[] {1}));
    }

    @Test
    void fin_after_queued_data_is_sent_with_the_last_segment() {
        TcpConnection c = f.established();
        f.write(c, Packets.ascii("bye"));
        c.close();
        f.poll();
        Parsed p = f.recv();
        assertSegment(p, FIN | PSH | ACK, f.ourSeq, f.peerSeq);
        assertArrayEquals(Packets.ascii("bye"), p.payload);
    }

    @Test
    void fin_is_retransmitted() {
        TcpConnection c = f.established();
        c.close();
        f.poll();
        Parsed fin = f.recv();
        f.advance(SECOND);
        Parsed again = f.recv();
        assertSegment(again, FIN | ACK, fin.tcp.seq, f.peerSeq);
    }

    @Test
    void time_wait_acks_a_retransmitted_fin_and_restarts_its_timer() {
        f.timeWait();
        f.advance(30 * SECOND);
        f.send(f.seg().flags(FIN | ACK).seq(f.peerSeq - 1).ack(f.ourSeq));
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        f.advance(59 * SECOND);
        assertEquals(1, f.stack.tcp().connectionCount(), "2 MSL counted again from the retransmitted FIN");
        f.advance(SECOND);
        assertEquals(0, f.stack.tcp().connectionCount());
    }

    @Test
    void fin_wait_2_of_a_closed_connection_times_out() {
        f.finWait2();
        f.advance(60 * SECOND - MS);
        assertEquals(1, f.stack.tcp().connectionCount());
        f.advance(MS);
        assertEquals(0, f.stack.tcp().connectionCount());
    }

    @Test
    void time_wait_reopened_by_newer_syn() {
        f.timeWait();
        f.peerTsVal += 1000;
        f.peerSeq += 100_000;
        Parsed synAck = f.peerSyn();
        assertEquals("S.", synAck.flags(), "new SYN accepted from TIME-WAIT (RFC 6191)");
        assertEquals(1, f.stack.tcp().connectionCount());
    }

    @Test
    void old_syn_in_time_wait_gets_an_ack_not_a_new_connection() {
        TcpConnection c = f.timeWait();
        f.send(f.seg().flags(SYN).seq(f.peerSeq - 10).ack(0).ts(f.peerTsVal - 10, 0));
        Parsed p = f.recv();
        assertEquals(".", p.flags(), "an old SYN is answered with an ACK (it fails PAWS or the window)");
        assertEquals(TcpState.TIME_WAIT, c.state());
    }

    @Test
    void close_with_unread_data_resets() {
        TcpConnection c = f.established();
        f.sendData(Packets.ascii("unread"));
        f.advance(100 * MS);
        f.recvAll();
        c.close();
        f.poll();
        Parsed p = f.recv();
        assertTrue(p.tcp.has(RST), "RFC 1122 4.2.2.13: data lost, reset");
        assertEquals(0, f.stack.tcp().connectionCount());
    }

    @Test
    void data_after_close_resets() {
        f.finWait2();
        f.sendData(Packets.ascii("too late"));
        Parsed p = f.recv();
        assertTrue(p.tcp.has(RST));
        assertEquals(0, f.stack.tcp().connectionCount());
    }

    @Test
    void abort_sends_reset_and_frees() {
        TcpConnection c = f.established();
        c.abort();
        f.poll();
        assertSegment(f.recv(), RST | ACK, f.ourSeq, f.peerSeq);
        assertEquals(0, f.stack.tcp().connectionCount());
        assertEquals(0, f.counter(Counter.TCP_CURR_ESTAB));
    }

    @Test
    void closing_a_syn_sent_connection_frees_it_silently() {
        TcpConnection c = f.stack.tcp().connect(TcpFixture.PEER_IP, TcpFixture.PEER_PORT, TcpFixture.OUR_PORT);
        f.poll();
        f.recv();
        c.close();
        f.advance(SECOND);
        f.recvNothing();
        assertEquals(0, f.stack.tcp().connectionCount());
    }

    @Test
    void misuse_after_close_names_the_problem() {
        TcpConnection c = f.established();
        c.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.write(c, new byte[] {1}));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> c.read(new UnsafeBuffer(new byte[1]), 0, 1));
    }

    @Test
    void syn_in_a_synchronized_state_is_challenged() {
        TcpConnection c = f.established();
        f.send(f.seg().flags(SYN).ack(0));
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(1, f.counter(Counter.TCP_CHALLENGE_ACKS));
    }

    @Test
    void abort_of_a_connection_the_peer_reset_frees_it() {
        TcpConnection c = f.established();
        f.send(f.seg().flags(RST));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(1, f.stack.tcp().connectionCount(), "kept until the application lets go");
        c.abort();
        f.poll();
        f.recvNothing();
        assertEquals(0, f.stack.tcp().connectionCount());
    }

    @Test
    void a_handshake_completing_after_its_listener_closed_is_reset() {
        TcpListener l = f.listen();
        f.peerSyn();
        l.close();
        f.send(f.seg().window(512));
        var rst = f.recv();
        assertTrue(rst.tcp.has(RST), "nobody will accept it: " + rst);
        f.poll();
        assertEquals(0, f.stack.tcp().connectionCount());
    }

    @Test
    void closing_a_listener_resets_connections_waiting_to_be_accepted() {
        TcpListener l = f.listen();
        f.peerSyn();
        f.send(f.seg().window(512));
        assertEquals(1, l.pending());
        l.close();
        f.poll();
        assertTrue(f.recv().tcp.has(RST));
        assertEquals(0, f.stack.tcp().connectionCount());
        f.send(f.seg().flags(SYN).ack(0).ports(TcpFixture.PEER_PORT + 1, TcpFixture.OUR_PORT));
        assertSegment(f.recv(), RST | ACK, 0, f.peerSeq + 1);
    }
}
