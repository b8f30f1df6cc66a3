package dev.bypass.stack.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of the
 * data taken as 16-bit big-endian words.
 *
 * <p>Sums here are "partial": folded to 16 bits, in network byte order, not yet complemented; they add
 * with {@link #add}. {@link #finish} complements a sum into the value written on the wire. A header whose
 * checksum is right sums to {@code 0xFFFF} ({@link #isValid}).
 *
 * <p>The loop reads 8 bytes at a time in the machine's order and adds their two 32-bit halves into a
 * 64-bit accumulator: one's complement addition is byte-order independent up to a final byte swap
 * (RFC 1071 section 2(B)), and the accumulator cannot overflow below 16 GiB of input.
 */
public final class Checksum {
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private Checksum() {
    }

    /**
     * The partial sum of {@code length} bytes at {@code offset}; an odd last byte is padded with zero. The
     * range is checked once; the loop then reads through {@link UnsafeApi} without a check per access (the
     * checks of Agrona's accessors cost more than the additions at frame sizes).
     */
    public static int sum(DirectBuffer buffer, int offset, int length) {
        if (offset < 0 || length < 0 || (long) offset + length > buffer.capacity()) {
            throw new IndexOutOfBoundsException("checksum range [" + offset + ", " + ((long) offset + length)
                + ") outside a buffer of " + buffer.capacity() + " bytes");
        }
        byte[] array = buffer.byteArray();
        long base = buffer.addressOffset() + offset;
        long acc = 0;
        int i = 0;
        while (length - i >= 32) {
            long a = UnsafeApi.getLong(array, base + i);
            long b = UnsafeApi.getLong(array, base + i + 8);
            long c = UnsafeApi.getLong(array, base + i + 16);
            long d = UnsafeApi.getLong(array, base + i + 24);
            acc += (a >>> 32) + (a & 0xFFFF_FFFFL) + (b >>> 32) + (b & 0xFFFF_FFFFL)
                + (c >>> 32) + (c & 0xFFFF_FFFFL) + (d >>> 32) + (d & 0xFFFF_FFFFL);
            i += 32;
        }
        while (length - i >= 8) {
            long w = UnsafeApi.getLong(array, base + i);
            acc += (w >>> 32) + (w & 0xFFFF_FFFFL);
            i += 8;
        }
        if (length - i >= 4) {
            acc += UnsafeApi.getInt(array, base + i) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (length - i >= 2) {
            acc += UnsafeApi.getShort(array, base + i) & 0xFFFF;
            i += 2;
        }
        if (length - i == 1) {
            // In the machine's order the odd byte is the first byte of a 16-bit word whose second byte is 0.
            int b = UnsafeApi.getByte(array, base + i) & 0xFF;
            acc += LITTLE_ENDIAN ? b : b << 8;
        }
        int folded = fold(acc);
        return LITTLE_ENDIAN ? ((folded & 0xFF) << 8) | (folded >>> 8) : folded;
    }

    /** Folds a wide one's complement sum to 16 bits. */
    public static int fold(long acc) {
        acc = (acc & 0xFFFF_FFFFL) + (acc >>> 32);
        acc = (acc & 0xFFFF) + (acc >>> 16);
        acc = (acc & 0xFFFF) + (acc >>> 16);
        return (int) ((acc & 0xFFFF) + (acc >>> 16));
    }

    /** One's complement addition of two partial sums. */
    public static int add(int a, int b) {
        return fold((long) a + b);
    }

    /** The value to write into a checksum field: the complement of the sum. */
    public static int finish(int sum) {
        return ~sum & 0xFFFF;
    }

    /** True if data that includes its own checksum field sums to all ones. */
    public static boolean isValid(int sum) {
        return sum == 0xFFFF;
    }

    /** The IPv4 pseudo-header sum (RFC 9293 section 3.1, RFC 768): addresses, protocol and L4 length. */
    public static int pseudoHeaderV4(int source, int destination, int protocol, int l4Length) {
        long acc = (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF)
            + protocol + l4Length;
        return fold(acc);
    }

    /**
     * Incremental update (RFC 1624 eqn. 3) of a checksum field when a 16-bit word of the covered data
     * changes from {@code oldWord} to {@code newWord}: {@code HC' = ~(~HC + ~m + m')}.
     */
    public static int update(int checksumField, int oldWord, int newWord) {
        int sum = (~checksumField & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }
}
