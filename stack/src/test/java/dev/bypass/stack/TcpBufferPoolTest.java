package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.counters.StackCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** {@link TcpBufferPool} alone: lending, reuse, size classes, the bound, its counters and its configuration. */
class TcpBufferPoolTest {
    private final StackCounters counters = new StackCounters("test");

    @Test
    void a_taken_ring_has_the_size_asked_for_and_is_counted_in_use() {
        TcpBufferPool pool = new TcpBufferPool(1 << 20, counters);
        UnsafeBuffer ring = pool.takeSend(4096);
        assertNotNull(ring);
        assertEquals(4096, ring.capacity());
        assertEquals(4096, pool.bytesInUse());
        assertEquals(4096, pool.bytesAllocated());
        assertEquals(4096, counters.get(Counter.TCP_BUFFER_POOL_BYTES_IN_USE));
        assertEquals(4096, counters.get(Counter.TCP_BUFFER_POOL_BYTES_ALLOCATED));
        assertEquals(1, counters.get(Counter.TCP_BUFFER_POOL_TAKES));
        pool.give(ring);
        assertEquals(0, pool.bytesInUse());
        assertEquals(4096, pool.bytesAllocated(), "a returned ring is kept for reuse");
        assertEquals(1, counters.get(Counter.TCP_BUFFER_POOL_RETURNS));
        assertEquals(0, counters.get(Counter.TCP_BUFFER_POOL_BYTES_IN_USE));
    }

    @Test
    void a_returned_ring_is_lent_again_without_allocating() {
        TcpBufferPool pool = new TcpBufferPool(1 << 20, counters);
        UnsafeBuffer first = pool.takeReceive(1000);
        pool.give(first);
        for (int i = 0; i < 100; i++) {
            UnsafeBuffer again = pool.takeSend(1000);
            assertSame(first, again);
            pool.give(again);
        }
        assertEquals(1000, pool.bytesAllocated());
        assertEquals(101, counters.get(Counter.TCP_BUFFER_POOL_TAKES));
        assertEquals(101, counters.get(Counter.TCP_BUFFER_POOL_RETURNS));
    }

    @Test
    void rings_of_different_sizes_are_kept_apart() {
        TcpBufferPool pool = new TcpBufferPool(1 << 20, counters);
        UnsafeBuffer small = pool.takeSend(1000);
        UnsafeBuffer large = pool.takeSend(5000);
        pool.give(small);
        pool.give(large);
        assertEquals(1, pool.freeRings(1000));
        assertEquals(1, pool.freeRings(5000));
        assertSame(large, pool.takeReceive(5000));
        assertSame(small, pool.takeReceive(1000));
        UnsafeBuffer third = pool.takeSend(3000);
        assertEquals(3000, third.capacity());
        assertNotSame(small, third);
        assertEquals(9000, pool.bytesInUse());
    }

    @Test
    void the_pool_never_holds_more_than_its_bound_and_counts_exhaustion_per_side() {
        TcpBufferPool pool = new TcpBufferPool(3000, counters);
        UnsafeBuffer a = pool.takeSend(1000);
        UnsafeBuffer b = pool.takeSend(1000);
        UnsafeBuffer c = pool.takeReceive(1000);
        assertNotNull(a);
        assertNotNull(b);
        assertNotNull(c);
        assertNull(pool.takeSend(1000));
        assertNull(pool.takeReceive(1000));
        assertNull(pool.takeReceive(1));
        assertEquals(1, counters.get(Counter.TCP_BUFFER_POOL_EXHAUSTED_SEND));
        assertEquals(2, counters.get(Counter.TCP_BUFFER_POOL_EXHAUSTED_RECEIVE));
        assertEquals(3000, pool.bytesAllocated());
        pool.give(b);
        assertSame(b, pool.takeReceive(1000), "a returned ring ends the exhaustion");
        assertEquals(3000, pool.bytesInUse());
    }

    @Test
    void free_rings_of_another_size_are_dropped_to_make_room() {
        TcpBufferPool pool = new TcpBufferPool(3000, counters);
        UnsafeBuffer a = pool.takeSend(1000);
        UnsafeBuffer b = pool.takeSend(1000);
        pool.give(a);
        pool.give(b);
        UnsafeBuffer big = pool.takeReceive(2500);
        assertNotNull(big, "the two free 1000-byte rings made room");
        assertEquals(0, pool.freeRings(1000));
        assertEquals(2500, pool.bytesAllocated());
        assertNull(pool.takeSend(1000), "2500 + 1000 is past the bound and nothing is free");
    }

    @Test
    void a_non_positive_bound_is_refused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TcpBufferPool(0, counters));
        assertEquals("tcp bufferPoolBytes must be positive, got 0", e.getMessage());
    }

    @Test
    void the_configuration_defaults_to_one_gibibyte_and_checks_its_bound() {
        assertEquals(1L << 30, TcpConfig.DEFAULT.bufferPoolBytes());
        assertEquals(1L << 20, TcpConfig.builder().bufferPoolBytes(1 << 20).build().bufferPoolBytes());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
            () -> TcpConfig.builder().bufferPoolBytes(0).build());
        assertEquals("tcp bufferPoolBytes must be positive, got 0", zero.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
            () -> TcpConfig.builder().sendBufferBytes(1000).receiveBufferBytes(1000).bufferPoolBytes(2000).build());
        assertEquals("tcp bufferPoolBytes 2000 below one send and one receive buffer (2001 bytes with the receive"
            + " ring's slack)", small.getMessage());
        assertEquals(2001, TcpConfig.builder().sendBufferBytes(1000).receiveBufferBytes(1000).bufferPoolBytes(2001)
            .build().bufferPoolBytes());
    }

    @Test
    void a_copy_with_larger_buffers_keeps_a_default_bound_valid() {
        // The socket API raises SO_RCVBUF on a copy of the stack's settings: the default bound follows.
        TcpConfig big = TcpConfig.DEFAULT.toBuilder().receiveBufferBytes(1 << 30).build();
        assertEquals(TcpConfig.oneConnectionBufferBytes(256 * 1024, 1 << 30), big.bufferPoolBytes());
        // An explicit bound stays as set.
        TcpConfig set = TcpConfig.builder().bufferPoolBytes(1L << 31).build();
        assertEquals(1L << 31, set.toBuilder().receiveBufferBytes(1 << 20).build().bufferPoolBytes());
    }
}
