package dev.bypass.bench;

import dev.bypass.stack.wire.Checksum;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link Checksum#sum} over an IPv4 header (20 bytes), a small packet (64), a full TCP segment at MTU 1500
 * (1460) and a jumbo frame (9000), in off-heap memory at offset 14 (where the IPv4 header of a received
 * frame starts: 8-byte reads are unaligned, as in the stack). GB/s = length / (ns/op).
 *
 * <p>Two candidates over the same memory: {@link #memorySegment}, the stack's loop reading through a
 * {@link MemorySegment} ({@link MemorySegmentChecksum}), and {@link #vector}, the same sum with the Vector API
 * ({@link VectorChecksum}), which needs {@code --add-modules jdk.incubator.vector} (this class's fork passes it).
 */
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "-Dagrona.disable.bounds.checks=true", "--add-modules", "jdk.incubator.vector"})
public class ChecksumBenchmark extends BenchmarkDefaults {
    static final int OFFSET = 14;

    @Param({"20", "64", "1460", "9000"})
    int length;

    private Arena arena;
    private MemorySegment memory;
    private UnsafeBuffer buffer;

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        memory = arena.allocate(OFFSET + 9000 + 64, 64);
        buffer = new UnsafeBuffer(memory.address(), (int) memory.byteSize());
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < buffer.capacity(); i++) {
            buffer.putByte(i, (byte) random.nextInt(256));
        }
        // The variants must give the stack's sum for every length up to the benchmark's, at odd and even starts.
        for (int start = OFFSET - 1; start <= OFFSET; start++) {
            for (int n = 0; n <= length; n++) {
                int expected = Checksum.sum(buffer, start, n);
                int vector = VectorChecksum.sum(memory, buffer, start, n);
                int segment = MemorySegmentChecksum.sum(memory, start, n);
                if (vector != expected || segment != expected) {
                    throw new IllegalStateException("sum of " + n + " bytes at " + start + ": scalar " + expected
                        + ", vector " + vector + " (" + VectorChecksum.species() + "), segment " + segment);
                }
            }
        }
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public int scalar() {
        return Checksum.sum(buffer, OFFSET, length);
    }

    @Benchmark
    public int memorySegment() {
        return MemorySegmentChecksum.sum(memory, OFFSET, length);
    }

    @Benchmark
    public int vector() {
        return VectorChecksum.sum(memory, buffer, OFFSET, length);
    }
}
