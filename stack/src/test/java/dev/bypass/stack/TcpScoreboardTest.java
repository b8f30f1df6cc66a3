package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The scoreboard's ring starts small and doubles up to its bound, keeping its entries in order. */
class TcpScoreboardTest {
    private static final int MSS = 1000;

    private static boolean add(TcpScoreboard b, int seq) {
        return b.add(seq, seq + MSS, false, MSS, seq, 0, 0, 0, false);
    }

    @Test
    void holds_no_arrays_until_the_first_entry_then_eight_doubling_up_to_its_limit() {
        TcpScoreboard b = new TcpScoreboard(100);
        assertEquals(0, b.capacity(), "an idle connection's scoreboard holds nothing");
        assertTrue(b.isEmpty());
        assertEquals(-1, b.indexOf(5));
        assertTrue(add(b, 0));
        assertEquals(TcpScoreboard.INITIAL_CAPACITY, b.capacity());
        for (int i = 1; i < 8; i++) {
            assertTrue(add(b, i * MSS));
        }
        assertEquals(8, b.capacity());
        assertTrue(add(b, 8 * MSS));
        assertEquals(16, b.capacity());
        for (int i = 9; i < 100; i++) {
            assertTrue(add(b, i * MSS));
        }
        assertEquals(100, b.capacity(), "the last doubling stops at the limit");
        assertTrue(b.isFull());
        assertFalse(add(b, 100 * MSS));
        assertEquals(100, b.packetsOut);
    }

    @Test
    void growth_keeps_the_entries_in_order_when_the_ring_has_wrapped() {
        TcpScoreboard b = new TcpScoreboard(64);
        for (int i = 0; i < 8; i++) {
            add(b, i * MSS);
        }
        for (int i = 0; i < 5; i++) {
            b.removeHead();
        }
        for (int i = 8; i < 13; i++) {
            add(b, i * MSS); // wraps around the 8-slot ring
        }
        assertTrue(add(b, 13 * MSS)); // grows
        assertEquals(16, b.capacity());
        assertEquals(9, b.size());
        for (int i = 0; i < b.size(); i++) {
            int s = b.slot(i);
            assertEquals((5 + i) * MSS, b.start(s));
            assertEquals((6 + i) * MSS, b.end(s));
            assertEquals(5 + i, b.sentAtNs(s) / MSS);
        }
        assertEquals(8 * MSS, b.start(b.slot(b.indexOf(8 * MSS + 10))));
    }

    @Test
    void a_split_grows_the_ring_too() {
        TcpScoreboard b = new TcpScoreboard(64);
        for (int i = 0; i < 8; i++) {
            b.add(i * 3 * MSS, (i + 1) * 3 * MSS, false, MSS, 0, 0, 0, 0, false);
        }
        assertEquals(24, b.packetsOut);
        assertTrue(b.splitAt(0, MSS, MSS));
        assertEquals(16, b.capacity());
        assertEquals(9, b.size());
        assertEquals(24, b.packetsOut);
        assertEquals(MSS, b.end(b.slot(0)));
        assertEquals(MSS, b.start(b.slot(1)));
    }

    @Test
    void reset_keeps_the_grown_arrays_for_the_next_connection() {
        TcpScoreboard b = new TcpScoreboard(64);
        for (int i = 0; i < 40; i++) {
            add(b, i * MSS);
        }
        assertEquals(64, b.capacity());
        b.reset(64);
        assertTrue(b.isEmpty());
        assertEquals(64, b.capacity());
        assertEquals(0, b.packetsOut);
        b.reset(20);
        assertEquals(20, b.limit());
        assertTrue(b.capacity() <= 20);
    }
}
