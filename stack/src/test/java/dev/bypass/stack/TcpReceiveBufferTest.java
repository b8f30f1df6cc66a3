package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The out-of-order assembler: any arrival order and overlap gives the stream back in order. */
class TcpReceiveBufferTest {
    @Test
    void merges_touching_and_overlapping_ranges() {
        TcpReceiveBuffer b = new TcpReceiveBuffer(100, 4);
        UnsafeBuffer d = new UnsafeBuffer(new byte[100]);
        assertEquals(0, b.insert(10, d, 0, 5));
        assertEquals(0, b.insert(20, d, 0, 5));
        assertEquals(0, b.insert(15, d, 0, 5)); // touches both: one range [10, 25)
        assertEquals(1, b.ranges());
        assertEquals(10, b.rangeStart(0));
        assertEquals(25, b.rangeEnd(0));
        assertEquals(25, b.insert(0, d, 0, 10));
        assertEquals(0, b.ranges());
        assertEquals(25, b.readable());
    }

    @Test
    void refuses_a_new_range_past_the_limit_but_takes_one_that_merges() {
        TcpReceiveBuffer b = new TcpReceiveBuffer(100, 2);
        UnsafeBuffer d = new UnsafeBuffer(new byte[100]);
        b.insert(10, d, 0, 2);
        b.insert(20, d, 0, 2);
        assertEquals(-1, b.insert(30, d, 0, 2));
        assertEquals(0, b.insert(22, d, 0, 3));
        assertEquals(2, b.ranges());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void random_segmentation_order_and_duplicates_reassemble_the_stream(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int capacity = 4096;
        byte[] stream = new byte[3000];
        r.nextBytes(stream);
        UnsafeBuffer src = new UnsafeBuffer(stream);
        TcpReceiveBuffer b = new TcpReceiveBuffer(capacity, 64);
        List<int[]> segments = new ArrayList<>();
        for (int off = 0; off < stream.length; ) {
            int len = 1 + r.nextInt(200);
            len = Math.min(len, stream.length - off);
            segments.add(new int[] {off, len});
            if (r.nextInt(5) == 0) {
                segments.add(new int[] {off, len}); // duplicate
            }
            off += len;
        }
        Collections.shuffle(segments, new java.util.Random(seed));
        int next = 0; // stream offset of RCV.NXT
        for (int[] s : segments) {
            int start = s[0];
            int end = s[0] + s[1];
            if (end <= next) {
                continue; // entirely old: TCP's trim drops it
            }
            int from = Math.max(start, next); // trim the left edge as TCP does
            int advanced = b.insert(from - next, src, from, end - from);
            if (advanced > 0) {
                next += advanced;
            }
        }
        assertEquals(stream.length, next);
        byte[] out = new byte[stream.length];
        assertEquals(stream.length, b.read(new UnsafeBuffer(out), 0, out.length));
        assertArrayEquals(stream, out);
    }
}
