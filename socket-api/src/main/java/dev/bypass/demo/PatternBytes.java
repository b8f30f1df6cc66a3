package dev.bypass.demo;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A deterministic, non-repeating byte stream: byte {@code i} of stream {@code seed} is a byte of a
 * SplitMix64 hash of (seed, i / 8). Senders generate it at any offset, receivers check every byte against
 * it as it arrives, so "byte-exact" needs no copy of what was sent. A reordered, duplicated or corrupted
 * byte cannot match by accident except with probability 1/256 per byte, and a run of them not at all.
 */
public final class PatternBytes {
    private PatternBytes() {
    }

    private static long word(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Byte {@code offset} of stream {@code seed}. */
    public static byte at(long seed, long offset) {
        return (byte) (word(seed, offset >>> 3) >>> ((offset & 7) << 3));
    }

    /** Writes bytes {@code [offset, offset + length)} of stream {@code seed} into {@code destination}. */
    public static void fill(long seed, long offset, MutableDirectBuffer destination, int destinationOffset, int length) {
        int i = 0;
        while (i < length && ((offset + i) & 7) != 0) {
            destination.putByte(destinationOffset + i, at(seed, offset + i));
            i++;
        }
        while (length - i >= 8) {
            destination.putLong(destinationOffset + i, word(seed, (offset + i) >>> 3), java.nio.ByteOrder.LITTLE_ENDIAN);
            i += 8;
        }
        while (i < length) {
            destination.putByte(destinationOffset + i, at(seed, offset + i));
            i++;
        }
    }

    /** Number of bytes in {@code [offset, offset + length)} of {@code source} that differ from the stream. */
    public static int mismatches(long seed, long offset, DirectBuffer source, int sourceOffset, int length) {
        int bad = 0;
        int i = 0;
        while (i < length && ((offset + i) & 7) != 0) {
            bad += source.getByte(sourceOffset + i) == at(seed, offset + i) ? 0 : 1;
            i++;
        }
        while (length - i >= 8) {
            long expected = word(seed, (offset + i) >>> 3);
            long actual = source.getLong(sourceOffset + i, java.nio.ByteOrder.LITTLE_ENDIAN);
            if (expected != actual) {
                for (int b = 0; b < 8; b++) {
                    bad += ((expected ^ actual) >>> (8 * b) & 0xFF) == 0 ? 0 : 1;
                }
            }
            i += 8;
        }
        while (i < length) {
            bad += source.getByte(sourceOffset + i) == at(seed, offset + i) ? 0 : 1;
            i++;
        }
        return bad;
    }
}
