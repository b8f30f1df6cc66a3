package dev.bypass.apps;

import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The deterministic bytes the apps, the demo and the tests send: byte {@code i} of stream {@code seed} is
 * a byte of a SplitMix64 hash of (seed, i / 8), so a sender generates it at any offset and a receiver (or a
 * test) checks or hashes what it got without a copy of what was sent. No short period: a segment
 * delivered at the wrong offset, duplicated or dropped changes every byte after it and the digest. The
 * methods without a seed use stream 0.
 */
public final class BytePattern {
    private static final int DIGEST_CHUNK_BYTES = 64 * 1024;

    private BytePattern() {
    }

    private static long word(long seed, long index) {
        long z = seed * 0x9E37_79B9_7F4A_7C15L + index * 0xBF58_476D_1CE4_E5B9L + 0x94D0_49BB_1331_11EBL;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /** Byte {@code offset} (from 0) of stream {@code seed}. */
    public static byte at(long seed, long offset) {
        return (byte) (word(seed, offset >>> 3) >>> ((offset & 7) << 3));
    }

    /** Byte {@code offset} of stream 0. */
    public static byte at(long offset) {
        return at(0, offset);
    }

    /** Writes bytes {@code [offset, offset + length)} of stream {@code seed} into {@code destination} at {@code index}. */
    public static void fill(long seed, long offset, MutableDirectBuffer destination, int index, int length) {
        int i = 0;
        while (i < length && ((offset + i) & 7) != 0) {
            destination.putByte(index + i, at(seed, offset + i));
            i++;
        }
        while (length - i >= 8) {
            destination.putLong(index + i, word(seed, (offset + i) >>> 3), ByteOrder.LITTLE_ENDIAN);
            i += 8;
        }
        while (i < length) {
            destination.putByte(index + i, at(seed, offset + i));
            i++;
        }
    }

    /** Writes bytes {@code [offset, offset + length)} of stream 0 into {@code destination} at {@code index}. */
    public static void fill(MutableDirectBuffer destination, int index, long offset, int length) {
        fill(0, offset, destination, index, length);
    }

    /** How many of {@code length} bytes at {@code index} of {@code source} differ from stream {@code seed} at {@code offset}. */
    public static int mismatches(long seed, long offset, DirectBuffer source, int index, int length) {
        int bad = 0;
        int i = 0;
        while (i < length && ((offset + i) & 7) != 0) {
            bad += source.getByte(index + i) == at(seed, offset + i) ? 0 : 1;
            i++;
        }
        while (length - i >= 8) {
            long diff = word(seed, (offset + i) >>> 3) ^ source.getLong(index + i, ByteOrder.LITTLE_ENDIAN);
            if (diff != 0) {
                for (int b = 0; b < 8; b++) {
                    bad += (diff >>> (8 * b) & 0xFF) == 0 ? 0 : 1;
                }
            }
            i += 8;
        }
        while (i < length) {
            bad += source.getByte(index + i) == at(seed, offset + i) ? 0 : 1;
            i++;
        }
        return bad;
    }

    /** The SHA-256 of the first {@code length} bytes of stream 0, as 64 lowercase hex digits. */
    public static String sha256Hex(long length) {
        MessageDigest sha256 = newSha256();
        byte[] chunk = new byte[DIGEST_CHUNK_BYTES];
        UnsafeBuffer view = new UnsafeBuffer(chunk);
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(chunk.length, length - done);
            fill(view, 0, done, n);
            sha256.update(chunk, 0, n);
            done += n;
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
