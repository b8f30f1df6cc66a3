package dev.bypass.bench;

import dev.bypass.stack.wire.Checksum;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The arithmetic of {@link Checksum#sum}, reading through a {@link MemorySegment} instead of an Agrona
 * buffer: plain Java 25 (no incubator module), a candidate for the stack. For {@link ChecksumBenchmark}.
 *
 * <p>The point is the bounds checks. An Agrona {@code UnsafeBuffer} checks every {@code getLong} (unless
 * {@code agrona.disable.bounds.checks=true}) and those checks stay in the loop; a segment's checks in an
 * int-counted loop are ones C2 hoists out of it (range check elimination), so the loop runs about as fast as
 * the stack's with Agrona's checks disabled (see bench/README.md).
 */
final class MemorySegmentChecksum {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private MemorySegmentChecksum() {
    }

    /** The partial sum of {@code length} bytes at {@code offset} of {@code memory}, as {@link Checksum#sum}. */
    static int sum(MemorySegment memory, long offset, int length) {
        long acc = 0;
        int blocks = length >>> 5;
        for (int k = 0; k < blocks; k++) { // an int-counted loop: C2 hoists the segment's checks out of it
            long at = offset + ((long) k << 5);
            long a = memory.get(LONG, at);
            long b = memory.get(LONG, at + 8);
            long c = memory.get(LONG, at + 16);
            long d = memory.get(LONG, at + 24);
            acc += (a >>> 32) + (a & 0xFFFF_FFFFL) + (b >>> 32) + (b & 0xFFFF_FFFFL)
                + (c >>> 32) + (c & 0xFFFF_FFFFL) + (d >>> 32) + (d & 0xFFFF_FFFFL);
        }
        long i = offset + ((long) blocks << 5);
        long end = offset + length;
        while (end - i >= 8) {
            long w = memory.get(LONG, i);
            acc += (w >>> 32) + (w & 0xFFFF_FFFFL);
            i += 8;
        }
        if (end - i >= 4) {
            acc += memory.get(INT, i) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (end - i >= 2) {
            acc += memory.get(SHORT, i) & 0xFFFF;
            i += 2;
        }
        if (end - i == 1) {
            int b = memory.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            acc += LITTLE_ENDIAN ? b : b << 8;
        }
        int folded = Checksum.fold(acc);
        return LITTLE_ENDIAN ? ((folded & 0xFF) << 8) | (folded >>> 8) : folded;
    }
}
