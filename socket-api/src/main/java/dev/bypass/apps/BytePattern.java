package dev.bypass.apps;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The deterministic bytes the apps send: byte {@code i} of a stream is a function of {@code i} alone, so a
 * receiver (or a test) can compute what it should have got without keeping a copy. The function is the
 * top byte of {@code i} times a 64-bit odd constant (Fibonacci hashing): no short period, so a segment
 * delivered at the wrong offset, duplicated or dropped changes the digest.
 */
public final class BytePattern {
    /** 2^64 divided by the golden ratio, odd: multiplying by it permutes the 64-bit integers. */
    private static final long MULTIPLIER = 0x9E37_79B9_7F4A_7C15L;
    private static final int DIGEST_CHUNK_BYTES = 64 * 1024;

    private BytePattern() {
    }

    /** Byte number {@code offset} (from 0) of the pattern. */
    public static byte at(long offset) {
        return (byte) ((offset * MULTIPLIER) >>> 56);
    }

    /** Writes bytes {@code [offset, offset + length)} of the pattern into {@code destination} at {@code index}. */
    public static void fill(MutableDirectBuffer destination, int index, long offset, int length) {
        for (int i = 0; i < length; i++) {
            destination.putByte(index + i, at(offset + i));
        }
    }

    /** The SHA-256 of the first {@code length} bytes of the pattern, as 64 lowercase hex digits. */
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
