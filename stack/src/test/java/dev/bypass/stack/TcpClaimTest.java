package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.testing.Parsed;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The handler API's zero-copy write: {@link TcpConnection#claim(int)} and {@link TcpClaim}. */
class TcpClaimTest {
    private static final int SEND_BUFFER = 16 * 1024;

    private static TcpFixture fixture() {
        return new TcpFixture(TcpConfig.builder().sendBufferBytes(SEND_BUFFER).build());
    }

    private static byte[] message(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    /**
     * The peer acknowledges what the stack sent so far but its last 300 bytes: the ring moves on and never
     * empties, so its back wraps and some claims get less than they ask.
     */
    private static void ackAll(TcpFixture f, List<Parsed> sent, boolean holdBack) {
        int highest = f.ourSeq;
        for (Parsed p : sent) {
            int end = p.tcp.seq + p.payload.length;
            if (Seq.gt(end, highest)) {
                highest = end;
            }
        }
        int ack = holdBack && Seq.gt(highest - 300, f.ourSeq) ? highest - 300 : highest;
        f.ourSeq = ack;
        f.send(f.seg().ack(ack));
    }

    @Test
    void a_committed_claim_puts_the_same_segments_on_the_wire_as_a_write_of_the_same_bytes() {
        TcpFixture copying = fixture();
        TcpFixture claiming = fixture();
        TcpConnection w = copying.established();
        TcpConnection c = claiming.established();
        int base = claiming.ourSeq;
        assertEquals(base, copying.ourSeq, "same secrets, same ISS");
        int[] sizes = {100, 3000, 1, 9000, 700, 5000, 12000, 64, 1448, 7000, 2896, 10};
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        int partial = 0;
        for (int i = 0; i < sizes.length; i++) {
            byte[] m = message(sizes[i], i);
            expected.writeBytes(m);
            int done = 0;
            while (done < m.length) {
                TcpClaim claim = c.claim(m.length - done);
                int n = claim.length();
                assertTrue(n > 0, "message " + i + ": the peer acknowledged everything, the buffer has room");
                claim.buffer().putBytes(claim.offset(), m, done, n);
                claim.commit(n);
                assertEquals(n, w.write(new UnsafeBuffer(m), done, n), "the write side takes the same bytes");
                partial += n < m.length - done ? 1 : 0;
                done += n;
            }
            exchange(copying, claiming, wire, "message " + i, true);
        }
        // Acknowledge everything: what Nagle held back goes out.
        for (TcpFixture f : new TcpFixture[] {copying, claiming}) {
            f.ourSeq = base + wire.size();
            f.send(f.seg());
        }
        exchange(copying, claiming, wire, "the end", false);
        assertTrue(partial > 0, "the ring wrapped at least once, so some claims were granted less than asked");
        assertArrayEquals(expected.toByteArray(), wire.toByteArray(), "the peer received exactly the claimed bytes");
    }

    /** Send, compare, acknowledge, until both are idle (the ACKs open cwnd, so more may follow). */
    private static void exchange(TcpFixture copying, TcpFixture claiming, ByteArrayOutputStream wire, String what,
                                 boolean holdBack) {
        for (int round = 0; ; round++) {
            copying.poll();
            claiming.poll();
            List<Parsed> fromWrite = copying.recvAll();
            List<Parsed> fromClaim = claiming.recvAll();
            assertEquals(fromWrite.size(), fromClaim.size(), "segments for " + what + ", round " + round);
            if (fromClaim.isEmpty()) {
                return;
            }
            for (int s = 0; s < fromWrite.size(); s++) {
                assertEquals(fromWrite.get(s).tcp.seq, fromClaim.get(s).tcp.seq);
                assertEquals(fromWrite.get(s).flags(), fromClaim.get(s).flags());
                assertArrayEquals(fromWrite.get(s).payload, fromClaim.get(s).payload);
                wire.writeBytes(fromClaim.get(s).payload);
            }
            ackAll(copying, fromWrite, holdBack);
            ackAll(claiming, fromClaim, holdBack);
        }
    }

    @Test
    void a_claim_is_granted_only_the_contiguous_room_and_none_when_the_buffer_is_full() {
        TcpFixture f = fixture();
        TcpConnection c = f.established();
        TcpClaim whole = c.claim(SEND_BUFFER * 2);
        assertEquals(SEND_BUFFER, whole.length(), "an empty buffer grants up to its limit");
        whole.buffer().setMemory(whole.offset(), whole.length(), (byte) 7);
        whole.commit(whole.length());
        TcpClaim none = c.claim(1);
        assertTrue(none.isOpen());
        assertEquals(0, none.length(), "a full send buffer grants nothing");
        none.abort();
        assertFalse(c.writable());
    }

    @Test
    void abort_queues_nothing_and_commit_of_part_queues_only_that_part() {
        TcpFixture f = fixture();
        TcpConnection c = f.established();
        TcpClaim claim = c.claim(1000);
        claim.buffer().setMemory(claim.offset(), 1000, (byte) 1);
        claim.abort();
        f.poll();
        f.recvNothing();
        claim = c.claim(1000);
        claim.buffer().putBytes(claim.offset(), message(1000, 3));
        claim.commit(10);
        f.poll();
        Parsed p = f.recv();
        assertArrayEquals(java.util.Arrays.copyOf(message(1000, 3), 10), p.payload);
        assertEquals(SEND_BUFFER - 10, c.writableBytes());
    }

    @Test
    void misuse_is_refused_with_a_message_naming_the_problem() {
        TcpFixture f = fixture();
        TcpConnection c = f.established();
        TcpClaim claim = c.claim(100);
        assertEquals("a zero-copy claim of 100 bytes is already open: commit or abort it first, on " + c,
            assertThrows(IllegalStateException.class, () -> c.claim(10)).getMessage());
        assertEquals("write while a zero-copy claim of 100 bytes is open: commit or abort it first, on " + c,
            assertThrows(IllegalStateException.class, () -> f.write(c, new byte[5])).getMessage());
        assertEquals("commit of 101 bytes on a claim of 100 (0..100 allowed) on " + c,
            assertThrows(IllegalArgumentException.class, () -> claim.commit(101)).getMessage());
        claim.commit(100);
        assertEquals("commit on a zero-copy claim that is not open (claim first; a claim ends at commit or abort) on " + c,
            assertThrows(IllegalStateException.class, () -> claim.commit(1)).getMessage());
        assertThrows(IllegalStateException.class, claim::buffer);
        assertEquals(0, claim.length());
        assertEquals("claim length must be 0 or more, got -1 on " + c,
            assertThrows(IllegalArgumentException.class, () -> c.claim(-1)).getMessage());
        c.shutdownOutput();
        assertTrue(assertThrows(IllegalStateException.class, () -> c.claim(1)).getMessage()
            .startsWith("write after shutdownOutput on "));
    }

    @Test
    void the_claim_object_is_reused_so_claiming_allocates_nothing() {
        TcpFixture f = fixture();
        TcpConnection c = f.established();
        TcpClaim first = c.claim(10);
        first.commit(0);
        assertSame(first, c.claim(10));
    }
}
