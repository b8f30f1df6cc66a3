package dev.bypass.bench.e2e;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The bytes every side-by-side client sends: byte {@code k} of a connection's stream is {@code k % 251}. The
 * period is prime, so no message size used here is a multiple of it: consecutive messages differ, and an echo
 * that lost, repeated or reordered a piece fails the check. Message {@code j} of {@code size} bytes is the
 * slice of {@link #buffer} from {@code (j * size) % 251}; checks compare with {@link MemorySegment#mismatch}
 * (vectorised, no allocation).
 */
final class Pattern {
    static final int PERIOD = 251;
    /** The largest message or chunk a client sends or reads at once. */
    static final int MAX_CHUNK = 64 * 1024;

    final ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_CHUNK + PERIOD);
    final UnsafeBuffer unsafe = new UnsafeBuffer(buffer);
    final MemorySegment segment = MemorySegment.ofBuffer(buffer);

    Pattern() {
        for (int k = 0; k < buffer.capacity(); k++) {
            buffer.put(k, (byte) (k % PERIOD));
        }
    }

    /** Where in {@link #buffer} the stream byte at {@code streamOffset} starts. */
    static int offset(long streamOffset) {
        return (int) (streamOffset % PERIOD);
    }

    /** Throws unless {@code length} bytes of {@code received} from {@code from} are stream bytes from {@code streamOffset}. */
    void check(MemorySegment received, long from, int length, long streamOffset) {
        int o = offset(streamOffset);
        long at = MemorySegment.mismatch(received, from, from + length, segment, o, o + length);
        if (at >= 0) {
            throw new IllegalStateException("echo differs from what was sent at stream byte " + (streamOffset + at)
                + ": got " + received.get(java.lang.foreign.ValueLayout.JAVA_BYTE, from + at) + ", sent "
                + segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o + at));
        }
    }
}
