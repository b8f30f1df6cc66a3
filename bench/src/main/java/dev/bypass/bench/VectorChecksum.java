package dev.bypass.bench;

import dev.bypass.stack.wire.Checksum;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.agrona.DirectBuffer;

/**
 * The Internet checksum of {@link Checksum#sum} with the Vector API (jdk.incubator.vector), for
 * {@link ChecksumBenchmark} only: incubator code stays out of the stack module.
 *
 * <p>The same algorithm as the scalar loop, one vector wide: each 64-bit lane (machine order) adds its
 * two 32-bit halves into 64-bit accumulators, which cannot overflow below 16 GiB. Whole vectors are summed
 * here; the rest (fewer bytes than a vector, at an even distance from the start, so on the same 16-bit
 * word boundaries) goes to {@link Checksum#sum}, and the two partial sums add.
 */
final class VectorChecksum {
    private static final VectorSpecies<Long> SPECIES = LongVector.SPECIES_PREFERRED;
    private static final int VECTOR_BYTES = SPECIES.vectorByteSize();
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private VectorChecksum() {
    }

    static String species() {
        return SPECIES.toString();
    }

    /**
     * The partial sum of {@code length} bytes at {@code offset} of {@code memory}, which is also viewed as
     * {@code buffer} (the scalar tail reads through it).
     */
    static int sum(MemorySegment memory, DirectBuffer buffer, int offset, int length) {
        int vectorEnd = offset + (length - length % (2 * VECTOR_BYTES));
        LongVector low = LongVector.zero(SPECIES);
        LongVector high = LongVector.zero(SPECIES);
        int i = offset;
        for (; i < vectorEnd; i += 2 * VECTOR_BYTES) {
            LongVector a = LongVector.fromMemorySegment(SPECIES, memory, i, ByteOrder.nativeOrder());
            LongVector b = LongVector.fromMemorySegment(SPECIES, memory, i + VECTOR_BYTES, ByteOrder.nativeOrder());
            low = low.add(a.and(0xFFFF_FFFFL)).add(b.and(0xFFFF_FFFFL));
            high = high.add(a.lanewise(VectorOperators.LSHR, 32)).add(b.lanewise(VectorOperators.LSHR, 32));
        }
        long acc = low.reduceLanes(VectorOperators.ADD) + high.reduceLanes(VectorOperators.ADD);
        int folded = Checksum.fold(acc);
        int vectorSum = LITTLE_ENDIAN ? ((folded & 0xFF) << 8) | (folded >>> 8) : folded;
        return Checksum.add(vectorSum, Checksum.sum(buffer, i, offset + length - i));
    }
}
