package dev.bypass.stack.addr;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IP address, IPv4 or IPv6, as an immutable value.
 *
 * <p>Every address is held as 128 bits ({@code hi}, {@code lo}); an IPv4 address is held in its
 * IPv4-mapped IPv6 form {@code ::ffff:a.b.c.d} (RFC 4291 section 2.5.5.2), so tables and tuples keyed by
 * an {@code IpAddress} take IPv6 without change. The IPv4 data path works on the plain {@code int}
 * ({@link #v4()}), most significant byte first on the wire.
 */
public record IpAddress(long hi, long lo) implements Comparable<IpAddress> {
    private static final long V4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

    public static final IpAddress V4_ANY = ofV4(0);
    public static final IpAddress V4_BROADCAST = ofV4(0xFFFF_FFFF);

    public static IpAddress ofV4(int address) {
        return new IpAddress(0L, V4_MAPPED_PREFIX | (address & 0xFFFF_FFFFL));
    }

    public static IpAddress ofV4(int a, int b, int c, int d) {
        return ofV4((a & 0xFF) << 24 | (b & 0xFF) << 16 | (c & 0xFF) << 8 | (d & 0xFF));
    }

    /** Parses a dotted quad or an IPv6 literal (no host name lookups). */
    public static IpAddress parse(String text) {
        String t = text.trim();
        if (t.isEmpty() || !(t.indexOf(':') >= 0 || t.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9')))) {
            throw new IllegalArgumentException("not an IP address literal: '" + text + "'");
        }
        if (t.indexOf(':') < 0) {
            String[] parts = t.split("\\.", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException("not an IPv4 address (want a.b.c.d): '" + text + "'");
            }
            int v = 0;
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3) {
                    throw new IllegalArgumentException("not an IPv4 address (bad part '" + p + "'): '" + text + "'");
                }
                int n = Integer.parseInt(p);
                if (n > 255) {
                    throw new IllegalArgumentException("not an IPv4 address (part " + n + " > 255): '" + text + "'");
                }
                v = (v << 8) | n;
            }
            return ofV4(v);
        }
        try {
            byte[] b = InetAddress.getByName(t).getAddress();
            return ofBytes(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 address literal: '" + text + "'", e);
        }
    }

    /** From 4 or 16 bytes in network order. */
    public static IpAddress ofBytes(byte[] b) {
        if (b.length == 4) {
            return ofV4((b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF));
        }
        if (b.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + b.length);
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (b[i] & 0xFF);
            lo = (lo << 8) | (b[i + 8] & 0xFF);
        }
        return new IpAddress(hi, lo);
    }

    public boolean isV4() {
        return hi == 0 && (lo & 0xFFFF_FFFF_0000_0000L) == V4_MAPPED_PREFIX;
    }

    /** The IPv4 address; throws for an IPv6 address. */
    public int v4() {
        if (!isV4()) {
            throw new IllegalStateException("not an IPv4 address: " + this);
        }
        return (int) lo;
    }

    public InetAddress toInetAddress() {
        try {
            if (isV4()) {
                int v = (int) lo;
                return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
            }
            byte[] b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[i + 8] = (byte) (lo >>> (56 - 8 * i));
            }
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String v4ToString(int v) {
        return (v >>> 24) + "." + ((v >>> 16) & 0xFF) + "." + ((v >>> 8) & 0xFF) + "." + (v & 0xFF);
    }

    @Override
    public int compareTo(IpAddress o) {
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    @Override
    public String toString() {
        return isV4() ? v4ToString((int) lo) : toInetAddress().getHostAddress();
    }
}
