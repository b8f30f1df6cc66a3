package dev.bypass.stack.addr;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A 48-bit Ethernet MAC address.
 *
 * <p>On the data path a MAC is a {@code long} holding the six bytes in its low 48 bits, first byte on
 * the wire in the most significant position ({@code 02:00:00:00:00:01} is {@code 0x0200_0000_0001L}).
 * The static helpers read and write that form; the value object is for configuration and display.
 */
public record MacAddress(long bits) {
    /** ff:ff:ff:ff:ff:ff. */
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    public static final MacAddress BROADCAST_ADDRESS = new MacAddress(BROADCAST);
    /** 00:00:00:00:00:00, used in ARP requests for the unknown target hardware address. */
    public static final long ZERO = 0L;

    public MacAddress {
        if ((bits & ~BROADCAST) != 0) {
            throw new IllegalArgumentException("MAC address has more than 48 bits: 0x" + Long.toHexString(bits));
        }
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (or with '-'). */
    public static MacAddress parse(String text) {
        String[] parts = text.trim().split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address (want six hex bytes aa:bb:cc:dd:ee:ff): " + text);
        }
        long bits = 0;
        for (String part : parts) {
            int b;
            try {
                b = Integer.parseInt(part, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a MAC address (bad hex byte '" + part + "'): " + text, e);
            }
            if (b < 0 || b > 255 || part.isEmpty() || part.length() > 2) {
                throw new IllegalArgumentException("not a MAC address (bad hex byte '" + part + "'): " + text);
            }
            bits = (bits << 8) | b;
        }
        return new MacAddress(bits);
    }

    /** A locally administered unicast address (02:xx:...) derived from a number: for tests and the demo. */
    public static MacAddress local(long n) {
        return new MacAddress(0x0200_0000_0000L | (n & 0xFF_FFFF_FFFFL));
    }

    /** Reads six bytes in wire order. */
    public static long read(DirectBuffer buffer, int offset) {
        long hi = buffer.getShort(offset, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFFL;
        long lo = buffer.getInt(offset + 2, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
        return (hi << 32) | lo;
    }

    /** Writes six bytes in wire order. */
    public static void write(MutableDirectBuffer buffer, int offset, long mac) {
        buffer.putShort(offset, (short) (mac >>> 32), java.nio.ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + 2, (int) mac, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /** True for group (multicast and broadcast) addresses: the I/G bit of the first byte. */
    public static boolean isMulticast(long mac) {
        return (mac & 0x0100_0000_0000L) != 0;
    }

    public static String toString(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int b = (int) (mac >>> shift) & 0xFF;
            if (sb.length() > 0) {
                sb.append(':');
            }
            sb.append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return toString(bits);
    }
}
