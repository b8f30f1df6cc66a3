package dev.bypass.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class SpscByteRingTest {
    @Test
    void wraps_around_and_keeps_order() {
        SpscByteRing ring = SpscByteRing.allocate(16);
        UnsafeBuffer src = new UnsafeBuffer(new byte[32]);
        UnsafeBuffer dst = new UnsafeBuffer(new byte[32]);
        int next = 0;
        int expected = 0;
        for (int round = 0; round < 100; round++) {
            int len = 1 + round % 13;
            for (int i = 0; i < len; i++) {
                src.putByte(i, (byte) (next + i));
            }
            int n = ring.write(src, 0, len);
            next += n;
            int r = ring.read(dst, 0, 1 + (round * 7) % 11);
            for (int i = 0; i < r; i++) {
                assertEquals((byte) expected++, dst.getByte(i));
            }
        }
    }

    @Test
    void a_full_ring_takes_what_fits_and_then_nothing() {
        SpscByteRing ring = SpscByteRing.allocate(16);
        UnsafeBuffer src = new UnsafeBuffer(new byte[20]);
        assertEquals(16, ring.write(src, 0, 20));
        assertEquals(0, ring.write(src, 0, 1));
        assertEquals(0, ring.free());
        assertEquals(16, ring.readable());
        assertEquals(5, ring.read(new UnsafeBuffer(new byte[5]), 0, 5));
        assertEquals(5, ring.write(ByteBuffer.wrap(new byte[9])));
    }

    @Test
    void heap_and_direct_byte_buffers_advance_their_positions() {
        SpscByteRing ring = SpscByteRing.allocate(8);
        ByteBuffer in = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6});
        assertEquals(6, ring.write(in));
        assertEquals(6, in.position());
        ByteBuffer out = ByteBuffer.allocateDirect(4);
        assertEquals(4, ring.read(out));
        assertEquals(4, out.position());
        assertEquals(4, ring.write(ByteBuffer.wrap(new byte[] {7, 8, 9, 10}))); // wraps
        ByteBuffer rest = ByteBuffer.allocate(16);
        assertEquals(6, ring.read(rest));
        assertEquals(5, rest.get(0));
        assertEquals(10, rest.get(5));
    }

    @Test
    void in_place_writes_and_reads_give_contiguous_pieces() {
        SpscByteRing ring = SpscByteRing.allocate(8);
        ring.write(new UnsafeBuffer(new byte[6]), 0, 6);
        ring.read(new UnsafeBuffer(new byte[6]), 0, 6);
        assertEquals(2, ring.producerContiguous(), "to the end of the data");
        assertEquals(6, ring.producerIndex());
        ring.buffer().putByte(ring.producerIndex(), (byte) 42);
        ring.commitWrite(1);
        assertEquals(1, ring.consumerContiguous());
        assertEquals(42, ring.buffer().getByte(ring.consumerIndex()));
        ring.commitRead(1);
        assertEquals(0, ring.readable());
    }

    @Test
    void a_capacity_not_a_power_of_two_is_refused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new SpscByteRing(new UnsafeBuffer(ByteBuffer.allocateDirect(100 + SpscByteRing.TRAILER_LENGTH))));
        assertEquals("byte ring data must be a power of two, got 100 (buffer of 484 bytes less a trailer of 384)",
            e.getMessage());
    }

    /** Two threads, random chunk sizes on both sides, every byte of a seeded stream checked. */
    @Test
    void two_threads_move_every_byte_in_order() throws Exception {
        SpscByteRing ring = SpscByteRing.allocate(4096);
        long total = 64L * 1024 * 1024;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            SplittableRandom sizes = new SplittableRandom(1);
            UnsafeBuffer src = new UnsafeBuffer(ByteBuffer.allocateDirect(3000));
            long sent = 0;
            while (sent < total) {
                int len = (int) Math.min(total - sent, 1 + sizes.nextInt(3000));
                for (int i = 0; i < len; i++) {
                    src.putByte(i, patternByte(sent + i));
                }
                int off = 0;
                while (off < len) {
                    int n = ring.write(src, off, len - off);
                    if (n == 0) {
                        Thread.onSpinWait();
                    }
                    off += n;
                }
                sent += len;
            }
        }, "ring-producer");
        producer.setUncaughtExceptionHandler((t, e) -> failure.set(e));
        producer.start();
        SplittableRandom sizes = new SplittableRandom(2);
        byte[] dst = new byte[5000];
        ByteBuffer heap = ByteBuffer.wrap(dst);
        long received = 0;
        while (received < total) {
            heap.clear().limit(1 + sizes.nextInt(dst.length));
            int n = ring.read(heap);
            if (n == 0) {
                Thread.onSpinWait();
                continue;
            }
            for (int i = 0; i < n; i++) {
                if (dst[i] != patternByte(received + i)) {
                    throw new AssertionError("byte " + (received + i) + " differs");
                }
            }
            received += n;
        }
        producer.join();
        assertEquals(null, failure.get());
        assertEquals(total, ring.consumerPosition());
    }

    private static byte patternByte(long position) {
        return (byte) (position * 31 + (position >>> 11));
    }
}
