package dev.bypass.stack;

import static dev.bypass.stack.TcpFixture.OUR_PORT;
import static dev.bypass.stack.TcpFixture.PEER_PORT;
import static dev.bypass.stack.TcpFixture.assertSegment;
import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.FIN;
import static dev.bypass.stack.wire.TcpHeader.RST;
import static dev.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bypass.stack.counters.Counter;
import dev.bypass.testing.Packets;
import org.junit.jupiter.api.Test;

/** The reset rules of RFC 9293 3.5.2 and their RFC 5961 refinements, one test per rule. */
class TcpResetTest {
    final TcpFixture f = new TcpFixture();

    @Test
    void closed_port_segment_without_ack_gets_rst_ack_at_seq_plus_length() {
        f.send(f.seg().flags(SYN).ack(0).ports(PEER_PORT, 9999));
        var p = f.recv();
        assertSegment(p, RST | ACK, 0, f.peerSeq + 1);
        assertEquals(9999, p.tcp.sourcePort);
        assertEquals(1, f.counter(Counter.TCP_DROP_NO_SOCKET));
        assertEquals(1, f.counter(Counter.TCP_OUT_RSTS));
    }

    @Test
    void closed_port_data_and_fin_count_in_the_ack_of_the_reset() {
        f.send(f.seg().flags(FIN).ack(0).data(new byte[10]).ports(PEER_PORT, 9999));
        assertSegment(f.recv(), RST | ACK, 0, f.peerSeq + 11);
    }

    @Test
    void closed_port_segment_with_ack_gets_rst_at_its_ack_number() {
        f.send(f.seg().ack(123456).ports(PEER_PORT, 9999));
        assertSegment(f.recv(), RST, 123456, 0);
    }

    @Test
    void closed_port_reset_is_never_answered() {
        f.send(f.seg().flags(RST).ack(0).ports(PEER_PORT, 9999));
        f.recvNothing();
        assertEquals(1, f.counter(Counter.TCP_DROP_NO_SOCKET));
    }

    @Test
    void reset_exactly_at_rcv_nxt_resets_the_connection() {
        TcpConnection c = f.established();
        f.send(f.seg().flags(RST));
        f.recvNothing();
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.RESET, c.error());
        assertEquals(-1, c.read(new org.agrona.concurrent.UnsafeBuffer(new byte[1]), 0, 1), "read reports the end");
        assertEquals(1, f.counter(Counter.TCP_ESTAB_RESETS));
        assertEquals(0, f.counter(Counter.TCP_CURR_ESTAB));
    }

    @Test
    void reset_in_window_but_not_at_rcv_nxt_gets_a_challenge_ack() {
        TcpConnection c = f.established();
        f.send(f.seg().flags(RST).seq(f.peerSeq + 100));
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(1, f.counter(Counter.TCP_DROP_BAD_RST));
        assertEquals(1, f.counter(Counter.TCP_CHALLENGE_ACKS));
    }

    @Test
    void reset_outside_the_window_is_dropped_silently() {
        TcpConnection c = f.established();
        f.send(f.seg().flags(RST).seq(f.peerSeq + 10_000_000));
        f.recvNothing();
        f.send(f.seg().flags(RST).seq(f.peerSeq - 1));
        f.recvNothing();
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(2, f.counter(Counter.TCP_DROP_UNACCEPTABLE));
    }

    @Test
    void challenge_acks_are_rate_limited() {
        f.established();
        for (int i = 0; i < 5; i++) {
            f.send(f.seg().flags(RST).seq(f.peerSeq + 100 + i));
        }
        assertEquals(1, f.recvAll().size());
        f.advance(TcpFixture.MS * 10);
        f.send(f.seg().flags(RST).seq(f.peerSeq + 200));
        assertEquals(1, f.recvAll().size());
    }

    @Test
    void unacceptable_segment_in_synchronized_state_gets_an_ack() {
        TcpConnection c = f.established();
        f.send(f.seg().seq(f.peerSeq + 10_000_000).data(new byte[] {1, 2, 3}));
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void ack_of_unsent_data_gets_an_ack_and_is_dropped() {
        TcpConnection c = f.established();
        f.send(f.seg().ack(f.ourSeq + 5000));
        assertSegment(f.recv(), ACK, f.ourSeq, f.peerSeq);
        assertEquals(1, f.counter(Counter.TCP_DROP_BAD_ACK));
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void reset_in_syn_received_of_an_active_open_refuses() {
        TcpConnection c = f.stack.tcp().connect(TcpFixture.PEER_IP, PEER_PORT, OUR_PORT);
        f.poll();
        var syn = f.recv();
        f.ourSeq = syn.tcp.seq + 1;
        f.send(f.seg().flags(SYN).ack(0));
        f.peerSeq++;
        f.recv();
        f.send(f.seg().flags(RST).ack(0));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.REFUSED, c.error());
    }

    @Test
    void reset_in_close_wait_and_time_wait_closes() {
        TcpConnection c = f.established();
        f.send(f.seg().flags(FIN | ACK));
        f.peerSeq++;
        f.recv();
        f.send(f.seg().flags(RST));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.RESET, c.error());
    }

    @Test
    void reset_in_last_ack_completes_the_close_without_error() {
        TcpConnection c = f.established();
        f.send(f.seg().flags(FIN | ACK));
        f.peerSeq++;
        f.recv();
        c.close();
        f.poll();
        f.recv();
        f.send(f.seg().flags(RST));
        assertEquals(0, f.stack.tcp().connectionCount());
    }

    @Test
    void segments_to_broadcast_are_dropped_without_reset() {
        byte[] tcp = Packets.tcp(TcpFixture.PEER_IP, -1, PEER_PORT, 80, 1, 0, SYN, 1000, -1, -1, false, false, 0, 0,
            new byte[0]);
        byte[] ip = Packets.ipv4(TcpFixture.PEER_IP, -1, 6, 1, 0, 64, tcp);
        f.device.inject(Packets.ethernet(0xFFFF_FFFF_FFFFL, TcpFixture.PEER_MAC, 0x0800, ip));
        f.poll();
        f.recvNothing();
        assertEquals(1, f.counter(Counter.TCP_DROP_BAD_ADDRESS));
    }
}
