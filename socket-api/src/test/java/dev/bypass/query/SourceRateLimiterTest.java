package dev.bypass.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SourceRateLimiterTest {
    @Test
    void refills_at_the_rate_up_to_the_burst() {
        SourceRateLimiter l = new SourceRateLimiter(16, 1000, 3);
        assertTrue(l.tryAcquire(1, 0));
        assertTrue(l.tryAcquire(1, 0));
        assertTrue(l.tryAcquire(1, 0));
        assertFalse(l.tryAcquire(1, 0));
        assertFalse(l.tryAcquire(1, 999_999));
        assertTrue(l.tryAcquire(1, 1_000_000), "1 ms at 1000/s");
        // a long pause fills the bucket, no more
        long later = 10_000_000_000L;
        for (int i = 0; i < 3; i++) {
            assertTrue(l.tryAcquire(1, later));
        }
        assertFalse(l.tryAcquire(1, later));
    }

    @Test
    void the_table_is_bounded_and_evicts_the_least_recently_seen_source() {
        SourceRateLimiter l = new SourceRateLimiter(4096, 1, 1);
        assertEquals(4096, l.capacity());
        for (int s = 0; s < 100_000; s++) {
            assertTrue(l.tryAcquire(s, s));
        }
        assertTrue(l.evictions() >= 100_000 - 4096, "evictions " + l.evictions());
        // the most recent source is still remembered: no second token
        assertFalse(l.tryAcquire(99_999, 100_000));
    }

    @Test
    void a_source_active_every_round_survives_a_flood_of_new_ones_in_other_sets() {
        SourceRateLimiter l = new SourceRateLimiter(64, 1, 1);
        assertTrue(l.tryAcquire(7, 0));
        long t = 1;
        for (int s = 1000; s < 1200; s++) {
            l.tryAcquire(s, t++);
            assertFalse(l.tryAcquire(7, t++), "source 7 keeps its empty bucket while it stays recent in its set");
        }
    }
}
